// Small DOM helpers shared by the panels (text only: nothing from the API is parsed as HTML).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) el.append(child);
  return el;
}

export function table(headKeys, rows, t) {
  return h("table", {},
    h("thead", {}, h("tr", {}, headKeys.map(([key, num]) => h("th", { class: num ? "num" : "", "data-i18n": key }, t(key))))),
    h("tbody", {}, rows));
}

export function chart(el, option) {
  const instance = window.echarts.init(el, null, { renderer: "canvas" });
  instance.setOption(option);
  const resize = () => instance.resize();
  window.addEventListener("resize", resize);
  return () => { window.removeEventListener("resize", resize); instance.dispose(); };
}
