// The list behind the map: regions (chain view) or stores (region view) with their open alerts.
import { h, table } from "../dom.js";
import { formatNumber, t } from "../i18n.js";

function badge(n) {
  const cls = n === 0 ? "badge" : n < 5 ? "badge warn" : "badge bad";
  return h("span", { class: cls }, formatNumber(n, 0));
}

export const storesPanel = {
  id: "stores",
  titleKey: "panel.stores",
  levels: ["chain", "region"],
  async render(el, ctx) {
    if (ctx.view.level === "chain") {
      const rows = ctx.regions.map((region) => {
        const stores = ctx.stores.filter((r) => r.store.region.code === region.code);
        const alerts = stores.reduce((sum, r) => sum + r.openAlerts, 0);
        return h("tr", { dataset: { region: region.code } },
          h("td", {}, h("a", { class: "drill", onclick: () => ctx.navigate({ level: "region", regionCode: region.code }) }, `${region.code} ${region.name}`)),
          h("td", { class: "num" }, formatNumber(stores.length, 0)),
          h("td", { class: "num" }, badge(alerts)));
      });
      el.append(table([["stores.region"], ["stores.count", true], ["stores.alerts", true]], rows, t));
      return;
    }
    const rows = [...ctx.stores].sort((a, b) => b.openAlerts - a.openAlerts || a.store.code.localeCompare(b.store.code))
      .map((row) => h("tr", { dataset: { store: row.store.code } },
        h("td", {}, h("a", { class: "drill", onclick: () => ctx.navigate({ level: "store", regionCode: row.store.region.code, storeCode: row.store.code }) }, `${row.store.code} ${row.store.name}`)),
        h("td", {}, t(`storeType.${row.store.type}`)),
        h("td", {}, row.store.city),
        h("td", { class: "num" }, formatNumber(row.lowStock, 0)),
        h("td", { class: "num" }, badge(row.openAlerts))));
    el.append(table([["stores.store"], ["stores.type"], ["stores.city"], ["stores.lowStock", true], ["stores.alerts", true]], rows, t));
  },
};
