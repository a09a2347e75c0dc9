// The hotline KPI page: tickets per lead department by status, and the four rates per department.
// Clicking a bar opens the ticket list it counts (the URLs come with the data).
document.addEventListener("DOMContentLoaded", function () {
  const source = document.getElementById("kpi-chart-data");
  if (!window.echarts || !source) return;
  const data = JSON.parse(source.textContent);
  const colours = ["#6c757d", "#0d6efd", "#fd7e14", "#ffc107", "#20c997", "#198754", "#adb5bd"];
  function draw(el, option, urlOf) {
    if (!el) return;
    const c = echarts.init(el);
    c.setOption(option);
    c.on("click", function (p) { const url = urlOf(p); if (url) window.location.href = url; });
    el.style.cursor = "pointer";
    window.addEventListener("resize", function () { c.resize(); });
  }
  const axis = { type: "category", data: data.departments, axisLabel: { interval: 0, width: 80, overflow: "break" } };
  draw(document.getElementById("chart-status"), {
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 40, right: 16, top: 40, bottom: 56 },
    xAxis: axis,
    yAxis: { type: "value", minInterval: 1 },
    series: data.status.map(function (s, i) {
      return { name: s.name, type: "bar", stack: "status", data: s.data, itemStyle: { color: colours[i % colours.length] } };
    }),
  }, function (p) { const s = data.status[p.seriesIndex]; return s && s.urls[p.dataIndex]; });
  draw(document.getElementById("chart-rates"), {
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 56 },
    xAxis: axis,
    yAxis: { type: "value", min: 0, max: 100 },
    series: data.rates.map(function (s, i) {
      return { name: s.name, type: "bar", data: s.data, itemStyle: { color: colours[(i + 1) % colours.length] } };
    }),
  }, function (p) { return data.urls[p.dataIndex]; });
});
