// A store's open stock alerts with their days of cover (coverWarnings, the forecast job's) and
// the nearest stores' transfer suggestions; one click asks the suggested store to send its
// quantity (one idempotency key per click). Cover warnings of SKUs without an alert follow.
import { GqlError, idempotencyKey as key, run } from "../gql.js";
import { h, table } from "../dom.js";
import { formatDateTime, formatNumber, t } from "../i18n.js";

export const alertsPanel = {
  id: "alerts",
  titleKey: "panel.alerts",
  levels: ["store"],
  wide: true,
  async render(el, ctx) {
    const storeCode = ctx.view.storeCode;
    const [{ stockAlerts }, { coverWarnings }] = await Promise.all([
      run("BoardStockAlerts", { storeCode }), run("BoardCoverWarnings", { storeCode })]);
    const alerts = stockAlerts.edges.map((e) => e.node);
    const cover = new Map(coverWarnings.edges.map((e) => [e.node.product.sku, e.node]));
    if (!alerts.length) el.append(h("p", {}, t("alerts.none")));
    else el.append(alertTable(alerts, cover, storeCode));
    // Warnings of SKUs without an open alert: cover runs out before a delivery could arrive.
    const alone = [...cover.values()].filter((w) => !alerts.some((a) => a.product.sku === w.product.sku));
    if (alone.length) {
      el.append(h("h3", { class: "cover-heading" }, t("cover.heading")), table([["alerts.product"], ["alerts.onHand", true],
        ["cover.inTransit", true], ["cover.daily", true], ["cover.days", true], ["cover.needed", true], ["cover.suggested", true]],
      alone.map((w) => h("tr", { dataset: { cover: w.product.sku, days: String(w.daysOfCover) } },
        h("td", {}, `${w.product.sku} ${w.product.name}`),
        h("td", { class: "num" }, formatNumber(w.onHand, 0)),
        h("td", { class: "num" }, formatNumber(w.inTransit, 0)),
        h("td", { class: "num" }, formatNumber(w.dailyDemand, 1)),
        coverCell(w),
        h("td", { class: "num" }, formatNumber(w.neededDays, 0)),
        h("td", { class: "num" }, formatNumber(w.suggestedQuantity, 0)))), t));
    }
  },
};

function coverCell(w) {
  if (!w) return h("td", { class: "num cover" }, "–");
  const title = t("cover.title", { days: formatNumber(w.daysOfCover, 1), needed: formatNumber(w.neededDays, 0), daily: formatNumber(w.dailyDemand, 1) });
  return h("td", { class: `num cover ${w.daysOfCover < w.neededDays ? "short" : ""}`, title, dataset: { days: String(w.daysOfCover), needed: String(w.neededDays) } },
    t("cover.value", { days: formatNumber(w.daysOfCover, 1), needed: formatNumber(w.neededDays, 0) }));
}

function alertTable(alerts, cover, storeCode) {
  const rows = alerts.map((a) => h("tr", { dataset: { alert: a.id, sku: a.product.sku } },
    h("td", {}, t(`alertKind.${a.kind}`)),
    h("td", {}, `${a.product.sku} ${a.product.name}`),
    h("td", { class: "num" }, formatNumber(a.onHand, 0)),
    h("td", { class: "num" }, formatNumber(a.safetyStock, 0)),
    h("td", { class: "num" }, formatNumber(a.shortfall, 0)),
    h("td", {}, formatDateTime(a.raisedAt)),
    coverCell(cover.get(a.product.sku)),
    h("td", {}, a.transferSuggestions.length ? a.transferSuggestions.map((s) => suggestion(a, s, storeCode)) : t("alerts.noSuggestion"))));
  return table([["alerts.kind"], ["alerts.product"], ["alerts.onHand", true], ["alerts.safety", true],
    ["alerts.shortfall", true], ["alerts.raised"], ["cover.days", true], ["alerts.suggestions"]], rows, t);
}

function suggestion(alert, s, storeCode) {
  const status = h("span", { class: "live" });
  const button = h("button", {
    type: "button", class: "link", dataset: { from: s.fromStore.code, quantity: String(s.quantity) },
    onclick: async () => {
      button.disabled = true;
      try {
        const data = await run("BoardRequestTransfer", { input: {
          fromStoreCode: s.fromStore.code, toStoreCode: storeCode,
          lines: [{ sku: alert.product.sku, quantity: s.quantity }], idempotencyKey: key(),
        } });
        status.dataset.transfer = data.requestTransfer.transfer.id;
        status.textContent = ` ${t("alerts.requested")}`;
      } catch (error) {
        button.disabled = false;
        status.textContent = ` ${t(`error.${error instanceof GqlError ? error.code : "INTERNAL"}`)}`;
      }
    },
  }, t("alerts.request", { n: formatNumber(s.quantity, 0), store: s.fromStore.code, km: formatNumber(s.distanceKm, 1) }));
  return h("div", {}, button, status);
}
