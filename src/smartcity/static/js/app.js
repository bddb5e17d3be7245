// htmx 2: swap problem responses (4xx/5xx) into the page's message region
// instead of silently dropping them.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: true, error: true, target: "#messages" },
  ];
});
