// Behaviour shared by every page. No page puts inline scripts or user data in scripts.
document.addEventListener("DOMContentLoaded", function () {
  if (window.htmx) {
    // htmx 2: swap problem responses (4xx/5xx) into the page's message region instead
    // of silently dropping them; forms answer 422 with themselves, re-rendered with errors.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: true, error: true, target: "#messages" },
    ];
    // A history miss must fetch the whole page, not the fragment a filter asked for.
    htmx.config.historyRestoreAsHxRequest = false;
    // Clear an old message when a new request starts.
    document.body.addEventListener("htmx:beforeRequest", function () {
      var messages = document.getElementById("messages");
      if (messages) messages.innerHTML = "";
    });
  }
});

// Copy buttons: <button data-copy="#selector" data-copied="已复制">复制</button>
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  var source = document.querySelector(button.getAttribute("data-copy"));
  if (!source) return;
  var value = source.textContent.trim();
  var done = function () {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || "✓";
    setTimeout(function () { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(value).then(done, function () { selectText(source); });
  } else {
    selectText(source);
    try { if (document.execCommand("copy")) done(); } catch (e) { /* the text stays selected */ }
  }
});

function selectText(element) {
  var range = document.createRange();
  range.selectNodeContents(element);
  var selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
