// The sandbox page's script: small on purpose. The server renders Block Kit to HTML; this file
// collects form state, sends what a Slack client sends (commands, clicks, submits), and refreshes
// when the emulator's version changes (long poll on /_emu/wait).
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const S = { user: null, pane: null, version: -1, modalKey: null, modalId: null, seen: {}, dismissed: new Set(),
            people: "", paneHtml: null, paneKey: null, stickUntil: 0 };
let refreshing = null;
let again = false;

function h(tag, props = {}, data = {}, ...kids) {
  const el = Object.assign(document.createElement(tag), props);
  Object.assign(el.dataset, data);
  el.append(...kids);
  return el;
}

function readHash() {
  const [user, pane] = decodeURIComponent(location.hash.slice(1)).split("/");
  S.user = user || null;
  S.pane = pane || null;
}

function toast(text, ms = 5000) {
  const el = $("#toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, ms);
}

async function post(path, body) {
  let data = {};
  try {
    const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                  body: JSON.stringify(body) });
    data = await r.json().catch(() => ({}));
    if (!r.ok && data.error) toast("⚠ " + data.error);
    else if (data.ok === false && data.status !== undefined && data.status !== 200) {
      toast("⚠ The app did not answer as Slack expects: " + (data.outcome || data.error || data.status));
    }
  } catch (e) {
    toast("⚠ The sandbox is not reachable (" + e + ")");
  }
  refresh();
  return data;
}

async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      const q = new URLSearchParams({ user: S.user || "", pane: S.pane || "" });
      const r = await fetch("/_emu/state?" + q);
      render(await r.json());
    } while (again);
  })();
  try { await refreshing; } catch (e) { /* next poll retries */ } finally { refreshing = null; }
}

async function poll() {
  for (;;) {
    try {
      const r = await fetch(`/_emu/wait?since=${S.version}&timeout=20`);
      const { version } = await r.json();
      if (version !== S.version) await refresh();
    } catch (e) {
      await new Promise((done) => setTimeout(done, 1000));
    }
  }
}

// --- rendering -----------------------------------------------------------------------------------
function item(label, pane, active, unread, icon) {
  const mark = h("span", { className: icon === "#" ? "hash" : "app-dot", textContent: icon });
  const className = (active ? "active " : "") + (unread ? "unread" : "");
  return h("li", {}, {}, h("button", { type: "button", className }, { pane }, mark, label));
}

function unread(id, count, active) {
  const key = S.user + ":" + id;
  if (S.seen[key] === undefined || active) S.seen[key] = count;
  return count > S.seen[key];
}

function render(st) {
  if (!st.me) return;
  S.version = st.version;
  S.user = st.me;
  const pane = st.pane;
  S.pane = pane.kind === "channel" ? pane.id : pane.kind;
  history.replaceState(null, "", `#${S.user}/${S.pane}`);
  document.title = `${pane.kind === "channel" ? "#" + pane.title : pane.title} – ${st.team.name} – Slack sandbox`;
  $("#team").textContent = st.team.name;
  $("#search-team").textContent = st.team.name;
  const people = JSON.stringify(st.people);
  if (people !== S.people) {
    S.people = people;
    $("#who").replaceChildren(...st.people.map((p) => new Option(p.title ? `${p.name} — ${p.title}` : p.name, p.id)));
  }
  $("#who").value = st.me;
  $("#channels").replaceChildren(...st.channels.map((c) =>
    item(c.name, c.id, S.pane === c.id, unread(c.id, c.count, S.pane === c.id), "#")));
  const appActive = pane.kind === "home" || pane.kind === "dm";
  $("#apps").replaceChildren(item(st.app.name, "home", appActive,
    st.app.dm && unread(st.app.dm, st.app.count, pane.kind === "dm"), "K"));
  $("#controls").replaceChildren(...st.controls.map((c) =>
    h("button", { type: "button", textContent: c.label }, { control: c.id })));
  renderPane(st);
  renderModal(st.modal);
}

function renderPane(st) {
  const pane = st.pane;
  $("#pane-title").textContent = pane.kind === "channel" ? "# " + pane.title : pane.title;
  $("#pane-topic").textContent = pane.topic || "";
  const tabs = $("#tabs");
  tabs.replaceChildren();
  if (pane.kind === "home" || pane.kind === "dm") {
    for (const [label, target] of [["Home", "home"], ["Messages", "dm"]]) {
      const className = pane.kind === target ? "active" : "";
      tabs.append(h("button", { type: "button", className, textContent: label }, { pane: target }));
    }
  }
  $("#composer-wrap").hidden = pane.kind === "home";
  $("#compose").placeholder = pane.kind === "channel" ? `Message #${pane.title}` : `Message ${pane.title}`;
  const el = $("#pane");
  const key = S.user + "/" + pane.kind + "/" + pane.id;
  if (pane.html === S.paneHtml && key === S.paneKey) return;
  const samePane = key === S.paneKey;
  const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 120;
  const top = el.scrollTop;
  el.innerHTML = pane.html;
  S.paneHtml = pane.html;
  S.paneKey = key;
  for (const msg of $$(".msg[data-ts]", el)) if (S.dismissed.has(msg.dataset.ts)) msg.remove();
  if (pane.kind === "home") el.scrollTop = samePane ? top : 0;
  else if (!samePane || nearBottom || Date.now() < S.stickUntil) el.scrollTop = el.scrollHeight;
}

function renderModal(modal) {
  const overlay = $("#overlay");
  if (!modal) {
    overlay.hidden = true;
    $("#modal-slot").replaceChildren();
    S.modalKey = S.modalId = null;
    return;
  }
  if (modal.key === S.modalKey) return;
  const old = $("#modal-slot form");
  const typed = old && modal.id === S.modalId ? collect(old) : null;
  $("#modal-slot").innerHTML = modal.html;
  if (typed) restore($("#modal-slot form"), typed);
  const firstOpen = modal.id !== S.modalId;
  S.modalKey = modal.key;
  S.modalId = modal.id;
  overlay.hidden = false;
  const error = $("#modal-slot .bk-has-error :is(input, select, textarea)");
  const first = $("#modal-slot .bk-input :is(input, select, textarea)");
  if (error) error.focus();
  else if (firstOpen && first) first.focus();
}

// --- form state ----------------------------------------------------------------------------------
function valueOf(el) {
  const type = el.dataset.type;
  if (type === "external_select") return el.dataset.selected ? JSON.parse(el.dataset.selected) : null;
  if (type.startsWith("multi_")) return $$(".bk-chip", el).map((c) => c.dataset.value);
  if (type === "checkboxes") return $$("input:checked", el).map((i) => i.value);
  if (type === "radio_buttons") { const c = $("input:checked", el); return c ? c.value : null; }
  if (type === "datetimepicker") return el.value ? Math.floor(new Date(el.value).getTime() / 1000) : null;
  return el.value === "" ? null : el.value;
}

function collect(form) {
  const values = {};
  for (const el of $$(".bk-input [data-action-id]", form)) {
    (values[el.dataset.blockId] ||= {})[el.dataset.actionId] = valueOf(el);
  }
  return values;
}

function restore(form, values) {
  for (const el of $$(".bk-input [data-action-id]", form)) {
    const value = (values[el.dataset.blockId] || {})[el.dataset.actionId];
    if (value === undefined) continue;
    const type = el.dataset.type;
    if (type === "external_select") {
      el.dataset.selected = value ? JSON.stringify(value) : "";
      $(".bk-ext-input", el).value = value ? (value.text || {}).text || value.value : "";
    } else if (type === "checkboxes" || type === "radio_buttons") {
      const chosen = [].concat(value || []);
      for (const box of $$("input", el)) box.checked = chosen.includes(box.value);
    } else if (!type.startsWith("multi_") && type !== "datetimepicker") {
      el.value = value ?? "";
    }
  }
}

// --- sending -------------------------------------------------------------------------------------
function whereOf(el) {
  const holder = el.closest("[data-where]");
  return holder ? { holder, where: JSON.parse(holder.dataset.where) } : null;
}

function dispatches(el) {
  const input = el.closest(".bk-input");
  return !input || input.dataset.dispatch !== undefined;
}

async function sendAction(el, extra) {
  const found = whereOf(el);
  if (!found) return;
  const body = { user: S.user, where: found.where, action_id: el.dataset.actionId, block_id: el.dataset.blockId, ...extra };
  const form = found.where.kind === "view" ? $("form", found.holder) : null;
  if (form) body.state = collect(form);
  el.classList.add("bk-busy");
  await post("/_emu/action", body);
  el.classList.remove("bk-busy");  // when the answer left the message as it was (e.g. a modal opened)
}

function confirmFirst(spec) {
  return new Promise((done) => {
    const box = $("#confirm");
    box.innerHTML = '<div class="modal confirm-box"><div class="modal-head"><div class="modal-title"></div></div>' +
      '<div class="modal-body"></div><div class="modal-foot"><button type="button" class="bk-btn" data-no></button>' +
      '<button type="button" class="bk-btn"></button></div></div>';
    $(".modal-title", box).textContent = spec.title || "Are you sure?";
    $(".modal-body", box).textContent = spec.text || "";
    const [no, yes] = $$(".modal-foot button", box);
    no.textContent = spec.deny || "Cancel";
    yes.textContent = spec.confirm || "Yes";
    yes.classList.add(spec.style === "danger" ? "bk-btn-danger" : "bk-btn-primary");
    box.hidden = false;
    const finish = (ok) => { box.hidden = true; box.replaceChildren(); done(ok); };
    no.onclick = () => finish(false);
    yes.onclick = () => finish(true);
  });
}

async function send() {
  const box = $("#compose");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  S.stickUntil = Date.now() + 4000;  // like Slack: after sending, follow the answers to the bottom
  await post("/_emu/send", { user: S.user, channel: S.pane, text });
}

function openPane(pane) {
  S.pane = pane;
  S.paneKey = null;
  if (pane === "home") post("/_emu/home", { user: S.user });
  else refresh();
}

async function suggest(ext) {
  const input = $(".bk-ext-input", ext);
  const list = $(".bk-ext-list", ext);
  const query = input.value;
  if (query.length < Number(ext.dataset.minQuery || 0)) { list.hidden = true; return; }
  const found = whereOf(ext);
  const r = await fetch("/_emu/suggest", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: S.user, where: found.where, action_id: ext.dataset.actionId,
                           block_id: ext.dataset.blockId, query }) });
  const data = await r.json().catch(() => ({ options: [] }));
  if (input.value !== query) return;  // typed on meanwhile
  list.replaceChildren(...(data.options || []).map((o) =>
    h("button", { type: "button", className: "bk-ext-item", textContent: o.label }, { option: JSON.stringify(o.option) })));
  if (!list.children.length) list.append(h("div", { className: "bk-ext-none", textContent: "No matches" }));
  list.hidden = false;
}

// --- events --------------------------------------------------------------------------------------
document.addEventListener("click", async (ev) => {
  const t = ev.target.closest("button, [data-pane]");
  for (const menu of $$(".bk-menu:not([hidden]), .bk-ext-list:not([hidden])")) {
    if (!menu.parentElement.contains(ev.target)) menu.hidden = true;
  }
  if (!t) return;
  if (t.dataset.pane) return openPane(t.dataset.pane);
  if (t.dataset.control) {
    t.disabled = true;
    const data = await post("/_emu/control", { id: t.dataset.control });
    t.disabled = false;
    return toast(data.ok ? (data.lines || []).join("\n") || "Done." : "⚠ " + data.error, 9000);
  }
  if (t.matches(".bk-overflow-btn")) { const m = t.nextElementSibling; m.hidden = !m.hidden; return; }
  if (t.matches(".bk-menu-item")) {
    t.parentElement.hidden = true;
    return sendAction(t.closest(".bk-overflow"), { selected: t.dataset.value });
  }
  if (t.matches(".bk-ext-item")) {
    const ext = t.closest(".bk-ext");
    ext.dataset.selected = t.dataset.option;
    $(".bk-ext-input", ext).value = t.textContent;
    t.parentElement.hidden = true;
    if (dispatches(ext)) sendAction(ext, { selected: JSON.parse(t.dataset.option) });
    return;
  }
  if (t.matches(".bk-chip-x")) {
    const multi = t.closest(".bk-multi");
    const chip = t.closest(".bk-chip");
    const opt = $$("option", multi).find((o) => o.value === chip.dataset.value);
    if (opt) opt.hidden = false;
    chip.remove();
    if (dispatches(multi)) sendAction(multi, { selected: valueOf(multi) });
    return;
  }
  if (t.hasAttribute("data-close")) return post("/_emu/close", { user: S.user, view_id: S.modalId });
  if (t.hasAttribute("data-submit")) {
    t.classList.add("bk-busy");
    await post("/_emu/submit", { user: S.user, view_id: S.modalId, values: collect($("#modal-slot form")) });
    return t.classList.remove("bk-busy");
  }
  if (t.hasAttribute("data-dismiss")) {
    const msg = t.closest(".msg");
    S.dismissed.add(msg.dataset.ts);
    return msg.remove();
  }
  if (t.id === "send") return send();
  if (t.matches(".bk-btn[data-action-id]")) {
    if (t.dataset.confirm && !(await confirmFirst(JSON.parse(t.dataset.confirm)))) return;
    if (t.dataset.url) window.open(t.dataset.url, "_blank", "noopener");
    return sendAction(t, { value: t.dataset.value });
  }
});

document.addEventListener("change", (ev) => {
  const t = ev.target;
  if (t.id === "who") { S.user = t.value; S.paneKey = null; return openPane(S.pane === "dm" ? "dm" : S.pane); }
  if (t.matches(".bk-multi-add")) {
    const multi = t.closest(".bk-multi");
    const opt = t.selectedOptions[0];
    if (!opt || !opt.value) return;
    const x = h("button", { type: "button", className: "bk-chip-x", textContent: "×", title: "Remove" });
    t.before(h("span", { className: "bk-chip" }, { value: opt.value }, opt.textContent, x));
    opt.hidden = true;
    t.value = "";
    if (dispatches(multi)) sendAction(multi, { selected: valueOf(multi) });
    return;
  }
  const el = t.closest("[data-action-id]");
  if (!el || el.matches(".bk-ext, .bk-multi") || !dispatches(el)) return;
  sendAction(el, { selected: valueOf(el) });
});

let suggestTimer = null;
document.addEventListener("input", (ev) => {
  const ext = ev.target.closest(".bk-ext");
  if (!ext) return;
  ext.dataset.selected = "";
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(() => suggest(ext), 200);
});
document.addEventListener("focusin", (ev) => {
  const ext = ev.target.matches(".bk-ext-input") && ev.target.closest(".bk-ext");
  if (ext) suggest(ext);
});

document.addEventListener("keydown", (ev) => {
  if (ev.target.id === "compose" && ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
  if (ev.key === "Escape" && !$("#overlay").hidden && $("#confirm").hidden) {
    post("/_emu/close", { user: S.user, view_id: S.modalId });
  }
  if (ev.key === "Enter" && ev.target.matches(".bk-input[data-dispatch] input.bk-text-input")) {
    ev.preventDefault();
    sendAction(ev.target, { selected: valueOf(ev.target) });
  }
});
document.addEventListener("submit", (ev) => ev.preventDefault());

readHash();
refresh().then(() => { if (S.pane === "home") post("/_emu/home", { user: S.user }); poll(); });
