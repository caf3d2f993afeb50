import { readFileSync } from 'node:fs';

/** One instruction of a Containerfile: `RUN a \ b` becomes `{ keyword: 'RUN', args: 'a b' }`. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  /** The FROM line's image, as written (`${NODE_IMAGE}`). */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/**
 * The stages of a Containerfile (Dockerfile syntax): comments dropped, backslash continuations
 * joined, instructions before the first FROM (global ARGs) in a stage of their own named `global`.
 */
export function parseContainerfile(path: string): Stage[] {
  const stages: Stage[] = [{ from: '', name: 'global', instructions: [] }];
  let pending = '';
  let startLine = 0;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.trim();
      if (pending === '' && (line === '' || line.startsWith('#'))) return;
      if (line.startsWith('#')) return; // a comment inside a continued instruction
      if (pending === '') startLine = index + 1;
      const continued = line.endsWith('\\');
      pending += `${continued ? line.slice(0, -1) : line} `;
      if (continued) return;
      const text = pending.trim().replace(/\s+/g, ' ');
      pending = '';
      const [keyword = '', ...rest] = text.split(' ');
      const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' '), line: startLine };
      if (instruction.keyword === 'FROM') {
        const [from = '', as, name] = rest;
        stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      } else {
        stages.at(-1)?.instructions.push(instruction);
      }
    });
  return stages;
}

/** The exec (JSON array) form of ENTRYPOINT, CMD or HEALTHCHECK CMD; throws on the shell form. */
export function execForm(instruction: Instruction | undefined): string[] {
  if (!instruction) throw new Error('no such instruction');
  const value: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(value) || !value.every((part) => typeof part === 'string'))
    throw new Error(`line ${instruction.line}: ${instruction.keyword} is not in exec form`);
  return value;
}
