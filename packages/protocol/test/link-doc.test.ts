import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  cancelBodySchema,
  executeBodySchema,
  heartbeatAckBodySchema,
  heartbeatBodySchema,
  LINK_DROP_REASONS,
  LINK_ERROR_CODES,
  linkErrorBodySchema,
  masterDrainBodySchema,
  registerBodySchema,
  registeredBodySchema,
  resultBodySchema,
  workerDrainBodySchema,
} from '../src/link.ts';

/**
 * docs/handlers.md documents the link for workers written in other languages: every message type,
 * every field and every drop reason here must be in its protocol section, so that a field added
 * here without a word there fails.
 */

const page = readFileSync(new URL('../../../docs/handlers.md', import.meta.url), 'utf8');
const protocol = page.slice(page.indexOf('## The link protocol'));

/** The table row of a message type in the section: `| \`type\` | …`. */
function rows(type: string): string {
  return protocol
    .split('\n')
    .filter((line) => line.startsWith(`| \`${type}\` |`))
    .join('\n');
}

const keys = (schema: z.ZodObject) => Object.keys(schema.shape);
const MESSAGES: Array<[string, string[]]> = [
  ['register', keys(registerBodySchema)],
  ['heartbeat', keys(heartbeatBodySchema)],
  ['result', [...new Set(resultBodySchema.options.flatMap((option) => keys(option)))]],
  ['drain', [...keys(workerDrainBodySchema), ...keys(masterDrainBodySchema)]],
  ['registered', keys(registeredBodySchema)],
  ['heartbeat_ack', keys(heartbeatAckBodySchema)],
  ['execute', keys(executeBodySchema)],
  ['cancel', keys(cancelBodySchema)],
  ['error', keys(linkErrorBodySchema)],
];

describe('docs/handlers.md and the link schemas', () => {
  it.each(MESSAGES)('documents %s with every field', (type, fields) => {
    const row = rows(type);
    expect(row, `no row for ${type}`).not.toBe('');
    for (const field of fields) expect(row, `${type}.${field}`).toContain(`\`${field}\``);
  });

  it('documents every drop reason and every error code', () => {
    for (const reason of [...LINK_DROP_REASONS, ...LINK_ERROR_CODES])
      expect(protocol, reason).toContain(`| \`${reason}\` |`);
  });
});
