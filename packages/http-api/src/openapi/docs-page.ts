/**
 * An interactive API page built from /openapi.json, with no external script: the master usually
 * sits behind a VPN where a CDN may be unreachable, and a page loading third-party code next to a
 * token field is a risk we do not need.
 */
export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ScheduleZero API</title>
<link rel="icon" type="image/svg+xml" href="/favicon.ico">
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 1rem; color: #1d1d1f; }
  h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; text-transform: capitalize; }
  details { border: 1px solid #ddd; border-radius: 6px; margin: 0.4rem 0; padding: 0.3rem 0.6rem; }
  summary { cursor: pointer; } code, pre, textarea { font: 12px/1.4 ui-monospace, monospace; }
  pre { background: #f6f8fa; padding: 0.5rem; overflow: auto; max-height: 24rem; }
  .m { display: inline-block; width: 4.5rem; font-weight: 600; }
  /* The dashboard's colours: each at least 4.5:1 on white (WCAG AA for normal text). */
  .get { color: #1b6e20; } .post { color: #0b4f9c; } .put, .patch { color: #8a5a00; } .delete { color: #b00020; }
  a { color: #0b4f9c; } :focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
  input, textarea { width: 100%; box-sizing: border-box; } label { display: block; margin-top: 0.4rem; }
  button { margin-top: 0.5rem; }
</style>
</head>
<body>
<main>
<h1>ScheduleZero API</h1>
<p>Generated from <a href="/openapi.json">/openapi.json</a>. <code>/api/*</code> needs a bearer token when auth is on.</p>
<label>Bearer token <input id="token" type="password" autocomplete="off"></label>
<div id="ops">Loading…</div>
</main>
<script>
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const tokenInput = document.getElementById('token');
tokenInput.value = sessionStorage.getItem('sz-token') || '';
tokenInput.addEventListener('change', () => sessionStorage.setItem('sz-token', tokenInput.value));
function exampleOf(schema, doc) {
  if (!schema) return undefined;
  if (schema.$ref) return exampleOf(doc.components.schemas[schema.$ref.split('/').pop()], doc);
  return schema.example;
}
async function main() {
  const doc = await (await fetch('/openapi.json')).json();
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) (byTag[(op.tags || ['other'])[0]] ??= []).push({ path, method, op });
  }
  let html = '';
  let n = 0;
  for (const [tag, ops] of Object.entries(byTag)) {
    html += '<h2>' + esc(tag) + '</h2>';
    for (const { path, method, op } of ops) {
      const id = 'op' + n++;
      const params = (op.parameters || []).map((p) =>
        '<label>' + esc(p.in + ' ' + p.name) + (p.required ? ' *' : '') + ' <input data-in="' + esc(p.in) + '" data-name="' + esc(p.name) + '" placeholder="' + esc((p.schema && p.schema.example) ?? (p.schema && p.schema.default) ?? '') + '"></label>').join('');
      const body = op.requestBody ? exampleOf(op.requestBody.content['application/json'].schema, doc) : undefined;
      html += '<details><summary><span class="m ' + method + '">' + method.toUpperCase() + '</span><code>' + esc(path) + '</code> ' + esc(op.summary || '') + '</summary>'
        + '<form id="' + id + '" data-method="' + method + '" data-path="' + esc(path) + '">' + params
        + (op.requestBody ? '<label>JSON body <textarea rows="8">' + esc(JSON.stringify(body ?? {}, null, 2)) + '</textarea></label>' : '')
        + '<button>Send</button><pre hidden tabindex="0" role="region" aria-label="Response of ' + method.toUpperCase() + ' ' + esc(path) + '"></pre></form>'
        + '<p>Responses: ' + Object.entries(op.responses).map(([s, r]) => '<code>' + esc(s) + '</code> ' + esc(r.description)).join(' · ') + '</p></details>';
    }
  }
  document.getElementById('ops').innerHTML = html;
  document.querySelectorAll('form').forEach((form) => form.addEventListener('submit', send));
}
async function send(event) {
  event.preventDefault();
  const form = event.target;
  let path = form.dataset.path;
  const query = new URLSearchParams();
  for (const input of form.querySelectorAll('input')) {
    if (!input.value) continue;
    if (input.dataset.in === 'path') path = path.replace('{' + input.dataset.name + '}', encodeURIComponent(input.value));
    else if (input.dataset.in === 'query') query.set(input.dataset.name, input.value);
  }
  const headers = {};
  if (tokenInput.value) headers.authorization = 'Bearer ' + tokenInput.value;
  const textarea = form.querySelector('textarea');
  if (textarea) headers['content-type'] = 'application/json';
  const response = await fetch(path + (query.size ? '?' + query : ''), { method: form.dataset.method.toUpperCase(), headers, body: textarea ? textarea.value : undefined });
  const out = form.querySelector('pre');
  out.hidden = false;
  out.textContent = response.status + ' ' + response.statusText + '\\n' + (await response.text());
}
main().catch((error) => { document.getElementById('ops').textContent = 'Could not load /openapi.json: ' + error; });
</script>
</body>
</html>
`;
