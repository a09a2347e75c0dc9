// Simulation page: two bar charts (count, total cost), before vs after the parameter change.
document.addEventListener("DOMContentLoaded", function () {
  const node = document.getElementById("simulate-data");
  if (!window.echarts || !node) return;
  const data = JSON.parse(node.textContent);
  function bars(id, title, values, color) {
    const el = document.getElementById(id);
    if (!el) return;
    const c = echarts.init(el);
    c.setOption({
      title: { text: title, left: "center", textStyle: { fontSize: 13 } },
      tooltip: {}, grid: { left: 80, right: 16, top: 36, bottom: 24 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: values, itemStyle: { color: color }, label: { show: true, position: "top" } }],
    });
    window.addEventListener("resize", () => c.resize());
  }
  bars("chart-count", data.count_label, data.counts, "#0d6efd");
  bars("chart-total", data.total_label, data.totals, "#198754");
});
