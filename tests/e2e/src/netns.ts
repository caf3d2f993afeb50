import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Hosts for zone tests: Linux network namespaces joined to an "admin" namespace by veth pairs,
 * each on its own /24, with nftables rules loaded from deploy/firewall. Traffic stays inside
 * these namespaces.
 */

export interface Host {
  /** The namespace name. */
  ns: string;
  /** This host's address on its link to the admin host. */
  address: string;
  /** The admin host's address on that link. */
  adminAddress: string;
}

export interface ZoneHosts {
  admin: { ns: string };
  dmz: Host;
  regional: Host;
  destroy(): void;
}

/** Why namespaces cannot be used here, or null when they can. */
export function namespacesUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (ip netns needs CAP_SYS_ADMIN)';
  for (const tool of ['ip', 'nft']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const probe = `szprobe${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

function run(command: string, ...args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command inside a namespace. */
export function inNamespace(ns: string, command: string, ...args: string[]): string {
  return run('ip', 'netns', 'exec', ns, command, ...args);
}

/** admin ↔ dmz on 10.88.2.0/24, admin ↔ regional on 10.88.3.0/24; firewalls from deploy/firewall. */
export function createZoneHosts(firewallDir: string): ZoneHosts {
  const tag = `${process.pid % 100000}`;
  const admin = `sz-admin-${tag}`;
  const dmz: Host = { ns: `sz-dmz-${tag}`, address: '10.88.2.2', adminAddress: '10.88.2.1' };
  const regional: Host = { ns: `sz-reg-${tag}`, address: '10.88.3.2', adminAddress: '10.88.3.1' };
  const created: string[] = [];
  const destroy = () => {
    for (const ns of created.reverse()) spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    for (const ns of [admin, dmz.ns, regional.ns]) {
      run('ip', 'netns', 'add', ns);
      created.push(ns);
      inNamespace(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    for (const [host, name] of [
      [dmz, 'd'],
      [regional, 'r'],
    ] as const) {
      const outer = `sz${name}a${tag}`.slice(0, 15);
      const inner = `sz${name}h${tag}`.slice(0, 15);
      run(
        'ip',
        'link',
        'add',
        outer,
        'netns',
        admin,
        'type',
        'veth',
        'peer',
        'name',
        inner,
        'netns',
        host.ns,
      );
      inNamespace(admin, 'ip', 'addr', 'add', `${host.adminAddress}/24`, 'dev', outer);
      inNamespace(admin, 'ip', 'link', 'set', outer, 'up');
      inNamespace(host.ns, 'ip', 'addr', 'add', `${host.address}/24`, 'dev', inner);
      inNamespace(host.ns, 'ip', 'link', 'set', inner, 'up');
    }
    loadFirewall(admin, `${firewallDir}/admin-host.nft`);
    loadFirewall(dmz.ns, `${firewallDir}/dmz-host.nft`);
  } catch (error) {
    destroy();
    throw error;
  }
  return { admin: { ns: admin }, dmz, regional, destroy };
}

function loadFirewall(ns: string, file: string): void {
  // The file as shipped; `nft -f -` reads it from stdin so that its defines apply as written.
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: readFileSync(file, 'utf8') });
}

/** Whether a TCP connection from `ns` to host:port is accepted within `timeoutMs`. */
export function canConnect(ns: string, host: string, port: number, timeoutMs = 1500): boolean {
  const script = `const s=require('net').connect(${port},'${host}');s.setTimeout(${timeoutMs});s.on('connect',()=>{process.stdout.write('open');s.destroy()});s.on('timeout',()=>{process.stdout.write('timeout');s.destroy()});s.on('error',e=>process.stdout.write(e.code))`;
  const result = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], {
    encoding: 'utf8',
    timeout: timeoutMs + 3000,
  });
  return result.stdout === 'open';
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly; expect() checks them.
type Json = any;

/** An HTTP request made from inside a namespace. */
export function httpFrom(
  ns: string,
  method: string,
  url: string,
  options: { token?: string; body?: unknown } = {},
): { status: number; body: Json } {
  const init = {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body ? { body: JSON.stringify(options.body) } : {}),
  };
  const script = `fetch(${JSON.stringify(url)}, ${JSON.stringify(init)}).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, text: await r.text() }))).catch((e) => process.stdout.write(JSON.stringify({ status: 0, text: String(e) })))`;
  const output = inNamespace(ns, process.execPath, '-e', script);
  const { status, text } = JSON.parse(output) as { status: number; text: string };
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON.
  }
  return { status, body };
}
