import { FAVICON_LINK } from './assets.ts';
import { type Html, h, raw } from './format/html.ts';

export interface PageContext {
  /** The node's name, shown in the header. */
  nodeName: string;
  readOnly: boolean;
  /** The CSRF token of the session, for every form (master only). */
  csrf: string;
  /** Whether a logout button makes sense (the master with auth on). */
  loggedIn: boolean;
  now: Date;
  /** Whether the node has a Cluster page (a master). */
  clusterPage?: boolean;
}

const SECTIONS = [
  ['overview', 'Overview'],
  ['schedules', 'Schedules'],
  ['handlers', 'Handlers'],
  ['history', 'History'],
  ['charts', 'Charts'],
  ['replication', 'Replication'],
] as const;

export function page(ctx: PageContext, title: string, section: string, body: Html): Html {
  const sections = ctx.clusterPage ? [...SECTIONS, ['cluster', 'Cluster'] as const] : SECTIONS;
  const nav = sections.map(
    ([key, label]) => h`<a href="/ui/${key}" ${key === section ? h`aria-current="page"` : ''}>${label}</a>`,
  );
  const role = ctx.readOnly ? 'read-only replica' : 'master';
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ScheduleZero</title>
<link rel="stylesheet" href="/ui/assets/app.css">
${raw(FAVICON_LINK)}
</head>
<body>
<a class="visually-hidden" href="#main">Skip to content</a>
<header>
<span class="brand">ScheduleZero</span>
<nav aria-label="Sections">${nav}</nav>
<span class="node">${ctx.nodeName} (${role})
${ctx.loggedIn ? h`<form class="inline" method="post" action="/ui/logout">${csrfField(ctx)}<button class="secondary" type="submit">Log out</button></form>` : ''}
</span>
</header>
<main id="main">
${body}
</main>
<script src="/ui/assets/live.js" defer></script>
</body>
</html>`;
}

export function csrfField(ctx: Pick<PageContext, 'csrf'>): Html {
  return h`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}

/** A live region: the fragment at `src` replaces this element every `intervalMs`. */
export function live(id: string, src: string, content: Html, intervalMs = 2000): Html {
  return h`<div id="${id}" data-live data-src="${src}" data-interval="${intervalMs}">${content}</div>`;
}

export function statusBadge(status: string): Html {
  return h`<span class="status status-${status}">${status.replace('_', ' ')}</span>`;
}

/**
 * A box that scrolls sideways when its content is wider than the screen is a tab stop with a name
 * (a focusable region), so that a keyboard can reach and scroll it like a mouse can.
 */
function scrollable(label: string): Html {
  return h`tabindex="0" role="region" aria-label="${label}"`;
}

/** Preformatted text (JSON, an error message) in a box of its own, reachable by keyboard. */
export function textBox(label: string, text: string): Html {
  return h`<pre ${scrollable(label)}>${text}</pre>`;
}

/** A table in its scrolling box; `className` styles the table (`cards`: one card per row on a phone). */
export function tableWrap(
  caption: string,
  head: string[],
  rows: Html[],
  empty: string,
  className = '',
): Html {
  if (rows.length === 0) return h`<p class="muted">${empty}</p>`;
  return h`<div class="table-wrap" ${scrollable(caption)}><table class="${className}"><caption class="visually-hidden">${caption}</caption>
<thead><tr>${head.map((cell) => h`<th scope="col">${cell}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>`;
}
