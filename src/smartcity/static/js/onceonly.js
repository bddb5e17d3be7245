// 我被重复索要材料: the field list shows only the chosen form's fields (all when none is chosen).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("f-form_id"), field = document.getElementById("f-field_id");
  if (!form || !field) return;
  function sync() {
    field.querySelectorAll("optgroup").forEach(function (g) {
      var on = !form.value || g.dataset.form === form.value;
      g.hidden = !on; g.disabled = !on;
    });
    var chosen = field.selectedOptions[0];
    if (chosen && chosen.parentElement.tagName === "OPTGROUP" && chosen.parentElement.disabled) field.value = "";
  }
  form.addEventListener("change", sync); sync();
});
