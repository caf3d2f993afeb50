/**
 * Limits on free-form JSON a client sends (a schedule's `args` and `metadata`). The body size is
 * bounded by `api.maxBodyBytes`; nesting needs its own bound, because a body of a few kilobytes can
 * nest thousands of levels and every recursive walk after the edge (the stores' serialisation, the
 * zone projections) would overflow the stack on it.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `value` nests arrays and objects deeper than `max` levels (`{}` and `[]` are one level,
 * a scalar none). Iterative, and stops at the first level past `max`, so it is safe on any input.
 */
export function exceedsJsonDepth(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [current, depth] = entry;
    if (current === null || typeof current !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

export const JSON_DEPTH_MESSAGE = `must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep`;
