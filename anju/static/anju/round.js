// A verification round's progress by town: done, waiting and overdue, stacked.
document.addEventListener("DOMContentLoaded", function () {
  const el = document.getElementById("chart-round");
  if (!window.echarts || !el) return;
  const data = JSON.parse(document.getElementById("round-data").textContent);
  if (!data.towns.length) return;
  const colors = ["#198754", "#0d6efd", "#dc3545"];
  const c = echarts.init(el);
  c.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } }, legend: { top: 0 },
    grid: { left: 100, right: 16, top: 30, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", inverse: true, data: data.towns },
    series: data.series.map((s, i) => ({ name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: { color: colors[i] } })),
  });
  window.addEventListener("resize", () => c.resize());
});
