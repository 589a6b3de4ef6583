// A store's open stock alerts with the nearest stores' transfer suggestions; one click asks
// the suggested store to send its quantity (one idempotency key per click).
import { GqlError, run } from "../gql.js";
import { h, table } from "../dom.js";
import { formatDateTime, formatNumber, t } from "../i18n.js";

function key() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const alertsPanel = {
  id: "alerts",
  titleKey: "panel.alerts",
  levels: ["store"],
  wide: true,
  async render(el, ctx) {
    const storeCode = ctx.view.storeCode;
    const { stockAlerts } = await run("BoardStockAlerts", { storeCode });
    const alerts = stockAlerts.edges.map((e) => e.node);
    if (!alerts.length) {
      el.append(h("p", {}, t("alerts.none")));
      return;
    }
    const rows = alerts.map((a) => h("tr", { dataset: { alert: a.id, sku: a.product.sku } },
      h("td", {}, t(`alertKind.${a.kind}`)),
      h("td", {}, `${a.product.sku} ${a.product.name}`),
      h("td", { class: "num" }, formatNumber(a.onHand, 0)),
      h("td", { class: "num" }, formatNumber(a.safetyStock, 0)),
      h("td", { class: "num" }, formatNumber(a.shortfall, 0)),
      h("td", {}, formatDateTime(a.raisedAt)),
      h("td", {}, a.transferSuggestions.length ? a.transferSuggestions.map((s) => suggestion(a, s, storeCode)) : t("alerts.noSuggestion"))));
    el.append(table([["alerts.kind"], ["alerts.product"], ["alerts.onHand", true], ["alerts.safety", true],
      ["alerts.shortfall", true], ["alerts.raised"], ["alerts.suggestions"]], rows, t));
  },
};

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
