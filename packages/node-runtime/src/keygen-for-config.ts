import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { generateKeyPair } from '@schedulezero/security-filter';
import { parseAllDocuments } from 'yaml';

/**
 * `keygen --for CONFIG [--out DIR]`: a CURVE pair for every secret key file a config names
 * (`handlers.secretKeyFile`, `replication.zones.*.secretKeyFile`, `security.secretKeyFile`), so
 * that no secret passes through a terminal, a pipe or /tmp. The secret key is written with mode
 * 0400, its public key next to it with 0444: at the config's `publicKeyFile` when it names one
 * for that pair, else the same name ending in `.pub` (`link.key` → `link.pub`, the name the
 * workers' `serverKeyFile` uses). With `--out`, the files go into DIR under the names the config
 * gives them; without, to the config's paths (relative ones from the config's folder).
 *
 * A file that exists is never overwritten: a pair whose secret key exists is kept as it is, and a
 * public key file without its secret key is a problem (the pair is not made). CONFIG may also be a
 * Kubernetes manifest: node configs in ConfigMap entries named `*.yaml` are read.
 */

export interface KeyFilePlan {
  /** Where in the config, e.g. `replication.zones.dmz.secretKeyFile`. */
  setting: string;
  secretFile: string;
  publicFile: string;
}

export type KeyFileOutcome =
  | (KeyFilePlan & { kind: 'written'; publicKey: string })
  | (KeyFilePlan & { kind: 'kept' })
  | (KeyFilePlan & { kind: 'problem'; message: string });

/** The key files a config (the parsed YAML of one or more documents) names, in its order. */
export function keyFilesOf(documents: readonly unknown[]): KeyFilePlan[] {
  const plans: KeyFilePlan[] = [];
  const visit = (value: unknown, path: string[]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const node = value as Record<string, unknown>;
    if (node.kind === 'ConfigMap' && typeof node.data === 'object' && node.data !== null) {
      for (const [name, text] of Object.entries(node.data as Record<string, unknown>))
        if (/\.ya?ml$/.test(name) && typeof text === 'string')
          for (const document of parseAllDocuments(text)) visit(document.toJS(), [name]);
      return;
    }
    if (typeof node.secretKeyFile === 'string' && node.secretKeyFile !== '') {
      const secretFile = node.secretKeyFile;
      const publicFile =
        typeof node.publicKeyFile === 'string' && node.publicKeyFile !== ''
          ? node.publicKeyFile
          : `${secretFile.replace(/\.key$/, '')}.pub`;
      plans.push({ setting: [...path, 'secretKeyFile'].join('.'), secretFile, publicFile });
    }
    for (const [key, child] of Object.entries(node)) visit(child, [...path, key]);
  };
  for (const document of documents) visit(document, []);
  return plans;
}

export function readConfigDocuments(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
    return document.toJS();
  });
}

/** Writes the pairs the config names; `out` replaces each file's folder when given. */
export function writeKeyFiles(configFile: string, out: string | undefined): KeyFileOutcome[] {
  const place = (file: string) => (out ? join(out, basename(file)) : resolve(dirname(configFile), file));
  if (out) mkdirSync(out, { recursive: true, mode: 0o700 });
  const seen = new Set<string>();
  const outcomes: KeyFileOutcome[] = [];
  for (const named of keyFilesOf(readConfigDocuments(configFile))) {
    const plan = { ...named, secretFile: place(named.secretFile), publicFile: place(named.publicFile) };
    // Masters of a cluster, or zones, may share a pair: one file, made once.
    if (seen.has(plan.secretFile)) continue;
    seen.add(plan.secretFile);
    if (existsSync(plan.secretFile)) {
      outcomes.push({ ...plan, kind: 'kept' });
      continue;
    }
    if (existsSync(plan.publicFile)) {
      outcomes.push({
        ...plan,
        kind: 'problem',
        message: `${plan.publicFile} exists without its secret key ${plan.secretFile}: not overwritten; remove it to make a new pair`,
      });
      continue;
    }
    if (!out) mkdirSync(dirname(plan.secretFile), { recursive: true, mode: 0o700 });
    const pair = generateKeyPair();
    // `wx`: fails rather than replace a file that appeared meanwhile; chmod: the umask may have
    // taken bits the modes need (0444 for a public key another user reads).
    writeFileSync(plan.secretFile, `${pair.secretKey.reveal()}\n`, { mode: 0o400, flag: 'wx' });
    chmodSync(plan.secretFile, 0o400);
    writeFileSync(plan.publicFile, `${pair.publicKey}\n`, { mode: 0o444, flag: 'wx' });
    chmodSync(plan.publicFile, 0o444);
    outcomes.push({ ...plan, kind: 'written', publicKey: pair.publicKey });
  }
  return outcomes;
}

/** One line per pair, for the operator. */
export function describeOutcome(outcome: KeyFileOutcome): string {
  switch (outcome.kind) {
    case 'written':
      return `wrote ${outcome.secretFile} (0400) and ${outcome.publicFile} (0444) for ${outcome.setting}; public key ${outcome.publicKey}`;
    case 'kept':
      return `kept ${outcome.secretFile} for ${outcome.setting}: it exists (never overwritten)`;
    case 'problem':
      return `not written for ${outcome.setting}: ${outcome.message}`;
  }
}
