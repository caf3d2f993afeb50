import { describe, expect, it } from 'vitest';
import { deployFiles, type Manifest, manifests } from '../src/deploy-files.ts';

const applied = deployFiles(['.yaml'])
  .filter((file) => file.startsWith('kubernetes/') && file !== 'kubernetes/kustomization.yaml')
  .filter((file) => file !== 'kubernetes/secrets.example.yaml');
const all: Array<Manifest & { file: string }> = applied.flatMap((file) =>
  manifests(file).map((manifest) => ({ ...manifest, file })),
);
const ofKind = (kind: string) => all.filter((manifest) => manifest.kind === kind);
const named = (kind: string, name: string) => {
  const found = ofKind(kind).find((manifest) => manifest.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};

type Container = {
  name: string;
  image?: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
};
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
  volumes?: Array<{ name: string; secret?: { defaultMode?: number } }>;
};
type Workload = Manifest & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};

const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet')] as unknown as Workload[];
const NAMESPACES = ['schedulezero-admin', 'schedulezero-dmz', 'schedulezero-regional'];

describe('deploy/kubernetes: every manifest', () => {
  it('the kustomization lists every manifest file it should apply', () => {
    const [kustomization] = manifests('kubernetes/kustomization.yaml');
    const resources = (kustomization as { resources: string[] }).resources.map((r) => `kubernetes/${r}`);
    expect(resources.sort()).toEqual(applied);
  });

  it.each(all.map((m) => [`${m.file}: ${String(m.kind)} ${String(m.metadata?.name)}`, m] as const))(
    '%s has apiVersion, kind, metadata.name and a zone namespace',
    (_label, manifest) => {
      expect(manifest.apiVersion).toMatch(/^(v1|[a-z0-9.]+\/v\d+(beta\d+)?)$/);
      expect(typeof manifest.kind).toBe('string');
      expect(manifest.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      if (manifest.kind !== 'Namespace') expect(NAMESPACES).toContain(manifest.metadata?.namespace);
    },
  );

  it('has the workloads the zones need', () => {
    const found = workloads
      .map((w) => `${w.metadata?.namespace}/${String(w.kind)}/${w.metadata?.name}`)
      .sort();
    expect(found).toEqual([
      'schedulezero-admin/Deployment/schedulezero-master',
      'schedulezero-admin/StatefulSet/schedulezero-postgres',
      'schedulezero-dmz/Deployment/schedulezero-replica',
      'schedulezero-regional/Deployment/schedulezero-handler',
      'schedulezero-regional/Deployment/schedulezero-replica',
    ]);
  });
});

describe('deploy/kubernetes: workloads', () => {
  it.each(workloads.map((w) => [`${w.metadata?.namespace}/${w.metadata?.name}`, w] as const))(
    '%s: selector matches the pod labels; every container has an image and resources; non-root',
    (_label, workload) => {
      const { matchLabels } = workload.spec.selector;
      expect(Object.keys(matchLabels).length).toBeGreaterThan(0);
      expect(workload.spec.template.metadata.labels).toMatchObject(matchLabels);
      const pod = workload.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(container.image, container.name).toBeTruthy();
        expect(container.resources?.requests?.memory, container.name).toBeTruthy();
        expect(container.resources?.limits?.memory, container.name).toBeTruthy();
        expect(container.securityContext, container.name).toMatchObject({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
    },
  );

  const http = [
    ['schedulezero-admin', 'schedulezero-master', 8888],
    ['schedulezero-dmz', 'schedulezero-replica', 8889],
    ['schedulezero-regional', 'schedulezero-replica', 8889],
  ] as const;
  it.each(http)(
    '%s/%s: HTTP port %i, liveness on /healthz, readiness on /readyz, a Service selecting it',
    (namespace, name, httpPort) => {
      const workload = workloads.find(
        (w) => w.metadata?.namespace === namespace && w.metadata?.name === name,
      );
      if (!workload) throw new Error('missing');
      const [container] = workload.spec.template.spec.containers;
      expect(container?.ports).toContainEqual({ name: 'http', containerPort: httpPort });
      expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      const service = ofKind('Service').find(
        (s) => s.metadata?.namespace === namespace && s.metadata?.name === name,
      ) as (Manifest & { spec: { selector: Record<string, string> } }) | undefined;
      expect(service?.spec.selector).toEqual(workload.spec.selector.matchLabels);
    },
  );

  it('the master exposes the handler link and both sockets of every zone', () => {
    const master = workloads.find((w) => w.metadata?.name === 'schedulezero-master');
    const ports = master?.spec.template.spec.containers[0]?.ports?.map((p) => p.containerPort).sort();
    expect(ports).toEqual([5555, 5560, 5561, 5562, 5563, 5564, 5565, 8888]);
  });

  it('the handler has no listening port (it connects out) and drains longer than its shutdown grace', () => {
    const handler = named('Deployment', 'schedulezero-handler') as unknown as Workload;
    const pod = handler.spec.template.spec;
    expect(pod.containers[0]?.ports ?? []).toEqual([]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(300);
  });

  it('secret keys are mounted 0440 and copied to a 0400 file of the service user', () => {
    for (const workload of workloads.filter((w) => w.metadata?.name !== 'schedulezero-postgres')) {
      const pod = workload.spec.template.spec;
      const secrets = (pod.volumes ?? []).filter((v) => v.secret);
      expect(secrets.map((v) => v.secret?.defaultMode)).toEqual([0o440]);
      expect(JSON.stringify(pod.initContainers)).toContain('install -m 0400');
    }
  });

  it('the handler Deployment has a HorizontalPodAutoscaler targeting it', () => {
    const hpa = named('HorizontalPodAutoscaler', 'schedulezero-handler') as unknown as Manifest & {
      spec: {
        scaleTargetRef: Record<string, string>;
        minReplicas: number;
        maxReplicas: number;
        metrics: unknown[];
      };
    };
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata?.namespace).toBe('schedulezero-regional');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'schedulezero-handler',
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics.length).toBeGreaterThan(0);
  });
});

type Peer = {
  namespaceSelector?: { matchLabels?: Record<string, string> };
  podSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: unknown;
};
type Rule = { from?: Peer[]; to?: Peer[]; ports?: Array<{ protocol?: string; port: number }> };
type Policy = Manifest & {
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress?: Rule[];
    egress?: Rule[];
  };
};

describe('deploy/kubernetes: NetworkPolicies mirror the zones', () => {
  const policies = ofKind('NetworkPolicy') as unknown as Policy[];
  const component = (policy: Policy) => policy.spec.podSelector.matchLabels?.['app.kubernetes.io/component'];
  const namespaceOf = (peer: Peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  const ingressOf = (namespace: string, comp: string) =>
    policies
      .filter((p) => p.metadata?.namespace === namespace && component(p) === comp)
      .flatMap((p) => p.spec.ingress ?? []);
  /** The ports of `master` that peers in `fromNamespace` may reach. */
  const masterPortsFrom = (fromNamespace: string) =>
    ingressOf('schedulezero-admin', 'master')
      .filter((rule) => (rule.from ?? []).some((peer) => namespaceOf(peer) === fromNamespace))
      .flatMap((rule) => (rule.ports ?? []).map((p) => p.port))
      .sort();

  it.each(NAMESPACES)('%s denies all ingress and egress by default', (namespace) => {
    const deny = policies.find(
      (p) => p.metadata?.namespace === namespace && Object.keys(p.spec.podSelector).length === 0,
    );
    expect(deny?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(deny?.spec.ingress).toBeUndefined();
    expect(deny?.spec.egress).toBeUndefined();
  });

  it('every rule that lets anything into the master names its source and its ports', () => {
    for (const rule of ingressOf('schedulezero-admin', 'master')) {
      expect(rule.from?.length).toBeGreaterThan(0);
      expect(rule.ports?.length).toBeGreaterThan(0);
      for (const peer of rule.from ?? []) expect(peer.ipBlock).toBeUndefined();
    }
  });

  it('the DMZ reaches the master on the DMZ stream ports only, and only its replicas do', () => {
    expect(masterPortsFrom('schedulezero-dmz')).toEqual([5562, 5563]);
    const dmzRules = ingressOf('schedulezero-admin', 'master').filter((rule) =>
      (rule.from ?? []).some((peer) => namespaceOf(peer) === 'schedulezero-dmz'),
    );
    for (const rule of dmzRules) {
      for (const peer of rule.from ?? []) {
        expect(peer.podSelector?.matchLabels?.['app.kubernetes.io/component']).toBe('replica');
      }
    }
  });

  it('the regional zone reaches the master on the link and the regional stream only', () => {
    expect(masterPortsFrom('schedulezero-regional')).toEqual([5555, 5564, 5565]);
  });

  it('the admin namespace alone reaches the API and the admin stream; nobody else reaches 5560/5561/8888', () => {
    expect(masterPortsFrom('schedulezero-admin')).toEqual([5560, 5561, 8888]);
    for (const port of [8888, 5560, 5561]) {
      const sources = ingressOf('schedulezero-admin', 'master')
        .filter((rule) => (rule.ports ?? []).some((p) => p.port === port))
        .flatMap((rule) => (rule.from ?? []).map(namespaceOf));
      expect(new Set(sources)).toEqual(new Set(['schedulezero-admin']));
    }
  });

  it('PostgreSQL takes connections from the master only', () => {
    const rules = ingressOf('schedulezero-admin', 'postgres');
    expect(
      rules
        .flatMap((r) => r.from ?? [])
        .map((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/component']),
    ).toEqual(['master']);
  });

  it('the DMZ replica may leave its namespace only for the DMZ stream (and DNS)', () => {
    const egress = policies
      .filter((p) => p.metadata?.namespace === 'schedulezero-dmz' && component(p) === 'replica')
      .flatMap((p) => p.spec.egress ?? []);
    const ports = egress
      .flatMap((rule) => (rule.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`))
      .sort();
    expect(ports).toEqual(['TCP/53', 'TCP/5562', 'TCP/5563', 'UDP/53']);
    for (const rule of egress) expect(rule.to?.length).toBeGreaterThan(0);
  });

  it('nothing may connect to a handler', () => {
    expect(ingressOf('schedulezero-regional', 'handler')).toEqual([]);
  });
});
