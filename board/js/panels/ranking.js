// Staff rankings: the clerks' month by takings, with enrolment conversion and receipts/hour;
// beside them the open training alerts (a clerk at the bottom of their store type three months
// running), which HQ raises for the month from here (reviewTraining) and a manager marks done
// once the clerk is coached (completeTrainingTask).
import { GqlError, idempotencyKey, run } from "../gql.js";
import { h, table } from "../dom.js";
import { formatMoney, formatMonth, formatNumber, formatPercent, t } from "../i18n.js";

const REVIEWERS = new Set(["HQ_OPERATIONS", "ADMIN"]);

export const rankingPanel = {
  id: "ranking",
  titleKey: "panel.ranking",
  levels: ["chain", "region", "store"],
  wide: true,
  async render(el, ctx) {
    const scope = ctx.view.level === "store" ? { storeCode: ctx.view.storeCode }
      : ctx.view.level === "region" ? { regionCode: ctx.view.regionCode } : {};
    const { staffRanking, trainingTasks } = await run("BoardStaff", { month: ctx.period.month, first: 10, ...scope });
    const rows = staffRanking.edges.map((e, i) => h("tr", { dataset: { staff: e.node.staff.username, store: e.node.store.code } },
      h("td", { class: "num" }, formatNumber(i + 1, 0)),
      h("td", {}, e.node.staff.displayName),
      h("td", {}, e.node.store.code),
      h("td", { class: "num" }, formatMoney(e.node.revenueCents)),
      h("td", { class: "num" }, formatNumber(e.node.receipts, 0)),
      h("td", { class: "num" }, formatPercent(e.node.enrolmentRate)),
      h("td", { class: "num" }, formatNumber(e.node.receiptsPerHour, 1))));
    const ranking = h("div", { class: "ranking" },
      h("p", { class: "live" }, formatMonth(ctx.period.month)),
      rows.length ? table([["ranking.rank", true], ["ranking.staff"], ["ranking.store"], ["ranking.revenue", true],
        ["ranking.receipts", true], ["ranking.enrolment", true], ["ranking.perHour", true]], rows, t) : h("p", {}, t("ranking.none")));
    const training = h("div", { class: "training", id: "training-alerts" });
    fillTraining(training, ctx, trainingTasks.edges.map((e) => e.node));
    el.append(h("div", { class: "side-by-side" }, ranking, training));
  },
};

function fillTraining(el, ctx, tasks) {
  const codes = new Set(ctx.view.level === "store" ? [ctx.view.storeCode] : ctx.stores.map((r) => r.store.code));
  const shown = tasks.filter((task) => codes.has(task.store.code));
  const canComplete = (ctx.me?.permissions ?? []).includes("MANAGE_STAFF");
  const rows = shown.map((task) => h("tr", { dataset: { task: task.id, store: task.store.code } },
    h("td", {}, task.clerk ? task.clerk.displayName : "–"),
    h("td", {}, task.store.code),
    h("td", {}, formatMonth(task.month)),
    h("td", { class: "reason", title: task.reason }, t("training.reason")),
    ...(canComplete ? [h("td", {}, doneButton(task))] : [])));
  const columns = [["training.clerk"], ["training.store"], ["training.month"], ["training.why"]];
  if (canComplete) columns.push(["training.action"]);
  el.replaceChildren(h("h3", {}, t("training.heading")),
    rows.length ? table(columns, rows, t)
      : h("p", {}, t("training.none")));
  if (REVIEWERS.has(ctx.me?.role)) el.append(reviewButton(el, ctx));
}

function reviewButton(el, ctx) {
  const status = h("span", { class: "live" });
  const button = h("button", { type: "button", class: "link", dataset: { review: ctx.period.month }, onclick: async () => {
    button.disabled = true;
    try {
      const data = await run("ReviewTraining", { month: ctx.period.month });
      const raised = data.reviewTraining.trainingTasks.length;
      const { trainingTasks } = await run("BoardStaff", { month: ctx.period.month, first: 0,
        ...(ctx.view.level === "store" ? { storeCode: ctx.view.storeCode } : {}) });
      fillTraining(el, ctx, trainingTasks.edges.map((e) => e.node));
      el.querySelector("[data-review]")?.after(h("span", { class: "live", dataset: { raised: String(raised) } }, ` ${t("training.raised", { n: formatNumber(raised, 0) })}`));
    } catch (error) {
      button.disabled = false;
      status.textContent = ` ${t(`error.${error instanceof GqlError ? error.code : "INTERNAL"}`)}`;
    }
  } }, t("training.review", { month: formatMonth(ctx.period.month) }));
  return h("p", {}, button, status);
}

// Marks the task done (one idempotency key per click, kept for its retries) and drops its row.
function doneButton(task) {
  const key = idempotencyKey();
  const button = h("button", { type: "button", class: "link", dataset: { complete: task.id }, onclick: async () => {
    button.disabled = true;
    try {
      await run("CompleteTrainingTask", { input: { taskId: task.id, idempotencyKey: key } });
      button.closest("tr")?.remove();
    } catch (error) {
      button.disabled = false;
      button.title = t(`error.${error instanceof GqlError ? error.code : "INTERNAL"}`);
    }
  } }, t("training.done"));
  return button;
}
