// The items table of the catalog entry form: add and remove rows. Rows are cloned from a
// <template> whose field names carry "__index__"; the server reads items-<n>-<field> in
// row order, so indexes need not be consecutive. No user data lives in this script.
(function () {
  function nextIndex(body) {
    var highest = -1;
    Array.prototype.forEach.call(body.querySelectorAll("tr[data-index]"), function (row) {
      var index = parseInt(row.getAttribute("data-index"), 10);
      if (!isNaN(index) && index > highest) highest = index;
    });
    return highest + 1;
  }

  function addRow(button) {
    var body = document.getElementById(button.getAttribute("data-add-row"));
    var template = document.getElementById(button.getAttribute("data-row-template"));
    if (!body || !template) return;
    var index = String(nextIndex(body));
    var row = template.content.firstElementChild.cloneNode(true);
    row.setAttribute("data-index", index);
    Array.prototype.forEach.call(row.querySelectorAll("[name]"), function (field) {
      field.setAttribute("name", field.getAttribute("name").replace("__index__", index));
    });
    body.appendChild(row);
    var first = row.querySelector("input, select");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var add = target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      addRow(add);
      return;
    }
    var remove = target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("tr");
      if (row) row.parentNode.removeChild(row);
    }
  });
})();
