import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyOverrides, coerce, collectEnvOverrides } from '../src/env-overrides.ts';

const schema = z.strictObject({
  network: z
    .strictObject({ bindAddress: z.string().default('127.0.0.1'), port: z.number().int().default(1) })
    .prefault({}),
  flags: z.strictObject({ enabled: z.boolean().optional(), ratio: z.number().optional() }).optional(),
  list: z.array(z.number()).default([]),
  zones: z.record(z.string(), z.strictObject({ publish: z.string().optional() })).optional(),
  free: z.unknown().optional(),
});

describe('collectEnvOverrides', () => {
  it('maps SECTION__KEY names case-insensitively onto the schema, ignoring "_" inside a level', () => {
    const { overrides, problems } = collectEnvOverrides(
      schema,
      {
        P_NETWORK__PORT: '8080',
        P_Network__Bind_Address: '0.0.0.0',
        P_FLAGS__ENABLED: 'off',
        OTHER__PORT: '1',
      },
      'P_',
    );
    expect(problems).toEqual([]);
    expect(applyOverrides({}, overrides)).toEqual({
      network: { port: 8080, bindAddress: '0.0.0.0' },
      flags: { enabled: false },
    });
  });

  it('matches the prefix and the shorthands in any case too', () => {
    const { overrides, problems } = collectEnvOverrides(
      schema,
      { p_network__port: '8080', p_Flags__Enabled: 'yes', p_item: '7', Q_NETWORK__PORT: '1' },
      'P_',
      { P_ITEM: { path: ['list'], mode: 'append' } },
    );
    expect(problems).toEqual([]);
    expect(overrides.map((override) => override.source).sort()).toEqual([
      'p_Flags__Enabled',
      'p_item',
      'p_network__port',
    ]);
    expect(applyOverrides({}, overrides)).toEqual({
      network: { port: 8080 },
      flags: { enabled: true },
      list: [7],
    });
  });

  it('uses record keys as written in the file, else in lower case', () => {
    const { overrides } = collectEnvOverrides(
      schema,
      { P_ZONES__DMZ__PUBLISH: 'tcp://a', P_ZONES__EU__PUBLISH: 'tcp://b' },
      'P_',
      {},
      { zones: { Dmz: {} } },
    );
    expect(applyOverrides({ zones: { Dmz: {} } }, overrides)).toEqual({
      zones: { Dmz: { publish: 'tcp://a' }, eu: { publish: 'tcp://b' } },
    });
  });

  it('reports names that match no setting, and names past a leaf', () => {
    const { problems } = collectEnvOverrides(
      schema,
      { P_NETWROK__PORT: '1', P_NETWORK__PORT__X: '1', P_NETWORK____PORT: '1' },
      'P_',
    );
    expect(problems).toEqual([
      'P_NETWORK__PORT__X: "network.port" is a number, it has no "x"',
      expect.stringMatching(/^P_NETWORK____PORT: empty level/),
      'P_NETWROK__PORT: no setting "netwrok" in the config (known: network, flags, list, zones, free)',
    ]);
  });

  it('applies shorthands before the explicit names, appending where asked', () => {
    const { overrides } = collectEnvOverrides(
      schema,
      { P_PORT: '1', P_NETWORK__PORT: '2', P_ITEM: '7' },
      'P_',
      { P_PORT: { path: ['network', 'port'] }, P_ITEM: { path: ['list'], mode: 'append' } },
    );
    expect(applyOverrides({ list: [5] }, overrides)).toEqual({ network: { port: 2 }, list: [5, 7] });
  });
});

describe('coerce', () => {
  it('turns text into the type the schema expects, leaving what does not fit for zod to report', () => {
    expect(coerce(z.number(), ' 42 ')).toBe(42);
    expect(coerce(z.number(), 'forty')).toBe('forty');
    expect(coerce(z.number().optional(), '')).toBe('');
    expect(coerce(z.boolean(), 'TRUE')).toBe(true);
    expect(coerce(z.boolean(), '0')).toBe(false);
    expect(coerce(z.boolean(), 'maybe')).toBe('maybe');
    expect(coerce(z.array(z.number()), '1, 2,3')).toEqual([1, 2, 3]);
    expect(coerce(z.array(z.string()), '["a,b"]')).toEqual(['a,b']);
    expect(coerce(z.object({ a: z.number() }), '{"a":1}')).toEqual({ a: 1 });
    expect(coerce(z.unknown(), '{"a":1}')).toEqual({ a: 1 });
    expect(coerce(z.unknown(), 'plain')).toBe('plain');
    expect(coerce(z.string(), '123')).toBe('123');
  });
});
