import type { Target } from '../targets/target.js';
import type { LiveMigrationTransport } from '../trace/records.js';
import type { FaultContext, FaultDefinition } from './fault.js';

/** Where a migration goes: a node by name, or a policy resolved per iteration. */
export const MIGRATION_POLICIES = ['round-robin', 'random'] as const;
export type MigrationPolicy = (typeof MIGRATION_POLICIES)[number];

export const LIVE_MIGRATION_TRANSPORTS: readonly LiveMigrationTransport[] = ['TCPIP', 'Compression', 'SMB', 'SMBDirect'];

export interface LiveMigrateParams {
  /** One VM, or a list migrated in turn: iteration i migrates vms[(i − 1) mod n]. Resolved: one VM. */
  vm: string | string[];
  /** A node, `round-robin` or `random`. Resolved: a node. */
  to: string;
  /**
   * Set-VMHost -VirtualMachineMigrationPerformanceOption for this migration (TCPIP, Compression, SMB
   * [PSDOC-SETVMHOST]); `SMBDirect` is SMB where both hosts have RDMA-capable NICs [LM-SETUP]. Absent: the hosts' own.
   */
  transport?: LiveMigrationTransport;
  /** Cancel the migration if it has not completed within this long (ms). Resolved: always present. */
  timeout?: number;
}

/** The parameters as the trace records them: one VM, one node, a timeout. */
export interface ResolvedLiveMigrateParams {
  vm: string;
  to: string;
  transport?: LiveMigrationTransport;
  timeout: number;
}

/**
 * Live-migrate a clustered VM: `Move-ClusterVirtualMachineRole -Name <vm> -Node <to> -MigrationType Live`
 * ([PSDOC-MOVE]; windows-cluster-facts §3.1). The VM keeps running through the memory pre-copy and pauses
 * only for the blackout; a failed migration leaves it running on its source (lab-observations §2). A
 * workload operation, not a fault: it impairs no node and leaves nothing to revert.
 *
 * A soak repeats it: with a list of VMs, iteration i migrates the ((i − 1) mod n)-th; `to: round-robin`
 * picks the next Up node after the VM's owner in cluster node order, `to: random` a seeded pick among the
 * other Up nodes, so a replay with the same seed makes the same moves. A Paused (drained) node is not Up and
 * is never picked.
 */
export const liveMigrate: FaultDefinition<LiveMigrateParams> = {
  name: 'live-migrate',
  summary:
    'Live-migrate a VM (Move-ClusterVirtualMachineRole -MigrationType Live) to a node, round-robin or random; a list of VMs is migrated in turn',
  params: {
    type: 'object',
    properties: {
      vm: {
        type: ['string', 'array'],
        minLength: 1,
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        description: 'The VM to migrate, or a list of VMs migrated one per iteration in turn',
        'x-expected': 'a VM name or a list of VM names, e.g. sql01 or [sql01, sql02]',
      },
      to: {
        type: 'string',
        minLength: 1,
        description: 'Where to: a node, round-robin (the next Up node after its owner) or random (a seeded pick among the other Up nodes)',
        'x-expected': 'a node of the cluster, round-robin or random',
      },
      transport: transportParam('The transport for this migration (Set-VMHost -VirtualMachineMigrationPerformanceOption); default: the cluster\'s'),
      timeout: {
        type: 'string',
        format: 'duration',
        description: 'Cancel the migration if it has not completed within this long (e.g. 5m); default: the soak\'s migration-timeout (10m)',
      },
    },
    required: ['vm', 'to'],
    additionalProperties: false,
  },
  impairs: () => [],
  resolve: (target, p, context) => resolveLiveMigration(target, p, context),
  async inject(target, p, context) {
    // The runner resolves first; resolving here too keeps the fault usable on its own.
    const r = isResolved(p) ? p : await resolveLiveMigration(target, p, context);
    return target.liveMigrate(r.vm, r.to, { ...(r.transport ? { transport: r.transport } : {}), timeoutMs: r.timeout });
  },
};

function isResolved(p: LiveMigrateParams): p is ResolvedLiveMigrateParams {
  return typeof p.vm === 'string' && !(MIGRATION_POLICIES as readonly string[]).includes(p.to) && typeof p.timeout === 'number';
}

/** Windows compares node and VM names without regard to case. */
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The VM of this iteration and the node it goes to, concrete, as the op's invoke line records them. */
export async function resolveLiveMigration(target: Target, p: LiveMigrateParams, context: FaultContext): Promise<ResolvedLiveMigrateParams> {
  const vms = typeof p.vm === 'string' ? [p.vm] : p.vm;
  if (vms.length === 0) throw new Error('live-migrate: no VM to migrate');
  const i = Math.max(1, Math.floor(context.iteration));
  const vm = vms[(i - 1) % vms.length]!;
  const to = (MIGRATION_POLICIES as readonly string[]).includes(p.to) ? await pickNode(target, vm, p.to as MigrationPolicy, context) : p.to;
  return { vm, to, ...(p.transport ? { transport: p.transport } : {}), timeout: p.timeout ?? context.migrationTimeoutMs };
}

async function pickNode(target: Target, vm: string, policy: MigrationPolicy, context: FaultContext): Promise<string> {
  const nodes = target.describe().nodes;
  const poll = await target.poll();
  const seen = Object.entries(poll.vms).find(([name]) => same(name, vm));
  if (!seen) throw new Error(`VM ${vm} is not in the cluster (Get-ClusterGroup does not list it)`);
  const owner = seen[1].OwnerNode;
  const up = (node: string): boolean => {
    const entry = Object.entries(poll.nodes).find(([name]) => same(name, node));
    return entry?.[1].State === 'Up';
  };
  const at = nodes.findIndex((n) => same(n, owner));
  // cluster node order, starting after the owner and wrapping round; the owner itself is not a destination
  const others = nodes.map((_, k) => nodes[(at + 1 + k) % nodes.length]!).filter((n) => !same(n, owner));
  const candidates = others.filter(up);
  if (candidates.length === 0) throw new Error(`no node other than ${owner} is Up to take ${vm}`);
  if (policy === 'round-robin') return candidates[0]!;
  const r = context.random();
  return candidates[Math.min(candidates.length - 1, Math.floor(r * candidates.length))]!;
}

/** Schema of a `transport` parameter: the live-migration transports, with what each does. */
export function transportParam(description: string): Record<string, unknown> {
  return {
    enum: [...LIVE_MIGRATION_TRANSPORTS],
    description,
    'x-expected': 'TCPIP, Compression, SMB or SMBDirect',
    'x-hint': 'SMBDirect is SMB over RDMA-capable NICs; SMB uses every NIC (SMB Multichannel); TCPIP and Compression one connection.',
  };
}
