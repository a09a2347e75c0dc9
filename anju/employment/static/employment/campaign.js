// The campaign page: the figures per day of the campaign (referrals, sign-ups, hires, passengers).
// Clicking a series opens the list it counts (the URLs come with the data).
document.addEventListener("DOMContentLoaded", function () {
  const source = document.getElementById("campaign-chart-data");
  const el = document.getElementById("chart-daily");
  if (!window.echarts || !source || !el) return;
  const data = JSON.parse(source.textContent);
  const colours = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1"];
  const c = echarts.init(el);
  c.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 48 },
    xAxis: { type: "category", data: data.days },
    yAxis: { type: "value", minInterval: 1 },
    dataZoom: data.days.length > 45 ? [{ type: "slider", height: 16, bottom: 8 }] : [],
    series: data.series.map(function (s, i) {
      return { name: s.name, type: "bar", data: s.data, itemStyle: { color: colours[i % colours.length] } };
    }),
  });
  c.on("click", function (p) { const s = data.series[p.seriesIndex]; if (s && s.url) window.location.href = s.url; });
  el.style.cursor = "pointer";
  window.addEventListener("resize", function () { c.resize(); });
});
