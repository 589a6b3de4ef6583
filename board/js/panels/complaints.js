// The complaint board: open complaints with their SLA countdowns, kept current over the
// complaintEvents subscription (no reload), counting down every second.
import { run } from "../gql.js";
import { h, table } from "../dom.js";
import { formatDateTime, formatDuration, t } from "../i18n.js";

const DONE = new Set(["RESOLVED", "CLOSED"]);

function scopeFilter(view) {
  if (view.level === "store") return { storeCode: view.storeCode };
  if (view.level === "region") return { regionCode: view.regionCode };
  return {};
}

function due(c) {
  return c.firstRespondedAt ? { at: c.resolutionDueAt, what: "complaints.resolution" } : { at: c.firstResponseDueAt, what: "complaints.firstResponse" };
}

export const complaintsPanel = {
  id: "complaints",
  titleKey: "panel.complaints",
  levels: ["chain", "region", "store"],
  wide: true,
  async render(el, ctx) {
    const filter = scopeFilter(ctx.view);
    const { complaints } = await run("BoardComplaints", { filter, first: 100 });
    const byId = new Map();
    for (const edge of complaints.edges) if (!DONE.has(edge.node.status)) byId.set(edge.node.id, edge.node);
    const status = h("p", { class: "live" }, t("complaints.connecting"));
    const body = h("div");
    el.append(status, body);
    const draw = (flashId) => {
      const list = [...byId.values()].sort((a, b) => new Date(due(a).at) - new Date(due(b).at));
      if (!list.length) {
        body.replaceChildren(h("p", {}, t("complaints.none")));
        return;
      }
      body.replaceChildren(table([["complaints.store"], ["complaints.category"], ["complaints.status"],
        ["complaints.filed"], ["complaints.due"], ["complaints.left", true]],
      list.map((c) => {
        const d = due(c);
        return h("tr", { dataset: { complaint: c.id, store: c.store.code }, class: c.id === flashId ? "flash" : "" },
          h("td", {}, `${c.store.code} ${c.store.name}`),
          h("td", {}, t(`category.${c.category}`)),
          h("td", {}, t(`complaintStatus.${c.status}`)),
          h("td", {}, formatDateTime(c.filedAt)),
          h("td", {}, t(d.what)),
          h("td", { class: "num sla", dataset: { due: d.at } }));
      }), t));
      tick();
    };
    const tick = () => {
      const now = Date.now();
      for (const cell of body.querySelectorAll("td.sla")) {
        const left = new Date(cell.dataset.due) - now;
        cell.textContent = left < 0 ? t("complaints.overdue", { time: formatDuration(-left) }) : formatDuration(left);
        cell.classList.toggle("breached", left < 0);
        cell.classList.toggle("soon", left >= 0 && left < 3600000);
      }
    };
    draw(null);
    const timer = setInterval(tick, 1000);
    ctx.onCleanup(() => clearInterval(timer));
    const unsubscribe = ctx.live.subscribe("BoardComplaintEvents", { filter }, (data) => {
      const c = data.complaintEvents.complaint;
      if (DONE.has(c.status)) byId.delete(c.id);
      else byId.set(c.id, c);
      draw(c.id);
      status.textContent = t("complaints.updated", { time: formatDateTime(data.complaintEvents.occurredAt) });
    }, () => { status.textContent = t("complaints.liveError"); });
    ctx.onCleanup(unsubscribe);
    const showLive = () => { if (document.body.dataset.live === "live" && status.textContent === t("complaints.connecting")) status.textContent = t("complaints.live"); };
    const poll = setInterval(showLive, 250);
    ctx.onCleanup(() => clearInterval(poll));
  },
};
