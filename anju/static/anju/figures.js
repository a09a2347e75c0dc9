// The figures page: applications and grants by status, days to payment by door, fund use.
// Each bar opens the list it counts (the URLs come with the data).
document.addEventListener("DOMContentLoaded", function () {
  const source = document.getElementById("figures-data");
  if (!window.echarts || !source) return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  function bars(id, labels, series, urls, extra) {
    const el = document.getElementById(id);
    if (!el) return;
    const c = echarts.init(el);
    c.setOption(Object.assign({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 140, right: 24, top: 16, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", inverse: true, data: labels },
      series: series,
    }, extra || {}));
    c.on("click", function (p) { const url = urls[p.dataIndex]; if (url) window.location.href = url; });
    el.style.cursor = "pointer";
    charts.push(c);
  }
  bars("chart-apps", data.apps.labels, [{ name: data.apps.name, type: "bar", data: data.apps.counts, itemStyle: { color: "#0d6efd" } }], data.apps.urls);
  bars("chart-grants", data.grants.labels, [{ name: data.grants.name, type: "bar", data: data.grants.counts, itemStyle: { color: "#198754" } }], data.grants.urls, {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (ps) {
      const i = ps[0].dataIndex; return data.grants.labels[i] + "<br>" + data.grants.name + ": " + data.grants.counts[i] + "<br>" + data.grants.amount_name + ": " + data.grants.amounts[i];
    } },
  });
  bars("chart-doors", data.doors.labels, [{ name: data.doors.name, type: "bar", data: data.doors.medians, itemStyle: { color: "#fd7e14" } }], data.doors.urls);
  const f = data.funds;
  bars("chart-funds", f.labels, [
    { name: f.names[0], type: "bar", stack: "fund", data: f.paid.map(Number), itemStyle: { color: "#198754" } },
    { name: f.names[1], type: "bar", stack: "fund", data: f.committed.map(Number), itemStyle: { color: "#ffc107" } },
    { name: f.names[2], type: "bar", stack: "fund", data: f.available.map(Number), itemStyle: { color: "#dee2e6" } },
  ], f.urls, { legend: { top: 0 }, grid: { left: 140, right: 24, top: 30, bottom: 24 }, xAxis: { type: "value" } });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
