import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployPath } from '../src/deploy-files.ts';

// deploy/firewall is loaded as shipped by the zone test in tests/e2e, which checks what it lets
// through. This checks that it fits the example configs of deploy/config, addresses and ports.

const nft = (file: string) => readFileSync(deployPath('firewall', file), 'utf8');
const defines = (text: string) =>
  Object.fromEntries([...text.matchAll(/^define (\w+) = (\S+)$/gm)].map((match) => [match[1], match[2]]));
const byNumber = (a: number, b: number) => a - b;
/** The TCP ports a rule starting with `prefix` accepts. */
function acceptedPorts(text: string, prefix: string): number[] {
  const line = text.split('\n').find((candidate) => candidate.trim().startsWith(prefix));
  const ports = line?.match(/tcp dport (\{ [^}]+ \}|\d+) accept/)?.[1] ?? '';
  return ports.replace(/[{}]/g, '').split(',').map(Number).filter(Boolean).sort(byNumber);
}
// biome-ignore lint/suspicious/noExplicitAny: configs are read field by field; expect() checks them.
const config = (file: string): any => parse(readFileSync(deployPath('config', file), 'utf8'));
const endpoint = (url: string) => {
  const { hostname, port } = new URL(url.replace(/^tcp:/, 'http:'));
  return { host: hostname, port: Number(port) };
};
/** Whether an IPv4 address lies in a CIDR network. */
function inNetwork(address: string, cidr: string): boolean {
  const [network = '', bits = '32'] = cidr.split('/');
  const number = (ip: string) => ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(number(address) / size) === Math.floor(number(network) / size);
}

const master = config('master.admin.yaml');
const zones = master.replication.zones;

describe('deploy/firewall: the rules fit deploy/config', () => {
  it("admin-host.nft: each network is admitted to its zone's ports, where the master binds them", () => {
    const text = nft('admin-host.nft');
    const { admin_net, dmz_net, regional_net } = defines(text);
    const [adminStream, dmzStream, regionalStream, link] = [
      [zones.admin.publish, zones.admin.sync],
      [zones.dmz.publish, zones.dmz.sync],
      [zones.regional.publish, zones.regional.sync],
      [master.handlers.bind],
    ].map((urls) => urls.map(endpoint));
    expect(acceptedPorts(text, 'ip saddr $admin_net')).toEqual(
      [22, master.network.port, ...(adminStream ?? []).map((e) => e.port)].sort(byNumber),
    );
    expect(acceptedPorts(text, 'ip saddr $dmz_net')).toEqual(
      (dmzStream ?? []).map((e) => e.port).sort(byNumber),
    );
    expect(acceptedPorts(text, 'ip saddr $regional_net')).toEqual(
      [...(link ?? []), ...(regionalStream ?? [])].map((e) => e.port).sort(byNumber),
    );
    expect(inNetwork(master.network.bindAddress, admin_net as string)).toBe(true);
    for (const e of adminStream ?? []) expect(inNetwork(e.host, admin_net as string)).toBe(true);
    for (const e of dmzStream ?? []) expect(inNetwork(e.host, dmz_net as string)).toBe(true);
    for (const e of [...(link ?? []), ...(regionalStream ?? [])])
      expect(inNetwork(e.host, regional_net as string)).toBe(true);
    expect(text).toMatch(/policy drop;/);
  });

  it("dmz-host.nft: in, the replica's HTTP port; out, the master's DMZ stream as the replica names it, and no DNS", () => {
    const text = nft('dmz-host.nft');
    const replica = config('replica.dmz.yaml');
    const publish = endpoint(replica.replication.master.publish);
    const sync = endpoint(replica.replication.master.sync);
    expect(defines(text).master).toBe(publish.host);
    expect(sync.host).toBe(publish.host);
    expect(acceptedPorts(text, 'ip daddr $master')).toEqual([publish.port, sync.port].sort(byNumber));
    expect(acceptedPorts(text, 'tcp dport')).toEqual([replica.network.port]);
    expect(text.match(/policy drop;/g)).toHaveLength(2); // input and output
    expect(text).not.toMatch(/dport[^\n]*\b53\b/);
  });
});
