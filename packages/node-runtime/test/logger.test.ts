import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';

function collect(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('writes one JSON object per line, with an ISO time and the bearer token redacted', () => {
    const out = collect();
    const logger = createLogger({ level: 'info', pretty: false, destination: out.stream });
    logger.info(
      { headers: { authorization: 'Bearer secret-token' }, job: 'j1', zone: { secretKey: 'k' } },
      'dispatched',
    );
    logger.debug('below the level');
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line).toMatchObject({
      level: 30,
      msg: 'dispatched',
      job: 'j1',
      headers: { authorization: '[redacted]' },
      zone: { secretKey: '[redacted]' },
    });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('writes human-readable lines in pretty mode, without colour codes off a terminal', () => {
    const out = collect();
    const logger = createLogger({ level: 'info', pretty: true, destination: out.stream });
    logger.warn({ zone: 'dmz', token: 'never-shown' }, 'plaintext mode');
    const text = out.text();
    expect(text).toContain('WARN');
    expect(text).toContain('plaintext mode');
    expect(text).toContain('zone: "dmz"');
    expect(text).not.toContain('never-shown');
    expect(text).not.toContain('\u001b[');
    expect(() => JSON.parse(text)).toThrow();
  });
});
