// Promotion redemption by store: pick a promotion; each store of the view with its rate against
// the chain's and its store type's (pooled), under-redeemed stores (PROMOTION_UNDER_REDEEMED)
// flagged; one click shows the store's proof of execution (poster photos, the briefing).
import { GqlError, photoUrl, run } from "../gql.js";
import { h, table } from "../dom.js";
import { formatDate, formatDateTime, formatMoney, formatNumber, formatPercent, t } from "../i18n.js";

function raw(value) {
  return value === null || value === undefined ? "" : String(value);
}

export const promotionsPanel = {
  id: "promotions",
  titleKey: "panel.promotions",
  levels: ["chain", "region", "store"],
  wide: true,
  async render(el, ctx) {
    const { promotions } = await run("BoardPromotions", {});
    const list = promotions.edges.map((e) => e.node);
    if (!list.length) {
      el.append(h("p", {}, t("promo.none")));
      return;
    }
    const body = h("div", { class: "promo-body" });
    const select = h("select", { name: "promotion", "aria-label": t("promo.pick") },
      list.map((p) => h("option", { value: p.id },
        `${p.name} · ${t(`promoStatus.${p.status}`)} · ${formatDate(p.window.startDate)} – ${formatDate(p.window.endDate)}`)));
    select.addEventListener("change", () => show(body, ctx, select.value));
    el.append(h("label", { class: "picker" }, h("span", {}, t("promo.pick")), " ", select), body);
    await show(body, ctx, list[0].id);
  },
};

function inView(ctx) {
  if (ctx.view.level === "store") return new Set([ctx.view.storeCode]);
  return new Set(ctx.stores.map((r) => r.store.code));
}

async function show(body, ctx, promotionId) {
  body.replaceChildren(h("p", { class: "live" }, t("promo.loading")));
  const { promotionRedemption: r } = await run("BoardPromotionRedemption", { promotionId });
  const codes = inView(ctx);
  const stores = r.stores.filter((s) => codes.has(s.storeCode));
  const summary = h("p", { class: "promo-chain", title: r.method, dataset: { rate: raw(r.rate), eligible: String(r.eligibleTransactions), redemptions: String(r.redemptions) } },
    t("promo.chain", { rate: formatPercent(r.rate), n: formatNumber(r.redemptions, 0), of: formatNumber(r.eligibleTransactions, 0), discount: formatMoney(r.discountCents) }),
    r.budgetCents === null ? "" : ` · ${t("promo.budget", { budget: formatMoney(r.budgetCents) })}`);
  const detail = h("div", { class: "detail evidence" });
  const evidence = { promotionId, rows: null };
  const rows = stores.map((s) => {
    const flagged = s.underRedeemedAt !== null;
    return h("tr", {
      class: flagged ? "outlier" : "",
      dataset: { store: s.storeCode, rate: raw(s.rate), chainRate: raw(s.chainRate), typeRate: raw(s.storeTypeRate), eligible: String(s.eligibleTransactions), redemptions: String(s.redemptions), under: flagged ? "1" : "0" },
    },
    h("td", {}, s.storeCode),
    h("td", {}, t(`storeType.${s.storeType}`)),
    h("td", { class: "num" }, formatNumber(s.eligibleTransactions, 0)),
    h("td", { class: "num" }, formatNumber(s.redemptions, 0)),
    h("td", { class: "num rate" }, formatPercent(s.rate)),
    h("td", { class: "num" }, formatPercent(s.chainRate)),
    h("td", { class: "num" }, formatPercent(s.storeTypeRate)),
    h("td", { class: "flag" }, flagged ? h("span", { class: "badge bad", title: r.method }, t("promo.under", { z: formatNumber(s.zScore, 2) })) : ""),
    h("td", {}, h("button", { type: "button", class: "link", dataset: { evidence: s.storeCode }, onclick: () => showEvidence(detail, evidence, s.storeCode) }, t("promo.evidence"))));
  });
  body.replaceChildren(summary,
    rows.length ? table([["promo.store"], ["promo.type"], ["promo.eligible", true], ["promo.redeemed", true], ["promo.rate", true],
      ["promo.chainRate", true], ["promo.typeRate", true], ["promo.flag"], ["promo.execution"]], rows, t) : h("p", {}, t("promo.noStores")),
    detail);
}

async function showEvidence(detail, evidence, storeCode) {
  detail.replaceChildren(h("p", { class: "live" }, t("promo.loading")));
  try {
    if (evidence.rows === null) {
      const data = await run("BoardPromotionExecution", { promotionId: evidence.promotionId });
      evidence.rows = data.promotionExecution;
    }
  } catch (error) {
    detail.replaceChildren(h("p", { class: "error" }, t(`error.${error instanceof GqlError ? error.code : "INTERNAL"}`)));
    return;
  }
  const e = evidence.rows.find((row) => row.storeCode === storeCode);
  const heading = h("h3", {}, t("promo.evidenceOf", { store: storeCode }));
  if (!e) {
    detail.replaceChildren(heading, h("p", { dataset: { evidenceStore: storeCode } }, t("promo.noEvidence")));
    return;
  }
  const photos = h("div", { class: "photos" });
  const facts = h("dl", { dataset: { evidenceStore: storeCode, status: e.status, photos: String(e.posterPhotos) } },
    h("dt", {}, t("promo.status")), h("dd", {}, t(`evidenceStatus.${e.status}`)),
    h("dt", {}, t("promo.due")), h("dd", {}, formatDateTime(e.dueAt)),
    h("dt", {}, t("promo.photos")), h("dd", {}, formatNumber(e.posterPhotos, 0)),
    h("dt", {}, t("promo.briefedBy")), h("dd", {}, e.briefedBy ?? "–"),
    h("dt", {}, t("promo.briefed")), h("dd", { class: "briefed" }, e.briefed.length ? e.briefed.join(", ") : "–"),
    h("dt", {}, t("promo.briefedAt")), h("dd", {}, e.briefedAt ? formatDateTime(e.briefedAt) : "–"));
  const large = h("img", { alt: t("promo.poster"), class: "poster", hidden: "" });
  detail.replaceChildren(heading, facts, photos, large);
  for (const photo of e.posters) {
    const img = h("img", { alt: t("promo.poster"), class: "thumb", dataset: { photo: photo.id } });
    const link = h("a", { href: "#", onclick: async (event) => {
      event.preventDefault();
      large.src = await photoUrl(photo.url);
      large.hidden = false;
    } }, img);
    photos.append(link);
    photoUrl(photo.thumbnailUrl).then((url) => { img.src = url; img.dataset.loaded = "1"; }).catch(() => { img.alt = t("promo.photoMissing"); });
  }
}
