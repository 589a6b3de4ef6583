// The board: sign-in, the chain -> region -> store drill-down, and the panels of each view.
// A panel is a module in ./panels/ listed in ./panels/index.js; it renders itself into the
// element it is given from the view's context (see panels/README.md).
import { GqlError, loadOperations, run, setToken } from "./gql.js";
import { applyTranslations, getLocale, setLocale, t } from "./i18n.js";
import { LiveSocket } from "./ws.js";
import { PANELS } from "./panels/index.js";

const BOARD_ROLES = new Set(["ADMIN", "HQ_OPERATIONS", "HQ_COMPLIANCE", "REGION_MANAGER", "STORE_MANAGER"]);

const state = {
  me: null,
  stores: [], // the scoped store list with open alert counts (BoardStores)
  view: null, // { level: "chain" | "region" | "store", regionCode, storeCode }
  months: 3,
  live: null,
  cleanups: [],
};

const $ = (selector) => document.querySelector(selector);

function isoDate(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function period(months = state.months) {
  const today = new Date();
  const from = new Date(today.getFullYear(), today.getMonth() - (months - 1), 1);
  return { from: isoDate(from), to: isoDate(today), month: isoDate(new Date(today.getFullYear(), today.getMonth(), 1)) };
}

function homeView(me) {
  if (me.role === "STORE_MANAGER" && me.store) return { level: "store", regionCode: me.store.region.code, storeCode: me.store.code };
  if (me.role === "REGION_MANAGER" && me.region) return { level: "region", regionCode: me.region.code };
  return { level: "chain" };
}

function regionsInScope() {
  const regions = new Map();
  for (const row of state.stores) regions.set(row.store.region.code, row.store.region);
  return [...regions.values()].sort((a, b) => a.code.localeCompare(b.code));
}

export function navigate(view) {
  state.view = view;
  render();
}

function crumbs() {
  const nav = $("#crumbs");
  nav.replaceChildren();
  const home = homeView(state.me);
  const trail = [];
  if (home.level === "chain") trail.push({ label: t("view.chain"), view: { level: "chain" } });
  const v = state.view;
  if (v.regionCode && home.level !== "store") {
    const region = regionsInScope().find((r) => r.code === v.regionCode);
    trail.push({ label: region ? region.name : v.regionCode, view: { level: "region", regionCode: v.regionCode } });
  }
  if (v.storeCode) {
    const row = state.stores.find((r) => r.store.code === v.storeCode);
    trail.push({ label: row ? `${row.store.code} ${row.store.name}` : v.storeCode, view: { ...v } });
  }
  trail.forEach((step, i) => {
    if (i) nav.append(" › ");
    const a = document.createElement("a");
    a.textContent = step.label;
    a.dataset.level = step.view.level;
    a.addEventListener("click", () => navigate(step.view));
    nav.append(a);
  });
}

function render() {
  for (const cleanup of state.cleanups.splice(0)) cleanup();
  crumbs();
  const view = $("#view");
  view.replaceChildren();
  view.dataset.level = state.view.level;
  const grid = document.createElement("div");
  grid.className = "grid";
  view.append(grid);
  const ctx = {
    view: state.view,
    me: state.me,
    period: period(),
    stores: state.view.regionCode
      ? state.stores.filter((r) => r.store.region.code === state.view.regionCode)
      : state.stores,
    regions: regionsInScope(),
    live: state.live,
    navigate,
    onCleanup: (fn) => state.cleanups.push(fn),
    refreshStores,
  };
  for (const panel of PANELS) {
    if (!panel.levels.includes(state.view.level)) continue;
    const section = document.createElement("section");
    section.className = `card panel ${panel.wide ? "wide" : ""}`;
    section.id = `panel-${panel.id}`;
    const h = document.createElement("h2");
    h.dataset.i18n = panel.titleKey;
    h.textContent = t(panel.titleKey);
    section.append(h);
    const body = document.createElement("div");
    section.append(body);
    grid.append(section);
    panel.render(body, ctx).catch((error) => showError(body, error));
  }
}

function showError(el, error) {
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = error instanceof GqlError ? t(`error.${error.code}`) : t("error.INTERNAL");
  el.append(p);
  console.error(error);
}

async function refreshStores() {
  const data = await run("BoardStores", {});
  state.stores = data.openStockAlertCounts;
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const err = $("#signin-error");
  err.textContent = "";
  try {
    const data = await run("BoardSignIn", { username: form.username.value, password: form.password.value });
    setToken(data.login.token);
    form.password.value = "";
    const { me } = await run("BoardMe");
    if (!BOARD_ROLES.has(me.role)) {
      await run("BoardSignOut").catch(() => {});
      setToken(null);
      err.dataset.i18n = "signin.refused";
      err.textContent = t("signin.refused");
      return;
    }
    state.me = me;
    await refreshStores();
    state.live = new LiveSocket((status) => document.body.dataset.live = status);
    form.hidden = true;
    $("#view").hidden = false;
    $("#signout").hidden = false;
    $("#who").textContent = `${me.displayName} · ${t(`role.${me.role}`)}`;
    navigate(homeView(me));
  } catch (error) {
    setToken(null);
    const key = error instanceof GqlError && error.code === "UNAUTHENTICATED" ? "signin.wrong" : `error.${error.code ?? "INTERNAL"}`;
    err.dataset.i18n = key;
    err.textContent = t(key);
  }
}

async function signOut() {
  await run("BoardSignOut").catch(() => {});
  setToken(null);
  state.live?.close();
  location.reload();
}

function switchLanguage() {
  setLocale(getLocale() === "en" ? "zh" : "en");
  applyTranslations(document);
  if (state.me) {
    $("#who").textContent = `${state.me.displayName} · ${t(`role.${state.me.role}`)}`;
    render();
  }
}

async function start() {
  await loadOperations();
  applyTranslations(document);
  $("#signin").addEventListener("submit", signIn);
  $("#signout").addEventListener("click", signOut);
  $("#lang").addEventListener("click", switchLanguage);
  $("#period").addEventListener("change", (e) => { state.months = Number(e.target.value); if (state.me) render(); });
  document.body.dataset.ready = "1";
}

start();
