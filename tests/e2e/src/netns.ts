import { execFileSync, spawn, spawnSync } from 'node:child_process';
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
  /** The link's prefix length. */
  prefix: number;
}

export interface ZoneHosts {
  admin: { ns: string };
  dmz: Host;
  regional: Host;
  destroy(): void;
}

/**
 * Whether network namespaces can be used here. `denied` means the machine does not grant them (not
 * Linux, not root, the kernel refused with EPERM); anything else that failed (a tool missing, an
 * unexpected error) is not denied: something to fix, and a failure under CI=true.
 */
export type NamespaceProbe = { available: true } | { available: false; denied: boolean; reason: string };

const PERMISSION = /operation not permitted|permission denied|EPERM|EACCES|must be root/i;

export function probeNamespaces(): NamespaceProbe {
  if (process.platform !== 'linux') return { available: false, denied: true, reason: 'not Linux' };
  if (process.getuid?.() !== 0)
    return { available: false, denied: true, reason: 'not root (ip netns needs CAP_SYS_ADMIN)' };
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
  ]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return { available: false, denied: false, reason: `${tool} is not installed (package ${pkg})` };
  }
  const probe = `szprobe${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) {
    const stderr = `${added.stderr ?? ''}${added.error ?? ''}`.trim();
    return { available: false, denied: PERMISSION.test(stderr), reason: `ip netns add: ${stderr}` };
  }
  try {
    // nftables inside a namespace needs CAP_NET_ADMIN there, which a container may withhold.
    const nft = spawnSync('ip', ['netns', 'exec', probe, 'nft', 'list', 'ruleset'], { encoding: 'utf8' });
    if (nft.status !== 0) {
      const stderr = `${nft.stderr ?? ''}${nft.error ?? ''}`.trim();
      return { available: false, denied: PERMISSION.test(stderr), reason: `nft in a namespace: ${stderr}` };
    }
  } finally {
    spawnSync('ip', ['netns', 'del', probe]);
  }
  return { available: true };
}

/**
 * Decides, once per file, whether the zone tests run. Where namespaces are denied they are skipped
 * with a notice; with CI=true any other reason they cannot run throws, so that a broken probe or a
 * missing tool never turns into a silent skip on a machine that allows namespaces.
 */
export function namespaceGate(what: string, env: NodeJS.ProcessEnv = process.env): { skip: string | null } {
  const probe = probeNamespaces();
  if (probe.available) return { skip: null };
  if (env.CI === 'true' && !probe.denied)
    throw new Error(`${what}: network namespaces should work here but do not (CI=true): ${probe.reason}`);
  console.warn(
    `${what} NOT RUN: network namespaces are not available here (${probe.reason}). ` +
      'They need Linux, root, ip and nft.',
  );
  return { skip: probe.reason };
}

function run(command: string, ...args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command inside a namespace. */
export function inNamespace(ns: string, command: string, ...args: string[]): string {
  return run('ip', 'netns', 'exec', ns, command, ...args);
}

/**
 * The addressing of deploy/config and deploy/firewall: admin ↔ dmz on 10.88.88.0/24 (the master
 * 10.88.88.1), admin ↔ regional on 10.20.0.0/16 (the master 10.20.0.1, the regional host 10.20.1.10),
 * each host's default route via the admin host (which does not forward); firewalls loaded as shipped.
 */
export function createZoneHosts(firewallDir: string): ZoneHosts {
  const tag = `${process.pid % 100000}`;
  const admin = `sz-admin-${tag}`;
  const dmz: Host = { ns: `sz-dmz-${tag}`, address: '10.88.88.2', adminAddress: '10.88.88.1', prefix: 24 };
  const regional: Host = {
    ns: `sz-reg-${tag}`,
    address: '10.20.1.10',
    adminAddress: '10.20.0.1',
    prefix: 16,
  };
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
      inNamespace(admin, 'ip', 'addr', 'add', `${host.adminAddress}/${host.prefix}`, 'dev', outer);
      inNamespace(admin, 'ip', 'link', 'set', outer, 'up');
      inNamespace(host.ns, 'ip', 'addr', 'add', `${host.address}/${host.prefix}`, 'dev', inner);
      inNamespace(host.ns, 'ip', 'link', 'set', inner, 'up');
      // As a real host has: everything else goes to the gateway, so that a packet to another
      // zone's address leaves the host and only a firewall can stop it.
      inNamespace(host.ns, 'ip', 'route', 'add', 'default', 'via', host.adminAddress);
    }
    loadFirewall(admin, `${firewallDir}/admin-host.nft`);
    loadFirewall(dmz.ns, `${firewallDir}/dmz-host.nft`);
  } catch (error) {
    destroy();
    throw error;
  }
  return { admin: { ns: admin }, dmz, regional, destroy };
}

/** Loads a file of deploy/firewall into `ns` (again): each file replaces its own table. */
export function loadFirewall(ns: string, file: string): void {
  // The file as shipped; `nft -f -` reads it from stdin so that its defines apply as written.
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: readFileSync(file, 'utf8') });
}

/** Removes an nftables table from `ns`, as a compromised host's root could. */
export function deleteTable(ns: string, family: string, table: string): void {
  inNamespace(ns, 'nft', 'delete', 'table', family, table);
}

/**
 * What a TCP connect from `ns` to host:port met: `open`, `timeout` (no answer: a firewall dropped
 * the SYN, here or there), or the error code (`ECONNREFUSED`: reached, nothing listens;
 * `ENETUNREACH`: no route). All targets are tried at once, each for up to `timeoutMs`.
 */
export function connectOutcomes(
  ns: string,
  targets: ReadonlyArray<readonly [host: string, port: number]>,
  timeoutMs = 1000,
): string[] {
  const script = `const net=require('net');const [targets,ms]=JSON.parse(process.argv[1]);
Promise.all(targets.map(([h,p])=>new Promise((r)=>{const s=net.connect(p,h);const done=(v)=>{s.destroy();r(v)};
s.setTimeout(ms);s.on('connect',()=>done('open'));s.on('timeout',()=>done('timeout'));s.on('error',(e)=>done(e.code||String(e)))})))
.then((o)=>process.stdout.write(JSON.stringify(o)))`;
  const output = inNamespace(ns, process.execPath, '-e', script, JSON.stringify([targets, timeoutMs]));
  return JSON.parse(output) as string[];
}

/** Sends one UDP datagram from `ns`: `sent`, or the error (`EPERM` when this host's own firewall drops it). */
export function udpSendOutcome(ns: string, host: string, port: number): string {
  const script = `const d=require('dgram').createSocket('udp4');const [h,p]=JSON.parse(process.argv[1]);
d.send('probe',p,h,(e)=>{process.stdout.write(e?e.code||String(e):'sent');d.close()})`;
  return inNamespace(ns, process.execPath, '-e', script, JSON.stringify([host, port]));
}

export interface Listener {
  close(): Promise<void>;
}

/**
 * TCP listeners on `ports` inside `ns` (stand-ins for other services of a host, such as sshd), so
 * that a blocked connect there is the firewall's doing and not an empty port.
 */
export async function listenIn(ns: string, ports: readonly number[], timeoutMs = 10_000): Promise<Listener> {
  const script = `const net=require('net');const ports=JSON.parse(process.argv[1]);let n=0;
for(const p of ports)net.createServer((s)=>s.end()).listen(p,'0.0.0.0',()=>{if(++n===ports.length)process.stdout.write('ready')});`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, JSON.stringify(ports)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let ended = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      ended = true;
      resolve();
    }),
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const close = async () => {
    if (!ended) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (!output.includes('ready')) {
    if (ended || Date.now() > deadline) {
      await close();
      throw new Error(`listeners on ${ns}:${ports.join(',')} did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { close };
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
