/** The dashboard's only assets, served by the node itself (no CDN, no build step). */

/** The icon of every page (a browser asks for one; without it the console shows a 404). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#10233f"/><path d="M9 9h14L9 23h14" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
export const FAVICON_PATH = '/ui/assets/favicon.svg';
export const FAVICON_LINK = `<link rel="icon" type="image/svg+xml" href="${FAVICON_PATH}">`;

export const STYLESHEET = `
:root { color-scheme: light; --fg: #1a1a1a; --muted: #4a4a4a; --bg: #ffffff; --line: #c8c8c8;
  --accent: #0b4f9c; --ok: #1b6e20; --bad: #b00020; --warn: #8a5a00; --panel: #f3f5f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #10233f; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; }
header a { color: #fff; }
header .brand { font-weight: 700; margin-right: .5rem; }
header nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
header nav a[aria-current="page"] { text-decoration-thickness: 3px; }
header .node { margin-left: auto; font-size: .9rem; }
main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
.muted { color: var(--muted); }
.status { font-weight: 600; white-space: nowrap; }
.status-succeeded, .status-healthy { color: var(--ok); }
.status-failed, .status-timed_out, .status-unhealthy, .status-offline { color: var(--bad); }
.status-missed, .status-cancelled, .status-draining, .status-paused { color: var(--warn); }
form.inline { display: inline; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
label { display: block; font-weight: 600; font-size: .9rem; }
input, select, textarea, button { font: inherit; }
input, select, textarea { padding: .35rem .45rem; border: 1px solid #767676; border-radius: 3px; max-width: 100%; }
textarea { width: 100%; min-height: 5rem; font-family: ui-monospace, monospace; }
button, .button { background: var(--accent); color: #fff; border: 0; border-radius: 3px; padding: .4rem .8rem; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #e4e8ee; color: var(--fg); border: 1px solid #767676; }
button.danger { background: var(--bad); }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, [tabindex="0"]:focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
.field { margin-bottom: .8rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: .8rem; }
.card { border: 1px solid var(--line); border-radius: 4px; padding: .7rem; background: var(--panel); }
.card h2 { margin-top: 0; font-size: 1.05rem; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; word-break: break-word; }
pre { background: var(--panel); padding: .6rem; overflow-x: auto; border: 1px solid var(--line); }
.error { color: var(--bad); font-weight: 600; }
.error-summary { border: 2px solid var(--bad); border-radius: 4px; padding: .5rem .8rem; margin-bottom: 1rem; }
.error-summary p { color: var(--bad); font-weight: 600; margin: 0 0 .3rem; }
.field-error { color: var(--bad); font-weight: 600; margin: .25rem 0 0; }
[aria-invalid="true"] { border: 2px solid var(--bad); }
.notice { border-left: 4px solid var(--accent); background: var(--panel); padding: .5rem .8rem; }
.actions { display: flex; flex-wrap: wrap; gap: .4rem; }
.pager { margin-top: .8rem; display: flex; gap: 1rem; }
svg.chart { width: 100%; height: auto; max-width: 900px; background: #fff; border: 1px solid var(--line); }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; font-size: .9rem; list-style: none; padding: 0; }
.legend span { display: inline-block; width: .9rem; height: .9rem; margin-right: .3rem; vertical-align: middle; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
a.visually-hidden:focus { position: static; display: block; width: auto; height: auto; clip: auto; padding: .4rem 1rem; background: #fff; }
/* The public status page: one bar per run; a run that did not succeed is shorter as well as another colour. */
.status-row { border-bottom: 1px solid var(--line); padding-bottom: .6rem; }
ol.run-bars { display: flex; gap: 2px; align-items: flex-end; list-style: none; padding: 0; margin: .4rem 0; height: 2rem; max-width: 600px; }
.run { flex: 0 1 .9rem; min-width: 0; height: 100%; background: var(--ok); border-radius: 1px; }
.run-failed, .run-timed_out { background: var(--bad); height: 40%; }
.run-missed { background: var(--warn); height: 40%; }
.run-cancelled { background: #767676; height: 70%; }
@media (max-width: 600px) { main { padding: .6rem; } th, td { padding: .35rem .4rem; } header .node { margin-left: 0; } }
/* A table of jobs is one card per row on a phone: each cell on its own line after its column's name. */
@media (max-width: 600px) {
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards tr { border-bottom: 2px solid var(--line); padding: .3rem 0; }
  table.cards td { border: 0; padding: .1rem .5rem; overflow-wrap: anywhere; }
  table.cards td::before { content: attr(data-label); display: inline-block; min-width: 6rem; font-weight: 600; }
}
`;

/**
 * Live updates without a framework: every element with `data-live` is re-fetched from its
 * `data-src` every `data-interval` ms (while the tab is visible) and replaced by the fragment; a
 * form with `data-preview` posts itself to its `data-preview` URL on change and swaps `#preview`; the
 * schedule form shows only the fields of the chosen trigger type.
 */
export const LIVE_SCRIPT = `
(function () {
  function refresh(el) {
    var src = el.getAttribute('data-src');
    if (!src || document.hidden) return;
    fetch(src, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (text) {
        if (text === null || !el.isConnected) return;
        var box = document.createElement('div');
        box.innerHTML = text;
        var next = box.firstElementChild;
        if (!next) return;
        // A selection in progress (rows ticked for a bulk action) survives the refresh.
        el.querySelectorAll('input[type=checkbox]:checked').forEach(function (box) {
          next.querySelectorAll('input[type=checkbox]').forEach(function (fresh) {
            if (fresh.name === box.name && fresh.value === box.value) fresh.checked = true;
          });
        });
        el.replaceWith(next); schedule(next);
      })
      .catch(function () {});
  }
  function schedule(el) {
    var every = Number(el.getAttribute('data-interval') || '2000');
    setTimeout(function () { if (el.isConnected) { refresh(el); if (el.isConnected) schedule(el); } }, every);
  }
  document.querySelectorAll('[data-live]').forEach(schedule);
  // The schedule form shows every trigger field without a script; with one, only the chosen type's.
  document.querySelectorAll('select[name=triggerType]').forEach(function (select) {
    function show() {
      select.form.querySelectorAll('[data-trigger-fields]').forEach(function (box) {
        box.hidden = box.getAttribute('data-trigger-fields') !== select.value;
      });
    }
    select.addEventListener('change', show);
    show();
  });
  document.querySelectorAll('form[data-preview]').forEach(function (form) {
    var timer;
    form.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(form.getAttribute('data-preview'), { method: 'POST', body: new URLSearchParams(new FormData(form)),
          credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
          .then(function (res) { return res.text(); })
          .then(function (text) { var box = document.getElementById('preview'); if (box) box.outerHTML = text; })
          .catch(function () {});
      }, 400);
    });
  });
})();
`;
