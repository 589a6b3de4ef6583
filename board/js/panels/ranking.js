// Staff rankings: the clerks' month by takings, with enrolment conversion and receipts/hour.
import { run } from "../gql.js";
import { h, table } from "../dom.js";
import { formatMoney, formatMonth, formatNumber, formatPercent, t } from "../i18n.js";

export const rankingPanel = {
  id: "ranking",
  titleKey: "panel.ranking",
  levels: ["chain", "region", "store"],
  async render(el, ctx) {
    const scope = ctx.view.level === "store" ? { storeCode: ctx.view.storeCode }
      : ctx.view.level === "region" ? { regionCode: ctx.view.regionCode } : {};
    const { staffRanking } = await run("StaffRanking", { month: ctx.period.month, first: 10, ...scope });
    const rows = staffRanking.edges.map((e, i) => h("tr", { dataset: { staff: e.node.staff.username, store: e.node.store.code } },
      h("td", { class: "num" }, formatNumber(i + 1, 0)),
      h("td", {}, e.node.staff.displayName),
      h("td", {}, e.node.store.code),
      h("td", { class: "num" }, formatMoney(e.node.revenueCents)),
      h("td", { class: "num" }, formatNumber(e.node.receipts, 0)),
      h("td", { class: "num" }, formatPercent(e.node.enrolmentRate)),
      h("td", { class: "num" }, formatNumber(e.node.receiptsPerHour, 1))));
    el.append(h("p", { class: "live" }, formatMonth(ctx.period.month)));
    el.append(rows.length ? table([["ranking.rank", true], ["ranking.staff"], ["ranking.store"], ["ranking.revenue", true],
      ["ranking.receipts", true], ["ranking.enrolment", true], ["ranking.perHour", true]], rows, t) : h("p", {}, t("ranking.none")));
  },
};
