// Bar charts from data the page renders as JSON, never as script:
//   <script type="application/json" id="chart-data">{"counties": {"labels": [...], "label": "...", "values": [...]}}</script>
//   <canvas data-chart-source="chart-data" data-chart-key="counties"></canvas>
// "horizontal": true draws horizontal bars (long lists of names). Values are percentages
// (an axis of 0–100 %) unless "percent": false, which draws plain counts.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Chart) return;
  var canvases = document.querySelectorAll("canvas[data-chart-source]");
  Array.prototype.forEach.call(canvases, function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source) return;
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    var key = canvas.getAttribute("data-chart-key");
    var series = key ? data[key] : data;
    if (!series || !series.labels || !series.labels.length) return;
    var horizontal = Boolean(series.horizontal);
    var percent = series.percent !== false;
    var unit = percent ? "%" : "";
    var valueAxis = percent
      ? { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
      : { min: 0, ticks: { precision: 0 } };
    var chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [{
          label: series.label || "",
          data: series.values,
          backgroundColor: "rgba(11, 92, 173, 0.75)",
          borderColor: "#0b5cad",
          borderWidth: 1,
          maxBarThickness: 36,
        }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        // Horizontal lists grow downwards, about 28 px per bar.
        aspectRatio: horizontal ? aspectFor(canvas, series.labels.length) : 2,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.raw === null ? "—" : item.raw + unit;
              },
            },
          },
        },
        scales: horizontal ? { x: valueAxis } : { y: valueAxis },
      },
    });
    canvas.setAttribute("data-chart-ready", "true");
    canvas.chart = chart;
  });
});

function aspectFor(canvas, bars) {
  var width = (canvas.parentNode && canvas.parentNode.clientWidth) || 480;
  return Math.min(2, Math.max(0.25, width / (60 + 28 * bars)));
}
