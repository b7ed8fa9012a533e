/**
 * Checks a schema cannot express: names that must refer to each other (a VM's owner, a fault's node),
 * names that must be unique, ranges that must be in order. They read the raw data defensively, so they
 * run beside the schema and every problem is reported in one go.
 */
import { tryParseDuration } from './duration.js';
import { describeValue, type Finding } from './finding.js';
import { MIN_OBSERVE_INTERVAL_MS } from './limits.js';
import { NETWORK_ROLES } from '../trace/networks.js';
import { pathText, type Segment } from './path.js';
import { didYouMean, hints } from './suggest.js';
import type { FaultCatalogue } from './catalogues.js';

type Data = Record<string, unknown>;

const isObject = (v: unknown): v is Data => v !== null && typeof v === 'object' && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;

/** `_faults`: the catalogue (the quorum check that used it is the blast-radius guard's now, src/safety/blast-radius.ts). */
export function semanticFindings(data: unknown, _faults?: FaultCatalogue): Finding[] {
  if (!isObject(data)) return [];
  const out: Finding[] = [];
  const cluster = isObject(data.cluster) ? data.cluster : {};
  const nodes = strings(cluster.nodes);
  const vms = Array.isArray(cluster.vms) ? cluster.vms : [];

  if (nodes) out.push(...duplicates(nodes, ['cluster', 'nodes'], 'node'));
  const vmNames = vms.map((vm) => (isObject(vm) && typeof vm.name === 'string' ? vm.name : undefined));
  out.push(...duplicates(vmNames, ['cluster', 'vms'], 'VM', 'name'));
  out.push(...liveMigrationFindings(data, nodes, vmNames.filter((n): n is string => n !== undefined)));
  out.push(...soakFindings(data));
  out.push(...observeFindings(data));
  out.push(...storageFindings(cluster, vms, Array.isArray(data.method) ? data.method : []));
  out.push(...networkFindings(cluster, data.method));

  if (nodes) {
    vms.forEach((vm, i) => {
      // the working set is part of the VM's memory
      if (isObject(vm) && typeof vm.workingSetGB === 'number' && vm.workingSetGB > (typeof vm.memoryGB === 'number' ? vm.memoryGB : 4)) {
        out.push({
          path: ['cluster', 'vms', i, 'workingSetGB'],
          at: 'value',
          expected: `at most the VM's memoryGB (${typeof vm.memoryGB === 'number' ? vm.memoryGB : '4, the default'})`,
          found: String(vm.workingSetGB),
          hint: 'The working set is the part of its memory the VM keeps rewriting: lower it, or raise memoryGB.',
        });
      }
      if (isObject(vm) && typeof vm.owner === 'string' && !nodes.includes(vm.owner)) {
        out.push(notANode(['cluster', 'vms', i, 'owner'], vm.owner, nodes));
      }
      // preferred owners are nodes of the cluster (Set-ClusterOwnerNode refuses any other)
      const preferred = isObject(vm) ? strings(vm.preferredOwners) : undefined;
      preferred?.forEach((node, j) => {
        if (!nodes.includes(node)) out.push(notANode(['cluster', 'vms', i, 'preferredOwners', j], node, nodes));
        else if (preferred.indexOf(node) !== j) {
          out.push({ path: ['cluster', 'vms', i, 'preferredOwners', j], at: 'value', expected: 'each node once in the list', found: `"${node}" again`, hint: 'Remove the repeat.' });
        }
      });
    });
    out.push(...hostMemoryFindings(cluster.hostMemoryGB, nodes, vms));
    const method = methodSteps(data.method);
    for (const [step, at] of method) {
      // a fault's `node` parameter names the node it acts on
      if (isObject(step) && typeof step.fault === 'string' && typeof step.node === 'string' && !nodes.includes(step.node)) {
        out.push(notANode([...at, 'node'], step.node, nodes));
      }
      // and `peers`, the nodes it is cut off from
      const peers = isObject(step) ? strings(step.peers) : undefined;
      peers?.forEach((peer, j) => {
        if (!nodes.includes(peer)) out.push(notANode([...at, 'peers', j], peer, nodes));
        else if (isObject(step) && peer === step.node) {
          out.push({ path: [...at, 'peers', j], at: 'value', expected: 'nodes other than the one cut off', found: `"${peer}"`, hint: 'Remove it from peers.' });
        }
      });
    }
    // fail-witness needs a witness to fail (quorum itself is the blast-radius guard's, src/safety/blast-radius.ts)
    out.push(...witnessFindings(data.method, cluster));
    const steady = isObject(data['steady-state']) ? data['steady-state'] : {};
    strings(steady['down-after'])?.forEach((node, i) => {
      if (!nodes.includes(node)) out.push(notANode(['steady-state', 'down-after', i], node, nodes));
    });
  }

  out.push(...probeFindings(data, vmNames.filter((n): n is string => n !== undefined)));

  const simulator = isObject(data.simulator) ? data.simulator : {};
  for (const key of ['vmStart', 'vmIoInterval', 'hostBoot']) {
    const pair = strings(simulator[key]);
    if (!pair || pair.length !== 2) continue;
    const [min, max] = pair.map(tryParseDuration);
    if (min !== undefined && max !== undefined && min > max) {
      out.push({
        path: ['simulator', key],
        at: 'value',
        expected: '[min, max] with min no greater than max',
        found: `[${pair.join(', ')}]`,
        hint: 'Swap the two values.',
      });
    }
  }
  return out;
}

/**
 * Volumes (cluster.storage): unique names; a VM's `volume` names one of the kind its storage is on; a storage
 * fault's `storage` names a volume of the cluster, described or implied by a VM's storage kind (src/trace/storage.ts).
 */
function storageFindings(cluster: Data, vms: unknown[], method: unknown[]): Finding[] {
  const out: Finding[] = [];
  const described = (Array.isArray(cluster.storage) ? cluster.storage : []).map((v) => (isObject(v) ? v : {}));
  const names = described.map((v) => (typeof v.name === 'string' ? v.name : undefined));
  out.push(...duplicates(names, ['cluster', 'storage'], 'volume', 'name'));
  const kindOf = (storage: unknown) => (storage === 'csv-block' ? 'csv' : storage === 'smb' ? 'smb' : undefined);
  const known = new Set(names.filter((n): n is string => n !== undefined));
  vms.forEach((vm, i) => {
    if (!isObject(vm)) return;
    const kind = kindOf(vm.storage);
    if (typeof vm.volume === 'string') {
      const volume = described.find((v) => v.name === vm.volume);
      if (!volume) {
        out.push({
          path: ['cluster', 'vms', i, 'volume'],
          at: 'value',
          expected: names.length ? `a volume listed in cluster.storage (${[...known].join(', ')})` : 'a volume listed in cluster.storage (it lists none)',
          found: describeValue(vm.volume),
          hint: hints(didYouMean(vm.volume, [...known]), 'Add the volume to cluster.storage, e.g. { name: CSV1, kind: csv }, or remove volume: to use the default one.'),
        });
      } else if (kind && volume.kind !== kind) {
        out.push({
          path: ['cluster', 'vms', i, 'volume'],
          at: 'value',
          expected: `${kind === 'smb' ? 'an smb share' : 'a csv volume'} (the VM's storage is ${String(vm.storage)})`,
          found: `${describeValue(vm.volume)}, ${volume.kind === 'smb' ? 'an smb share' : `a ${String(volume.kind)} volume`}`,
          hint: 'A csv-block VM is on a csv volume, an smb VM on an smb share: change the VM\'s storage or its volume.',
        });
      }
    } else if (kind) {
      const first = described.find((v) => v.kind === kind)?.name;
      known.add(typeof first === 'string' ? first : kind); // the volume a VM without one is on
    }
  });
  method.forEach((step, i) => {
    if (!isObject(step) || (step.fault !== 'fail-storage' && step.fault !== 'fail-storage-path') || typeof step.storage !== 'string') return;
    if (known.has(step.storage)) return;
    out.push({
      path: ['method', i, 'storage'],
      at: 'value',
      expected: known.size ? `a volume of the cluster (${[...known].join(', ')})` : 'a volume of the cluster (no VM is on any)',
      found: describeValue(step.storage),
      hint: hints(didYouMean(step.storage, [...known]), 'List the volume in cluster.storage, or use the one a VM storage kind implies (csv, smb).'),
    });
  });
  return out;
}

/** Where `to:` may send a VM besides a node: the policies a soak resolves per iteration (src/faults/live-migrate.ts). */
const MIGRATION_POLICIES = ['round-robin', 'random'];

/** A live migration names VMs of the cluster and sends them to one of its nodes, or by a policy. */
function liveMigrationFindings(data: Data, nodes: string[] | undefined, vmNames: string[]): Finding[] {
  const out: Finding[] = [];
  for (const [step, at] of methodSteps(data.method)) {
    if (!isObject(step) || step.fault !== 'live-migrate') continue;
    const named: [Segment[], string][] =
      typeof step.vm === 'string' ? [[[...at, 'vm'], step.vm]] : (strings(step.vm) ?? []).map((vm, j) => [[...at, 'vm', j], vm]);
    const first = new Map<string, Segment[]>();
    for (const [path, vm] of named) {
      const earlier = first.get(vm.toLowerCase());
      if (earlier) {
        out.push({
          path,
          at: 'value',
          expected: 'each VM once in the list (names are compared without case)',
          found: `${describeValue(vm)} again, already at ${pathText(earlier)}`,
          hint: 'Remove the repeat; the list is migrated in turn, one VM per iteration.',
        });
        continue;
      }
      first.set(vm.toLowerCase(), path);
      if (vm !== '' && !vmNames.includes(vm)) {
        out.push({
          path,
          at: 'value',
          expected: vmNames.length > 0 ? `one of the cluster's VMs (${vmNames.join(', ')})` : 'a VM of the cluster (cluster.vms lists none)',
          found: describeValue(vm),
          hint: hints(didYouMean(vm, vmNames), 'Use a VM listed in cluster.vms, or add it there.'),
        });
      }
    }
    if (nodes && typeof step.to === 'string' && step.to !== '' && !nodes.includes(step.to) && !MIGRATION_POLICIES.includes(step.to)) {
      out.push({
        path: [...at, 'to'],
        at: 'value',
        expected: `one of the cluster's nodes (${nodes.join(', ')}), round-robin or random`,
        found: describeValue(step.to),
        hint: hints(
          didYouMean(step.to, [...nodes, ...MIGRATION_POLICIES]),
          "round-robin: the next Up node after the VM's owner; random: a seeded pick among the other Up nodes.",
        ),
      });
    }
  }
  return out;
}

/**
 * A soak repeats the method a number of times (`iterations`) or for a while (`duration`): one or the other.
 * A `soak:` section says how; without either of them it would be silently ignored, so it is refused.
 */
function soakFindings(data: Data): Finding[] {
  const out: Finding[] = [];
  const given = (key: string): boolean => data[key] !== undefined && data[key] !== null;
  if (given('iterations') && given('duration')) {
    out.push({
      path: ['duration'],
      at: 'key',
      expected: 'iterations or duration, not both',
      found: `iterations: ${describeValue(data.iterations)} and duration: ${describeValue(data.duration)}`,
      hint: 'Keep one of them. To swap one for the other with --set, set the one from the file to null, e.g. --set iterations=null --set duration=8h.',
    });
  }
  if ('soak' in data && !given('iterations') && !given('duration')) {
    out.push({
      path: ['soak'],
      at: 'key',
      expected: 'a soak section only beside "iterations:" or "duration:" (how many times, or how long, to repeat the method)',
      found: 'neither',
      hint: 'Add "iterations: 1000" or "duration: 8h" at the top level, or remove the soak section.',
    });
  }
  // A soak by duration ends when the run's clock has moved that far: its method must move the clock. On the
  // simulator every fault but a live migration happens at one instant, so without a wait the soak would
  // repeat it at one instant for ever, writing trace until the disk is full.
  const method = methodSteps(data.method).map(([step]) => step);
  const takesTime = (step: unknown): boolean =>
    isObject(step) && ((typeof step.wait === 'string' && (tryParseDuration(step.wait) ?? 0) > 0) || (step.fault === 'live-migrate' && typeof step.to === 'string' && MIGRATION_POLICIES.includes(step.to)));
  if (given('duration') && !given('iterations') && method.length > 0 && !method.some(takesTime)) {
    out.push({
      path: ['duration'],
      at: 'key',
      expected: 'a method that moves the clock when the soak is by duration: a wait step, or a live migration to round-robin or random',
      found: 'neither: on the simulator the faults would happen at one instant, and the soak would repeat them at that instant for ever',
      hint: 'Add a step such as "- wait: 90s" (long enough to see what the fault does) to the method, or give "iterations: N" instead of duration.',
    });
  }
  for (const path of [['duration'], ['soak', 'migration-timeout']] as const) {
    const holder = path.length === 1 ? data : isObject(data.soak) ? data.soak : {};
    const text = holder[path[path.length - 1]!];
    if (typeof text === 'string' && tryParseDuration(text) === 0) {
      out.push({ path: [...path], at: 'value', expected: 'a duration longer than 0', found: describeValue(text), hint: '' });
    }
  }
  return out;
}

/** A poll interval a real cluster can keep and that leaves the simulator's clock moving (limits.ts says why). */
function observeFindings(data: Data): Finding[] {
  const observe = isObject(data.observe) ? data.observe : {};
  const text = observe.interval;
  const ms = typeof text === 'string' ? tryParseDuration(text) : undefined;
  if (ms === undefined || ms >= MIN_OBSERVE_INTERVAL_MS) return [];
  return [
    {
      path: ['observe', 'interval'],
      at: 'value',
      expected: `a poll interval of at least ${MIN_OBSERVE_INTERVAL_MS}ms`,
      found: describeValue(text),
      hint:
        `One poll of a real cluster takes 0.1 to 1 s, and on the simulator a shorter interval only fills the trace (at 0ms a wait polls at one instant for ever). ` +
        `Write ${MIN_OBSERVE_INTERVAL_MS}ms or more; the shipped experiments poll every 1s.`,
    },
  ];
}

/**
 * `cluster.hostMemoryGB` as a mapping names every node of the cluster, and only those; and the VMs each node owns
 * when the run starts fit in it (a host cannot run more than it has: the description would be wrong).
 */
function hostMemoryFindings(memory: unknown, nodes: string[], vms: unknown[]): Finding[] {
  const out: Finding[] = [];
  const capacity = (node: string): number | undefined =>
    typeof memory === 'number' ? memory : isObject(memory) && typeof memory[node] === 'number' ? (memory[node] as number) : undefined;
  for (const node of nodes) {
    const gb = capacity(node);
    if (gb === undefined) continue;
    const mine = vms.filter((vm): vm is Data => isObject(vm) && vm.owner === node);
    // memoryGB absent: the build's default (4 GB)
    const used = mine.reduce((sum, vm) => sum + (typeof vm.memoryGB === 'number' ? vm.memoryGB : 4), 0);
    if (used > gb) {
      out.push({
        path: typeof memory === 'number' ? ['cluster', 'hostMemoryGB'] : ['cluster', 'hostMemoryGB', node],
        at: 'value',
        expected: `at least the memory of the VMs ${node} owns when the run starts (${used} GB: ${mine.map((vm) => String(vm.name)).join(', ')})`,
        found: `${gb} GB`,
        hint: `A host cannot run more VM memory than it has: raise ${node}'s figure, or give some of its VMs another owner or less memoryGB.`,
      });
    }
  }
  if (!isObject(memory)) return out;
  for (const node of Object.keys(memory)) if (!nodes.includes(node)) out.push({ ...notANode(['cluster', 'hostMemoryGB', node], node, nodes), at: 'key' });
  const missing = nodes.filter((node) => !(node in memory));
  if (missing.length) {
    out.push({
      path: ['cluster', 'hostMemoryGB'],
      at: 'value',
      expected: `the memory of every node (${nodes.join(', ')})`,
      found: `no figure for ${missing.join(', ')}`,
      hint: `Add ${missing.map((n) => `${n}: <GB>`).join(', ')}, or give one number for every host.`,
    });
  }
  return out;
}

/**
 * cluster.networks: names once each, each place in the live-migration order once, at least one network for the
 * cluster's own traffic (a cluster must keep one [NET-ROLE]); isolate-network's `network:` names one of them, or a
 * Role (src/trace/networks.ts).
 */
function networkFindings(cluster: Data, method: unknown): Finding[] {
  const out: Finding[] = [];
  const listed = Array.isArray(cluster.networks) ? cluster.networks.map((n) => (isObject(n) ? n : {})) : undefined;
  const names = (listed ?? []).map((n) => (typeof n.name === 'string' ? n.name : undefined));
  out.push(...duplicates(names, ['cluster', 'networks'], 'network', 'name'));
  const orders = new Map<number, number>();
  (listed ?? []).forEach((n, i) => {
    if (typeof n.liveMigration !== 'number') return;
    const earlier = orders.get(n.liveMigration);
    if (earlier === undefined) orders.set(n.liveMigration, i);
    else {
      out.push({
        path: ['cluster', 'networks', i, 'liveMigration'],
        at: 'value',
        expected: `a place in the live-migration order not taken (cluster.networks[${earlier}] is ${n.liveMigration} already)`,
        found: String(n.liveMigration),
        hint: 'Number the live-migration networks 1, 2, 3… in the order the cluster tries them.',
      });
    }
  });
  if (listed?.length && listed.every((n) => n.role === 'None')) {
    out.push({
      path: ['cluster', 'networks'],
      at: 'value',
      expected: 'at least one network with role ClusterOnly or ClusterAndClient (the cluster needs one for its heartbeats)',
      found: `${listed.length} network${listed.length === 1 ? '' : 's'} of role None`,
      hint: 'Give the network that carries heartbeats role ClusterOnly (or ClusterAndClient if clients use it too).',
    });
  }
  const known = listed?.length ? [...new Set(names.filter((n): n is string => n !== undefined))] : ['Cluster Network 1'];
  const roles = listed?.length ? listed.map((n) => n.role).filter((r): r is string => typeof r === 'string' && (NETWORK_ROLES as readonly string[]).includes(r)) : ['ClusterAndClient'];
  for (const [step, at] of methodSteps(method)) {
    if (!isObject(step) || step.fault !== 'isolate-network' || typeof step.network !== 'string') continue;
    if (known.includes(step.network) || roles.includes(step.network)) continue;
    out.push({
      path: [...at, 'network'],
      at: 'value',
      expected: `a cluster network (${known.join(', ')}) or a role one of them has (${[...new Set(roles)].join(', ')})`,
      found: describeValue(step.network),
      hint: hints(
        didYouMean(step.network, [...known, ...roles]),
        listed?.length ? 'Name a network of cluster.networks, or a role to cut every network of it.' : 'Describe the networks in cluster.networks, or leave network: out to cut every cluster network.',
      ),
    });
  }
  return out;
}

/**
 * Every step of the method with its path: the method's own steps (`method[2]`) and those in the branches of
 * its `parallel:` blocks (`method[1].parallel[0]`, `method[1].parallel[1][0]`), in the order written.
 */
export function methodSteps(method: unknown): [unknown, Segment[]][] {
  if (!Array.isArray(method)) return [];
  const out: [unknown, Segment[]][] = [];
  method.forEach((step, i) => {
    if (!isObject(step) || !Array.isArray(step.parallel)) {
      out.push([step, ['method', i]]);
      return;
    }
    step.parallel.forEach((branch: unknown, b: number) => {
      if (Array.isArray(branch)) branch.forEach((s: unknown, j: number) => out.push([s, ['method', i, 'parallel', b, j]]));
      else out.push([branch, ['method', i, 'parallel', b]]);
    });
  });
  return out;
}

/** fail-witness on a cluster described without a witness (cluster.witness): there is none to lose. */
function witnessFindings(method: unknown, cluster: Data): Finding[] {
  if (isObject(cluster.witness) || !Array.isArray(method)) return [];
  const out: Finding[] = [];
  const visit = (step: unknown, path: Segment[]): void => {
    if (isObject(step) && Array.isArray(step.parallel)) {
      step.parallel.forEach((branch: unknown, b: number) => {
        if (Array.isArray(branch)) branch.forEach((s: unknown, j: number) => visit(s, [...path, 'parallel', b, j]));
        else visit(branch, [...path, 'parallel', b]);
      });
    } else if (isObject(step) && step.fault === 'fail-witness') {
      out.push({
        path,
        at: 'value',
        expected: 'a cluster with a quorum witness for fail-witness (cluster.witness)',
        found: 'no cluster.witness',
        hint: 'Describe the witness the cluster has, e.g. cluster.witness: { type: fileshare }, or remove the step (a cluster without a witness has none to lose).',
      });
    }
  };
  method.forEach((step, i) => visit(step, ['method', i]));
  return out;
}

function notANode(path: Segment[], name: string, nodes: string[]): Finding {
  return {
    path,
    at: 'value',
    expected: `one of the cluster's nodes (${nodes.join(', ')})`,
    found: describeValue(name),
    hint: hints(didYouMean(name, nodes), 'Use a node listed in cluster.nodes, or add it there.'),
  };
}

/** Steady-state probes: each named once (the console and the trace tell them apart by name), a `vm:` one of the cluster's. */
function probeFindings(data: Data, vmNames: string[]): Finding[] {
  const steady = isObject(data['steady-state']) ? data['steady-state'] : {};
  const probes = Array.isArray(steady.probes) ? steady.probes : [];
  const out = duplicates(
    probes.map((p) => (isObject(p) && typeof p.name === 'string' ? p.name : undefined)),
    ['steady-state', 'probes'],
    'probe',
    'name',
  );
  probes.forEach((p, i) => {
    if (!isObject(p) || typeof p.vm !== 'string' || vmNames.includes(p.vm)) return;
    out.push({
      path: ['steady-state', 'probes', i, 'vm'],
      at: 'value',
      expected: vmNames.length > 0 ? `one of the cluster's VMs (${vmNames.join(', ')})` : 'a VM of the cluster (cluster.vms lists none)',
      found: describeValue(p.vm),
      hint: hints(didYouMean(p.vm, vmNames), 'Use a VM listed in cluster.vms, or leave vm: out.'),
    });
  });
  return out;
}

/** Windows compares node and VM names without regard to case, so `N1` and `n1` are the same name. */
function duplicates(names: (string | undefined)[], list: Segment[], what: string, field?: string): Finding[] {
  const first = new Map<string, number>();
  const out: Finding[] = [];
  names.forEach((name, i) => {
    if (name === undefined) return;
    const key = name.toLowerCase();
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, i);
      return;
    }
    const at = (j: number): Segment[] => (field ? [...list, j, field] : [...list, j]);
    out.push({
      path: at(i),
      at: 'value',
      expected: `a ${what} name not used before in ${pathText(list)} (names are compared without case)`,
      found: `${describeValue(name)}, already at ${pathText(at(earlier))}`,
      hint: `Give each ${what} its own name.`,
    });
  });
  return out;
}
