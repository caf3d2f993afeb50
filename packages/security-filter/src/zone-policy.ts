import type { HandlerRecord, Job, Schedule } from '@schedulezero/protocol';
import { z } from 'zod';
import {
  BUILTIN_POLICIES,
  BUILTIN_POLICY_NAMES,
  type BuiltinPolicyName,
  ZONE_EVENT_KINDS,
  type ZoneEventKind,
} from './builtin-policies.ts';
import { SecurityError } from './errors.ts';
import { type ProjectionContext, project } from './projection.ts';
import {
  createSensitiveKeyMatcher,
  DEFAULT_SENSITIVE_KEYS,
  isPlainRecord,
  normalizeKey,
} from './sensitive-keys.ts';

/**
 * A zone policy decides, per change, what one zone's stream carries: nothing (the zone does not
 * receive that kind) or an allow-list projection of the entity. The master applies it before the
 * change-log row is written, so bytes a zone may not see never reach that zone's endpoint.
 *
 * Input is structural, so this package does not depend on scheduler-core: its `Change` fits.
 */
export type ChangeInput =
  | { kind: 'schedule'; op: string; schedule: Schedule }
  | { kind: 'job'; op: string; job: Job }
  | { kind: 'handler'; op: string; handler: HandlerRecord };

export type ProjectedEntity = Record<string, unknown>;
export type ProjectedChange =
  | { kind: 'schedule'; op: string; schedule: ProjectedEntity }
  | { kind: 'job'; op: string; job: ProjectedEntity }
  | { kind: 'handler'; op: string; handler: ProjectedEntity };

export interface ZonePolicy {
  readonly extends: BuiltinPolicyName;
  /** The kinds this zone receives. */
  readonly kinds: readonly ZoneEventKind[];
  /** The payload for this zone, or null when the zone does not receive this kind of change. */
  project(change: ChangeInput): ProjectedChange | null;
}

const keyListSchema = z.array(z.string().trim().min(1).max(128)).max(256);

/**
 * A zone's policy in a node's YAML: a built-in name, or a built-in refined. Refinements can only
 * narrow or add protection, except the dmz allow-lists, which name what may pass:
 *
 * ```yaml
 * policy: dmz
 * policy: { extends: dmz, metadataAllow: [team, owner], kinds: [schedule] }
 * policy: { extends: regional, sensitiveKeys: [session_id] }
 * ```
 */
export const zonePolicyConfigSchema = z.union([
  z.enum(BUILTIN_POLICY_NAMES),
  z
    .strictObject({
      /** The built-in it starts from; dmz, the narrowest, when omitted. */
      extends: z.enum(BUILTIN_POLICY_NAMES).default('dmz'),
      /** A subset of the kinds the base receives. */
      kinds: z.array(z.enum(ZONE_EVENT_KINDS)).min(1).optional(),
      /** dmz only: top-level keys of schedule metadata that pass. */
      metadataAllow: keyListSchema.optional(),
      /** dmz only: top-level keys of object args (schedules and jobs) that pass. */
      argsAllow: keyListSchema.optional(),
      /** dmz only: top-level keys of object job results that pass. */
      resultAllow: keyListSchema.optional(),
      /** More sensitive key patterns, added to the defaults (which cannot be removed). */
      sensitiveKeys: keyListSchema.optional(),
    })
    .superRefine((config, ctx) => {
      const base = BUILTIN_POLICIES[config.extends];
      for (const [i, kind] of (config.kinds ?? []).entries()) {
        if (!base.projections[kind]) {
          ctx.addIssue({
            code: 'custom',
            path: ['kinds', i],
            message: `policy ${config.extends} has no projection for ${kind} events`,
          });
        }
      }
      if (!base.usesAllowLists) {
        for (const field of ['metadataAllow', 'argsAllow', 'resultAllow'] as const) {
          if (config[field]?.length) {
            ctx.addIssue({
              code: 'custom',
              path: [field],
              message: `${field} applies to dmz-based policies; ${config.extends} passes these fields ${base.scrubs ? 'scrubbed' : 'whole'}`,
            });
          }
        }
      }
      if (!base.scrubs && config.sensitiveKeys?.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['sensitiveKeys'],
          message: `${config.extends} passes secrets by design; extend regional or dmz to remove them`,
        });
      }
      for (const [i, key] of (config.sensitiveKeys ?? []).entries()) {
        if (normalizeKey(key) === '') {
          ctx.addIssue({
            code: 'custom',
            path: ['sensitiveKeys', i],
            message: 'a pattern needs a letter or digit',
          });
        }
      }
    }),
]);

export type ZonePolicyConfig = z.input<typeof zonePolicyConfigSchema>;
type RefinedPolicy = Exclude<z.output<typeof zonePolicyConfigSchema>, string>;

/** Builds a policy; throws `invalid_config` listing every problem. */
export function createZonePolicy(config: ZonePolicyConfig): ZonePolicy {
  const parsed = zonePolicyConfigSchema.safeParse(config);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(policy)'}: ${issue.message}`,
    );
    throw new SecurityError('invalid_config', `invalid zone policy: ${problems.join('; ')}`);
  }
  const refined: RefinedPolicy = typeof parsed.data === 'string' ? { extends: parsed.data } : parsed.data;
  const base = BUILTIN_POLICIES[refined.extends];
  const kinds = ZONE_EVENT_KINDS.filter(
    (kind) =>
      base.projections[kind] !== undefined && (refined.kinds === undefined || refined.kinds.includes(kind)),
  );
  const context: ProjectionContext = {
    isSensitive: base.scrubs
      ? createSensitiveKeyMatcher([...DEFAULT_SENSITIVE_KEYS, ...(refined.sensitiveKeys ?? [])])
      : undefined,
    allowLists: {
      metadata: new Set(refined.metadataAllow),
      args: new Set(refined.argsAllow),
      result: new Set(refined.resultAllow),
    },
  };
  const received = new Set<string>(kinds);

  return {
    extends: refined.extends,
    kinds,
    project(change) {
      if (!received.has(change.kind)) return null;
      const projection = base.projections[change.kind];
      const entity = (change as Record<string, unknown>)[change.kind];
      if (!projection || !isPlainRecord(entity)) {
        throw new TypeError(`a ${change.kind} change without its ${change.kind} object`);
      }
      return {
        kind: change.kind,
        op: change.op,
        [change.kind]: project(entity, projection, context),
      } as ProjectedChange;
    },
  };
}
