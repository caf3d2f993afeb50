import { copyJson, isPlainRecord, type SensitiveKeyMatcher, setOwn } from './sensitive-keys.ts';

/**
 * An allow-list projection of one entity: the fields listed pass, every other field is dropped,
 * at every level of the typed structure. Free-form JSON (args, metadata, results) passes whole,
 * or scrubbed of sensitive keys, or cut down to the top-level keys a zone allow-lists.
 */
export type FieldRule =
  /** The value is copied (scrubbed of sensitive keys when the policy scrubs). */
  | 'value'
  /** A typed nested object: only its listed fields pass. */
  | { readonly fields: Projection }
  /**
   * A free-form object: only the top-level keys named in the zone's allow-list of that name pass,
   * and the keys of `always`, cut down by their own rule whatever the allow-list says.
   */
  | { readonly allowList: AllowListName; readonly always?: Projection };

export type Projection = Readonly<Record<string, FieldRule>>;

export const ALLOW_LIST_NAMES = ['metadata', 'args', 'result'] as const;
export type AllowListName = (typeof ALLOW_LIST_NAMES)[number];

export interface ProjectionContext {
  /** Set for zones that must not see secrets: sensitive keys are removed from every copied value. */
  isSensitive: SensitiveKeyMatcher | undefined;
  allowLists: Readonly<Record<AllowListName, ReadonlySet<string>>>;
}

export function project(source: Record<string, unknown>, projection: Projection, context: ProjectionContext) {
  const out: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(projection)) {
    if (!Object.hasOwn(source, field)) continue;
    const value = source[field];
    const projected = projectField(value, rule, context);
    if (projected !== undefined) setOwn(out, field, projected);
  }
  return out;
}

function projectField(value: unknown, rule: FieldRule, context: ProjectionContext): unknown {
  if (value === undefined) return undefined;
  if (rule === 'value') return copyJson(value, context.isSensitive);
  if ('fields' in rule) {
    if (value === null) return null;
    // A typed object that arrives as something else is dropped rather than copied unchecked.
    return isPlainRecord(value) ? project(value, rule.fields, context) : undefined;
  }
  const allowed = context.allowLists[rule.allowList];
  if (!isPlainRecord(value)) return undefined;
  const out = project(value, rule.always ?? {}, context);
  // Nothing allow-listed and nothing of `always` present: the field is absent, as it always was.
  if (allowed.size === 0 && Object.keys(out).length === 0) return undefined;
  for (const key of allowed) {
    if (!Object.hasOwn(value, key) || Object.hasOwn(rule.always ?? {}, key)) continue;
    // An allow-listed key that looks sensitive still does not pass: the patterns win.
    if (context.isSensitive?.(key)) continue;
    const copied = copyJson(value[key], context.isSensitive);
    if (copied !== undefined) setOwn(out, key, copied);
  }
  return out;
}
