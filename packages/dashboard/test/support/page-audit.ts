/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The audit runs in the page (page.evaluate), so this file is typed against the DOM.
import type { BrowserContext, Page } from 'playwright-core';

/** WCAG 2.x AA for normal text; the dashboard holds every text to it, headings included. */
export const MIN_CONTRAST = 4.5;

export interface ContrastSample {
  /** The element as `tag.class1.class2`. */
  selector: string;
  text: string;
  fg: string;
  bg: string;
  ratio: number;
}

export interface PageAudit {
  /** Form controls without a label (`<label>`, aria-label or aria-labelledby with text). */
  unlabelled: string[];
  /** Every visible text checked: its colour against the background it is painted on. */
  contrast: ContrastSample[];
  /** How far the page is wider than the viewport, px (0 or less: no horizontal scrolling). */
  overflowPx: number;
}

/**
 * Runs in the page: the computed colours of every element that paints text, composited over the
 * background colours of its ancestors (alpha included) down to the white canvas, and the WCAG
 * contrast ratio of the two. SVG text is checked by its `fill`.
 */
function auditInPage(): PageAudit {
  type Rgba = [number, number, number, number];
  const parse = (css: string): Rgba => {
    const parts =
      /rgba?\(([^)]*)\)/
        .exec(css)?.[1]
        ?.split(/[\s,/]+/)
        .filter(Boolean) ?? [];
    const [r = 0, g = 0, b = 0, a = 1] = parts.map(Number);
    return parts.length === 0 ? [0, 0, 0, 0] : [r, g, b, a];
  };
  const over = (top: Rgba, below: Rgba): Rgba => [
    top[0] * top[3] + below[0] * (1 - top[3]),
    top[1] * top[3] + below[1] * (1 - top[3]),
    top[2] * top[3] + below[2] * (1 - top[3]),
    1,
  ];
  const luminance = ([r, g, b]: Rgba) => {
    const channel = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const hex = ([r, g, b]: Rgba) =>
    `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
  const background = (el: Element): Rgba => {
    const chain: Element[] = [];
    for (let node: Element | null = el; node; node = node.parentElement) chain.unshift(node);
    let color: Rgba = [255, 255, 255, 1];
    for (const node of chain) color = over(parse(getComputedStyle(node).backgroundColor), color);
    return color;
  };
  const describe = (el: Element) =>
    [el.tagName.toLowerCase(), ...[...el.classList].map((c) => `.${c}`)].join('');

  const contrast: ContrastSample[] = [];
  for (const el of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'OPTION', 'TITLE'].includes(el.tagName)) continue;
    const text = [...el.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent ?? '')
      .join('')
      .trim();
    if (text === '' || el.getClientRects().length === 0 || el.closest('.visually-hidden')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const bg = background(el);
    const fg = over(parse(el instanceof SVGElement ? style.fill : style.color), bg);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((a, b) => b - a) as [number, number];
    const ratio = (light + 0.05) / (dark + 0.05);
    contrast.push({ selector: describe(el), text: text.slice(0, 40), fg: hex(fg), bg: hex(bg), ratio });
  }

  const unlabelled: string[] = [];
  for (const control of document.querySelectorAll<HTMLInputElement>(
    'input:not([type="hidden"]), select, textarea',
  )) {
    const byLabel = [...(control.labels ?? [])].some((l) => (l.textContent ?? '').trim() !== '');
    const byAria = (control.getAttribute('aria-label') ?? '').trim() !== '';
    const byRef = (control.getAttribute('aria-labelledby') ?? '')
      .split(/\s+/)
      .some((id) => id !== '' && (document.getElementById(id)?.textContent ?? '').trim() !== '');
    if (!byLabel && !byAria && !byRef) unlabelled.push(control.outerHTML.slice(0, 80));
  }

  return {
    unlabelled,
    contrast,
    overflowPx: document.documentElement.scrollWidth - window.innerWidth,
  };
}

export function auditPage(page: Page): Promise<PageAudit> {
  return page.evaluate(auditInPage);
}

/** Every request a context makes whose origin is not `origin`: a page must load nothing from elsewhere. */
export function recordForeignRequests(context: BrowserContext, origin: string) {
  const foreign: string[] = [];
  const paths = new Set<string>();
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === origin) paths.add(url.pathname);
    else foreign.push(request.url());
  });
  return { foreign, paths };
}
