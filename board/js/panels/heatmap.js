// A store's traffic by store-local hour x weekday over the period (receipts per day).
import { run } from "../gql.js";
import { chart, h } from "../dom.js";
import { formatNumber, t, weekdayName } from "../i18n.js";

export const heatmapPanel = {
  id: "heatmap",
  titleKey: "panel.heatmap",
  levels: ["store"],
  async render(el, ctx) {
    const { trafficHeatmap } = await run("TrafficHeatmap", { storeCode: ctx.view.storeCode, from: ctx.period.from, to: ctx.period.to });
    const box = h("div", { class: "chart" });
    el.append(box);
    const max = Math.max(1, ...trafficHeatmap.map((c) => c.receiptsPerDay));
    box.dataset.cells = String(trafficHeatmap.length);
    ctx.onCleanup(chart(box, {
      animation: false,
      tooltip: { formatter: (p) => `${weekdayName(p.data[1] + 1)} ${p.data[0]}:00 — ${t("heatmap.perDay", { n: formatNumber(p.data[2], 1) })}` },
      grid: { left: 50, right: 20, top: 10, bottom: 70 },
      xAxis: { type: "category", data: [...Array(24).keys()].map(String), name: t("heatmap.hour") },
      yAxis: { type: "category", data: [1, 2, 3, 4, 5, 6, 7].map(weekdayName) },
      visualMap: { min: 0, max, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
      series: [{ type: "heatmap", data: trafficHeatmap.map((c) => [c.hour, c.weekday - 1, c.receiptsPerDay]) }],
    }));
  },
};
