// Stores plotted by their coordinates, coloured by open stock alerts; a click opens the store.
import { chart, h } from "../dom.js";
import { formatNumber, t } from "../i18n.js";

export function alertColour(count) {
  if (count === 0) return "#2e7d32";
  if (count < 5) return "#ef8f00";
  return "#c62828";
}

export const mapPanel = {
  id: "map",
  titleKey: "panel.map",
  levels: ["chain", "region"],
  async render(el, ctx) {
    const box = h("div", { class: "chart", "aria-label": t("panel.map") });
    const legend = h("p", { class: "live" },
      h("span", { class: "badge" }, "0"), ` ${t("map.none")}  `,
      h("span", { class: "badge warn" }, "1–4"), ` ${t("map.some")}  `,
      h("span", { class: "badge bad" }, "5+"), ` ${t("map.many")}`);
    el.append(box, legend);
    const data = ctx.stores.map((row) => ({
      name: `${row.store.code} ${row.store.name}`,
      value: [row.store.longitude, row.store.latitude, row.openAlerts],
      code: row.store.code,
      region: row.store.region.code,
      itemStyle: { color: alertColour(row.openAlerts) },
    }));
    ctx.onCleanup(chart(box, {
      animation: false,
      tooltip: {
        formatter: (p) => `${p.data.name}: ${t("map.alerts", { n: formatNumber(p.data.value[2], 0) })}`,
      },
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "value", scale: true, name: t("map.longitude") },
      yAxis: { type: "value", scale: true, name: t("map.latitude") },
      series: [{ type: "scatter", symbolSize: (v) => 10 + Math.min(v[2], 10) * 1.5, data }],
    }));
    const instance = window.echarts.getInstanceByDom(box);
    instance.on("click", (p) => ctx.navigate({ level: "store", regionCode: p.data.region, storeCode: p.data.code }));
    box.dataset.stores = data.map((d) => d.code).join(",");
  },
};
