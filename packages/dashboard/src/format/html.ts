import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** A rendered, already-escaped fragment. Interpolated strings are escaped; fragments and arrays are not. */
export type Html = HtmlEscapedString;

/** hono's `html` tag, typed for the synchronous fragments the dashboard renders. */
export const h = html as (strings: TemplateStringsArray, ...values: unknown[]) => Html;

export { raw };
