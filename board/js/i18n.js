// Chinese and English: every on-screen string by key; numbers, money and dates through Intl in
// the chosen locale. A key missing from the current language is recorded (window.missingKeys)
// and shown as the key itself, so a test finds it.
import { MESSAGES } from "./messages.js";

const LOCALES = { en: "en-GB", zh: "zh-CN" };
let locale = "en";
window.missingKeys = [];

export function getLocale() { return locale; }

export function setLocale(value) {
  locale = value;
  document.documentElement.lang = value === "zh" ? "zh-CN" : "en";
}

export function t(key, params = {}) {
  let text = MESSAGES[locale][key];
  if (text === undefined) {
    window.missingKeys.push(`${locale}:${key}`);
    return key;
  }
  for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, value);
  return text;
}

export function applyTranslations(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.title = t("app.title");
}

const tag = () => LOCALES[locale];

export function formatNumber(value, digits = 1) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(tag(), { maximumFractionDigits: digits }).format(value);
}

export function formatMoney(cents) {
  if (cents === null || cents === undefined) return "–";
  return new Intl.NumberFormat(tag(), { style: "currency", currency: "CNY" }).format(cents / 100);
}

export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return "–";
  return new Intl.NumberFormat(tag(), { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

export function formatDate(iso) {
  return new Intl.DateTimeFormat(tag(), { dateStyle: "medium" }).format(new Date(iso));
}

export function formatDateTime(iso) {
  return new Intl.DateTimeFormat(tag(), { dateStyle: "short", timeStyle: "short" }).format(new Date(iso));
}

export function formatMonth(iso) {
  return new Intl.DateTimeFormat(tag(), { year: "numeric", month: "short" }).format(new Date(`${iso}T00:00:00`));
}

export function formatDuration(ms) {
  const sign = ms < 0 ? "-" : "";
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${sign}${t("time.hm", { h: formatNumber(h, 0), m: String(m).padStart(2, "0") })}`;
}

export function weekdayName(isoWeekday) {
  // 2024-01-01 was a Monday.
  const date = new Date(2024, 0, isoWeekday);
  return new Intl.DateTimeFormat(tag(), { weekday: "short" }).format(date);
}
