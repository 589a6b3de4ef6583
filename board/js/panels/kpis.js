// KPI tiles: the period's latest month, its trend on the month before, the pre-go-live
// baseline and a sparkline; a tile opens the months behind its number.
import { run } from "../gql.js";
import { chart, h, table } from "../dom.js";
import { formatMoney, formatMonth, formatNumber, formatPercent, t } from "../i18n.js";

const FIGURES = [
  { key: "averageTicketCents", format: formatMoney, good: 1 },
  { key: "itemsPerBasket", format: (v) => formatNumber(v, 2), good: 1 },
  { key: "customersPerStaffHour", format: (v) => formatNumber(v, 2), good: 1 },
  { key: "memberRepurchaseRate", format: formatPercent, good: 1 },
  { key: "stockOuts", format: (v) => formatNumber(v, 0), good: -1 },
  { key: "complaintHandlingHours", format: (v) => formatNumber(v, 1), good: -1 },
];

function scopeArgs(view) {
  if (view.level === "store") return { storeCode: view.storeCode };
  if (view.level === "region") return { regionCode: view.regionCode };
  return {};
}

export const kpiPanel = {
  id: "kpis",
  titleKey: "panel.kpis",
  levels: ["chain", "region", "store"],
  wide: true,
  async render(el, ctx) {
    const { kpis } = await run("Kpis", { from: ctx.period.from, to: ctx.period.to, ...scopeArgs(ctx.view) });
    const months = kpis.months;
    const latest = months[months.length - 1];
    const detail = h("div", { class: "detail" });
    const tiles = h("div", { class: "tiles" });
    const receipts = h("div", { class: "tile", dataset: { kpi: "receipts", raw: String(latest?.receipts ?? "") } },
      h("div", { class: "label" }, t("kpi.receipts")),
      h("div", { class: "value" }, formatNumber(latest?.receipts ?? null, 0)),
      h("div", { class: "baseline" }, t("kpi.stores", { n: formatNumber(kpis.storeCount, 0) })));
    tiles.append(receipts);
    for (const figure of FIGURES) {
      const f = latest?.[figure.key] ?? { value: null, baseline: null, trend: null };
      const trendClass = f.trend === null ? "" : f.trend * figure.good >= 0 ? "up" : "down";
      const spark = h("div", { class: "spark" });
      const tile = h("div", {
        class: "tile", role: "button", tabindex: "0",
        dataset: { kpi: figure.key, raw: f.value === null ? "" : String(f.value) },
        onclick: () => showMonths(detail, figure, months),
      },
      h("div", { class: "label" }, t(`kpi.${figure.key}`)),
      h("div", { class: "value" }, figure.format(f.value)),
      h("div", { class: `trend ${trendClass}` }, f.trend === null ? t("kpi.noTrend")
        : `${f.trend >= 0 ? "▲" : "▼"} ${figure.format(Math.abs(f.trend))}`),
      h("div", { class: "baseline" }, `${t("kpi.baseline")}: ${figure.format(f.baseline)}`),
      spark);
      tiles.append(tile);
      requestAnimationFrame(() => ctx.onCleanup(chart(spark, {
        animation: false,
        grid: { left: 2, right: 2, top: 4, bottom: 4 },
        xAxis: { type: "category", show: false, data: months.map((m) => m.month) },
        yAxis: { type: "value", show: false, scale: true },
        series: [{ type: "line", symbol: "none", data: months.map((m) => m[figure.key].value),
          markLine: f.baseline === null ? undefined : { symbol: "none", silent: true, label: { show: false }, data: [{ yAxis: f.baseline }] } }],
      })));
    }
    el.append(h("p", { class: "live" }, t("kpi.month", { month: latest ? formatMonth(latest.month) : "–" })), tiles, detail);
  },
};

function showMonths(detail, figure, months) {
  detail.replaceChildren(
    h("h3", {}, t(`kpi.${figure.key}`)),
    table([["kpi.monthCol"], ["kpi.value", true], ["kpi.baseline", true], ["kpi.trend", true]],
      months.map((m) => h("tr", {},
        h("td", {}, formatMonth(m.month)),
        h("td", { class: "num" }, figure.format(m[figure.key].value)),
        h("td", { class: "num" }, figure.format(m[figure.key].baseline)),
        h("td", { class: "num" }, m[figure.key].trend === null ? "–" : figure.format(m[figure.key].trend)))), t));
}
