// Dashboard charts: every bar and slice opens the ledger list filtered to what it counts.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  const stats = JSON.parse(document.getElementById("stats-data").textContent);
  function chart(id, items, kind) {
    const el = document.getElementById(id);
    if (!el || !items.length) return;
    const c = echarts.init(el);
    const data = items.map(i => ({ name: i.label, value: i.count, url: i.url }));
    const option = kind === "pie"
      ? { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "70%"], data: data.filter(d => d.value > 0) }] }
      : { tooltip: {}, grid: { left: 90, right: 16, top: 8, bottom: 24 },
          xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", inverse: true, data: data.map(d => d.name) },
          series: [{ type: "bar", data: data, itemStyle: { color: "#0d6efd" } }] };
    c.setOption(option);
    c.on("click", p => { if (p.data && p.data.url) window.location.href = p.data.url; });
    window.addEventListener("resize", () => c.resize());
  }
  chart("chart-status", stats.status, "pie");
  chart("chart-difficulty", stats.difficulty, "bar");
  chart("chart-areas", stats.areas.slice(0, 15), "bar");
});
