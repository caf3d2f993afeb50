import type { Target } from '@schedulezero/protocol';
import type { Limit } from '@schedulezero/scheduler-core';
import { describe, expect, it } from 'vitest';
import { createEntry, type HandlerEntry } from '../../src/master/handler-entry.ts';
import { AffinityMap, selectHandler } from '../../src/master/select-handler.ts';

function entry(
  id: string,
  fields: { capacity?: number; zone?: string; tags?: string[]; methods?: string[]; limit?: Limit } = {},
) {
  return createEntry(
    {
      handlerId: id,
      methods: fields.methods ?? ['work'],
      zone: fields.zone ?? 'eu',
      tags: fields.tags ?? [],
      capacity: fields.capacity ?? 2,
      running: [],
    },
    new Date(0),
    { breaker: { minSamples: 1, failureRate: 0.5, cooldownMs: 1000 }, limit: fields.limit },
  );
}

const job = (target: Partial<Target> = {}) => ({ task: 'work', target: { tags: [], ...target } });

function pick(entries: HandlerEntry[], target: Partial<Target> = {}, affinity = new AffinityMap()) {
  const selection = selectHandler(entries, job(target), { nowMs: 0, excluded: new Set(), affinity });
  if (selection.kind !== 'handler') return selection.kind;
  // What a dispatch does: a slot taken, a token spent.
  selection.entry.active.add(`job-${selection.entry.active.size}`);
  selection.entry.limit.take(0);
  selection.entry.lastPick = Math.max(...entries.map((e) => e.lastPick)) + 1;
  return selection.entry.id;
}

describe('selectHandler', () => {
  it('takes the least loaded handler, round-robin among equals', () => {
    const a = entry('a', { capacity: 2 });
    const b = entry('b', { capacity: 2 });
    expect([pick([a, b]), pick([a, b]), pick([a, b]), pick([a, b]), pick([a, b])]).toEqual([
      'a',
      'b',
      'a',
      'b',
      'busy',
    ]);
  });

  it('measures load relative to capacity', () => {
    const small = entry('small', { capacity: 1 });
    const big = entry('big', { capacity: 4 });
    const picks = [pick([small, big]), pick([small, big]), pick([small, big])];
    expect(picks.filter((id) => id === 'big')).toHaveLength(2);
    expect(picks.filter((id) => id === 'small')).toHaveLength(1);
  });

  it('passes over a handler at its concurrency limit, and weighs load against that limit', () => {
    const limited = entry('limited', { capacity: 10, limit: { concurrency: 1 } });
    const other = entry('other', { capacity: 2 });
    expect([pick([limited, other]), pick([limited, other]), pick([limited, other])]).toEqual([
      'limited',
      'other',
      'other',
    ]);
    expect(pick([limited, other])).toBe('busy');
  });

  it('passes over a handler out of tokens; busy (not none) when every one is', () => {
    const a = entry('a', { capacity: 10, limit: { perSecond: 0.001, burst: 2 } });
    const b = entry('b', { capacity: 10, limit: { perSecond: 0.001, burst: 1 } });
    const picks = Array.from({ length: 4 }, () => pick([a, b]));
    expect(picks.filter((id) => id === 'a')).toHaveLength(2);
    expect(picks.filter((id) => id === 'b')).toHaveLength(1);
    expect(picks[3]).toBe('busy');
  });

  it('matches zone and every tag of the target; none when nobody matches', () => {
    const eu = entry('eu', { zone: 'eu', tags: ['gpu', 'ssd'] });
    const us = entry('us', { zone: 'us', tags: ['gpu'] });
    expect(pick([eu, us], { zone: 'us' })).toBe('us');
    expect(pick([eu, us], { tags: ['gpu', 'ssd'] })).toBe('eu');
    expect(pick([eu, us], { zone: 'us', tags: ['ssd'] })).toBe('none');
    expect(pick([eu, us], { zone: 'ap' })).toBe('none');
  });

  it('skips handlers that are offline, draining or whose breaker is open', () => {
    const off = entry('off');
    off.presence = 'offline';
    const draining = entry('draining');
    draining.presence = 'draining';
    const broken = entry('broken');
    broken.breaker.record(false, false, 0);
    expect(pick([off, draining, broken])).toBe('none');
    const ok = entry('ok');
    expect(pick([off, draining, broken, ok])).toBe('ok');
  });

  it('keeps an affinity key on its handler, waiting for it when it is full', () => {
    const a = entry('a', { capacity: 1 });
    const b = entry('b', { capacity: 1 });
    const affinity = new AffinityMap();
    affinity.set('k', 'b');
    expect(pick([a, b], { affinityKey: 'k' }, affinity)).toBe('b');
    expect(pick([a, b], { affinityKey: 'k' }, affinity)).toBe('busy');
    b.presence = 'offline';
    expect(pick([a, b], { affinityKey: 'k' }, affinity)).toBe('a');
    expect(affinity.get('k')).toBe('a');
  });

  it('forgets the least recently used affinity key past its bound', () => {
    const affinity = new AffinityMap(2);
    affinity.set('one', 'a');
    affinity.set('two', 'a');
    affinity.get('one');
    affinity.set('three', 'a');
    expect(affinity.get('two')).toBeUndefined();
    expect(affinity.get('one')).toBe('a');
    expect(affinity.size).toBe(2);
  });
});
