/** A systemd unit file (or drop-in) read as `[Section]` → key → values (a key may repeat). */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header?.[1]) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!pair?.[1] || !current)
      throw new Error(`line ${index + 1} is not KEY=VALUE inside a section: ${raw}`);
    current.set(pair[1], [...(current.get(pair[1]) ?? []), pair[2] ?? '']);
  }
  return sections;
}
