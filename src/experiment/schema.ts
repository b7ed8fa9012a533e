/**
 * The experiment's JSON Schema, built from the catalogues: method steps are told apart by their `fault:`
 * name (each fault brings the schema of its parameters), settings are named properties with the catalogue's
 * range, taking a number, a duration in the setting's unit or a value's name (setting-values.ts makes them numbers). `additionalProperties: false` everywhere, so a typo is an error, not a silent default.
 *
 * The `x-…` keywords are annotations for error messages (see problems.ts), not validation:
 * `x-expected` what a value here must be, in words; `x-hint` what to do when it is wrong;
 * `x-keys` / `x-keys-hint` the same for an unknown key in a mapping; `x-missing` / `x-missing-hint` the
 * same for a mapping that lacks what tells it apart (a step with neither `fault:` nor `wait:`);
 * `x-key-hints` advice for particular unknown keys (what a Chaos Toolkit user might write);
 * `x-unit` the unit of a setting, to suggest a plain number when a duration was written.
 */
import type { SchemaObject } from 'ajv';
import { describeSetting, takesDuration, type FaultCatalogue, type SettingsCatalogueEntry } from './catalogues.js';
import { DURATION_EXAMPLES, DURATION_HINT } from './duration.js';
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_TITLE_LENGTH, NAME_PATTERN } from './text.js';
import { VM_VERSIONS_RUN_BY, WINDOWS_SERVER_RELEASES } from './types.js';

export const ANNOTATION_KEYWORDS = ['x-expected', 'x-hint', 'x-keys', 'x-keys-hint', 'x-missing', 'x-missing-hint', 'x-key-hints', 'x-unit'];

/** What a Chaos Toolkit user may write, and where it goes here. */
const CHAOS_TOOLKIT_KEYS: Record<string, string> = {
  'steady-state-hypothesis': 'Did you mean "steady-state"? It holds a timeout and your probes (steady-state: { timeout: 2m, probes: [...] }); every node Up and every VM Running is always checked.',
  rollbacks: 'Faults revert themselves: each registers its revert before it injects, and reverts run on every exit path.',
  tags: 'Put it in the description.',
  contributions: 'Put it in the description.',
  configuration: 'Put cluster properties and model settings under "settings:".',
};

const UINT32_MAX = 0xffffffff;

/**
 * Names of the cluster, its nodes and VMs: liberal (real clusters hold odd names); refused are only empty or
 * overlong names and the characters text.ts lists (control characters C0 and C1, bidirectional controls,
 * line separators, invisible characters). textFindings() names the character and its position.
 */
const name = (what: string, expected = `a ${what} name`): SchemaObject => ({
  type: 'string',
  pattern: NAME_PATTERN,
  maxLength: MAX_NAME_LENGTH,
  'x-expected': `${expected} (text, not empty, at most ${MAX_NAME_LENGTH} characters, without control characters)`,
});

/** The hosts' Windows Server as an experiment names it: a release, or 2012R2+ for "Windows Server 2012 R2 or later". */
export const HOST_VERSIONS = ['2008R2', '2012R2+', ...WINDOWS_SERVER_RELEASES] as const;

export const HOST_VERSION_HINT =
  '2008R2: at most 10 pre-copy passes and one live migration at a time per host (--target powershell refuses it). ' +
  '2012R2+, 2016, 2019, 2022, 2025: 5 pre-copy passes and concurrent migrations, the same for every release since 2012 R2 as far as the sources go; --target powershell drives 2016 and later. ' +
  `A release runs only the VM configuration versions it supports (${WINDOWS_SERVER_RELEASES.map((r) => `${r}: ${VM_VERSIONS_RUN_BY[r].join('–')}`).join(', ')}): a VM of another version is refused.`;

/** The most VMs a failover cluster holds (Windows Server 2016 and later: 8,000 a cluster, 1,024 a node). */
const MAX_CLUSTER_VMS = 8000;
/** The most virtual disks a VM takes: 4 SCSI controllers of 64 disks, and 2 IDE controllers of 2 (generation 1). */
const MAX_VM_DISKS = 4 * 64 + 2 * 2;
/** The most memory Hyper-V gives one VM: 240 TB on Windows Server 2025 (12 TB on 2016 to 2022). */
const MAX_VM_MEMORY_GB = 240 * 1024;
/** The most memory a Hyper-V host supports: 4 PB on Windows Server 2025 (24 TB on 2016 to 2022). */
const MAX_HOST_MEMORY_GB = 4 * 1024 * 1024;
/** More MiB a second than any host's memory bandwidth (DDR5: ~50 GB/s a channel, a dozen channels). */
const MAX_DIRTY_MBPS = 1024 * 1024;

const duration = (): SchemaObject => ({
  type: 'string',
  format: 'duration',
  'x-expected': DURATION_EXAMPLES,
  'x-hint': DURATION_HINT,
});

const range = (example: string): SchemaObject => ({
  type: 'array',
  items: duration(),
  minItems: 2,
  maxItems: 2,
  'x-expected': `a [min, max] pair of durations, e.g. ${example}`,
});

/** An optional mapping; written with nothing under it, it is the same as left out. */
const section = (name: string, properties: Record<string, SchemaObject>, expected: string): SchemaObject => ({
  type: ['object', 'null'],
  properties,
  additionalProperties: false,
  'x-expected': expected,
  'x-keys': `one of the keys of ${name} (${Object.keys(properties).join(', ')})`,
});

const TRANSPORT_HINT =
  'TCPIP: one TCP connection; Compression: the same with idle CPU compressing memory; SMB: SMB 3 over every NIC (Multichannel); SMBDirect: SMB over RDMA-capable NICs.';

/** One virtual disk of a VM (Get-VMHardDiskDrive + Get-VHD). */
function disk(): SchemaObject {
  const d = section(
    'a disk',
    {
      type: { enum: ['dynamic', 'fixed'], 'x-expected': 'dynamic or fixed', 'x-hint': 'dynamic = a dynamically expanding VHD(X); fixed = a fixed-size one.' },
      controller: { enum: ['scsi', 'ide'], 'x-expected': 'scsi or ide', 'x-hint': 'The virtual controller the disk is attached to.' },
      writes: { type: 'boolean', 'x-expected': 'true or false (whether the guest writes to the disk)' },
    },
    'a disk such as { type: dynamic, controller: scsi, writes: true }',
  );
  d.type = 'object';
  d.required = ['type', 'controller'];
  return d;
}

/** One shared volume of the cluster: a CSV or an SMB share, by name (cluster.storage). */
function volume(): SchemaObject {
  const v = section(
    'a volume',
    {
      name: name('volume', "the volume's name: a CSV's (Volume1) or a share's UNC path (\\\\fs01\\vms)"),
      kind: {
        enum: ['csv', 'smb'],
        'x-expected': 'csv or smb',
        'x-hint': 'csv = a Cluster Shared Volume over block storage (iSCSI, FC, SAS); smb = an SMB 3 share (a file server or Scale-Out File Server).',
      },
      address: {
        type: ['array', 'null'],
        items: { type: 'string', minLength: 1, maxLength: 255, 'x-expected': 'an IP address or host name, e.g. 10.0.5.10' },
        maxItems: 16,
        'x-expected': 'a list of the addresses its storage traffic goes to, e.g. [10.0.5.10] (the iSCSI target portals, the file server)',
        'x-hint': 'Used by the PowerShell target to block that traffic on a node (fail-storage, fail-storage-path).',
      },
    },
    "a volume such as { name: CSV1, kind: csv } or { name: '\\\\fs01\\vms', kind: smb }",
  );
  v.type = 'object';
  v.required = ['name', 'kind'];
  return v;
}

/** A cluster network (Get-ClusterNetwork): its name, Role and place in the live-migration preference order. */
function clusterNetwork(): SchemaObject {
  const n = section(
    'a cluster network',
    {
      name: name('network', 'the cluster network\'s name as Get-ClusterNetwork shows it, e.g. LM or "Cluster Network 1"'),
      role: {
        enum: ['ClusterAndClient', 'ClusterOnly', 'None'],
        'x-expected': 'ClusterAndClient, ClusterOnly or None',
        'x-hint': "Get-ClusterNetwork .Role: ClusterAndClient (3) carries cluster traffic and clients, ClusterOnly (1) cluster traffic only (heartbeats, CSV), None (0) nothing of the cluster's.",
      },
      liveMigration: {
        type: 'integer',
        minimum: 1,
        maximum: 64,
        'x-expected': 'its place in the live-migration preference order: 1 for the network tried first, 2 for the next…',
        'x-hint': 'Live migrations set their connection up over the first network of this order that works; a network without it is not used for live migration.',
      },
    },
    'a cluster network such as { name: LM, role: ClusterOnly, liveMigration: 1 }',
  );
  n.type = 'object';
  n.required = ['name', 'role'];
  return n;
}

/** The hosts' live-migration network and transport (Set-VMHost, the NICs behind the live-migration networks). */
function liveMigrationSchema(): SchemaObject {
  return section(
    'cluster.liveMigration',
    {
      transport: { enum: ['TCPIP', 'Compression', 'SMB', 'SMBDirect'], 'x-expected': 'TCPIP, Compression, SMB or SMBDirect', 'x-hint': TRANSPORT_HINT },
      nics: { type: 'integer', minimum: 1, maximum: 16, 'x-expected': 'a whole number of NICs per host from 1 to 16' },
      nicGbps: { type: 'number', exclusiveMinimum: 0, maximum: 800, 'x-expected': 'the speed of each NIC in Gbps, greater than 0 (1, 10, 25…)' },
      teaming: { type: 'boolean', 'x-expected': 'true or false (the NICs are teamed)' },
      jumboFrames: { type: 'boolean', 'x-expected': 'true or false (jumbo frames on the live-migration network)' },
      powerProfile: {
        enum: ['balanced', 'high-performance', 'c-states-disabled'],
        'x-expected': 'balanced, high-performance or c-states-disabled',
        'x-hint': "The hosts' power setting: balanced (the power-saving default), high-performance, or high performance with C-states and C1E disabled in the BIOS.",
      },
    },
    'a mapping such as { transport: Compression, nics: 1, nicGbps: 10 }',
  );
}

/** The quorum witness (Get-ClusterQuorum): absent, the cluster has none (node majority) [MS-QUORUM]. */
function witnessSchema(): SchemaObject {
  const w = section(
    'cluster.witness',
    {
      type: {
        enum: ['disk', 'fileshare', 'cloud'],
        'x-expected': 'disk, fileshare or cloud',
        'x-hint': 'disk = a disk witness (a clustered disk); fileshare = a file share witness (an SMB share on another server); cloud = a cloud witness (an Azure storage account).',
      },
    },
    'a mapping such as { type: fileshare } (leave cluster.witness out when the cluster has no witness)',
  );
  w.type = 'object';
  w.required = ['type'];
  return w;
}

function clusterSchema(): SchemaObject {
  const vm = section(
    'a VM',
    {
      name: name('VM'),
      owner: name('node', 'the name of the node that owns the VM when the run starts'),
      storage: {
        enum: ['smb', 'csv-block'],
        'x-expected': 'smb or csv-block',
        'x-hint': 'smb = file storage (SMB 3 / Scale-Out File Server); csv-block = a VHDX on a Cluster Shared Volume over block storage.',
      },
      memoryGB: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: MAX_VM_MEMORY_GB,
        'x-expected': `a number of GB greater than 0 and at most ${MAX_VM_MEMORY_GB} (240 TB, the most Hyper-V gives a VM)`,
      },
      resiliencyPeriod: {
        type: 'integer',
        minimum: 0,
        maximum: UINT32_MAX,
        'x-expected': `an integer number of seconds from 0 to ${UINT32_MAX} (0, the group default, means none of its own: the cluster's ResiliencyDefaultPeriod applies)`,
        'x-unit': 's',
      },
      version: {
        type: 'string',
        pattern: '^[0-9]+\\.[0-9]+$',
        'x-expected': 'a VM configuration version such as "8.0" (Get-VM .Version), in quotes',
      },
      dirtyMBps: {
        type: 'number',
        minimum: 0,
        maximum: MAX_DIRTY_MBPS,
        'x-expected': `a number of MiB the VM writes to its memory per second, from 0 to ${MAX_DIRTY_MBPS}`,
        'x-hint': 'How busy the VM is: it decides how many pre-copy passes a live migration needs.',
      },
      workingSetGB: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: MAX_VM_MEMORY_GB,
        'x-expected': 'a number of GB greater than 0 and at most the VM\'s memoryGB',
        'x-hint': 'The part of its memory the VM keeps rewriting: no pre-copy pass finds more than this dirty. Absent: a quarter of memoryGB.',
      },
      disks: {
        type: ['array', 'null'],
        items: disk(),
        maxItems: MAX_VM_DISKS,
        'x-expected': `a list of at most ${MAX_VM_DISKS} virtual disks, each such as { type: dynamic, controller: scsi, writes: true }`,
      },
      priority: {
        enum: ['High', 'Medium', 'Low', 'NoAutoStart'],
        'x-expected': 'High, Medium, Low or NoAutoStart',
        'x-hint':
          "The group's Priority (Get-ClusterGroup .Priority: 3000, 2000, 1000, 0). Higher-priority VMs are placed and started first when several fail over or a node drains; NoAutoStart VMs are not restarted by a failover. Absent: Medium, the cluster's default.",
      },
      preferredOwners: {
        type: ['array', 'null'],
        items: name('node', 'the name of a node of the cluster'),
        maxItems: 64,
        'x-expected': 'a list of node names in order of preference, e.g. [N2, N3] (Get-ClusterOwnerNode -Group)',
        'x-hint': 'A failover goes to the next of these after the failed node, then to the other nodes; a drain moves the VM to the first of these that can take it.',
      },
      antiAffinityClassNames: {
        type: ['array', 'null'],
        items: { type: 'string', minLength: 1, maxLength: 256, 'x-expected': 'a class name such as sql (any text)' },
        maxItems: 64,
        'x-expected': 'a list of class names, e.g. [sql-cluster]',
        'x-hint': 'VMs sharing a class name are kept on different nodes where possible (AntiAffinityClassNames); they share one only when no other node can take them.',
      },
      volume: name('volume', 'the name of a volume listed in cluster.storage, of the kind the VM\'s storage is on'),
      automaticCriticalErrorAction: {
        enum: ['Pause', 'None'],
        'x-expected': 'Pause or None',
        'x-hint': 'Set-VM -AutomaticCriticalErrorAction: Pause (the default) freezes the VM in PausedCritical when its storage fails; None does not.',
      },
      automaticCriticalErrorActionTimeout: {
        type: 'integer',
        minimum: 0,
        maximum: 1_000_000,
        'x-expected': 'a whole number of minutes, e.g. 30 (the default)',
        'x-unit': 'min',
        'x-hint': 'Set-VM -AutomaticCriticalErrorActionTimeout: how many minutes the VM stays PausedCritical before Hyper-V powers it off.',
      },
    },
    'a VM such as { name: web01, owner: N1, storage: smb }',
  );
  vm.type = 'object';
  vm.required = ['name', 'owner', 'storage'];
  const cluster = section(
    'cluster',
    {
      name: name('cluster'),
      nodes: {
        type: 'array',
        items: name('node'),
        minItems: 1,
        maxItems: 64,
        'x-expected': 'a list of 1 to 64 node names, e.g. [N1, N2, N3, N4]',
      },
      vms: {
        type: ['array', 'null'],
        items: vm,
        maxItems: MAX_CLUSTER_VMS,
        'x-expected': `a list of at most ${MAX_CLUSTER_VMS} VMs (the most a cluster holds), each such as { name: web01, owner: N1, storage: smb }`,
      },
      hostVersion: {
        // `hostVersion: 2016` reads as a number in YAML: both spellings are the release
        enum: [...HOST_VERSIONS, ...WINDOWS_SERVER_RELEASES.map(Number)],
        default: '2012R2+',
        'x-expected': `the hosts' Windows Server: ${HOST_VERSIONS.join(', ')}`,
        'x-hint': HOST_VERSION_HINT,
      },
      idleCpuCores: {
        type: 'integer',
        minimum: 0,
        maximum: 1024,
        'x-expected': 'a whole number of idle CPU cores per host, from 0 to 1024',
        'x-hint': 'Compression needs idle cores; without them it falls back to TCP/IP.',
      },
      liveMigration: liveMigrationSchema(),
      storage: {
        type: ['array', 'null'],
        items: volume(),
        maxItems: 1024,
        'x-expected': "a list of volumes, each such as { name: CSV1, kind: csv } or { name: '\\\\fs01\\vms', kind: smb }",
        'x-hint': "The CSVs and SMB shares the VMs are on; a VM names its own with volume:. Without it each storage kind implies one volume, named 'csv' or 'smb'.",
      },
      witness: witnessSchema(),
      networks: {
        type: ['array', 'null'],
        items: clusterNetwork(),
        maxItems: 64,
        'x-expected': 'a list of cluster networks, each such as { name: LM, role: ClusterOnly, liveMigration: 1 }',
        'x-hint': 'The networks Get-ClusterNetwork shows. Without it the cluster has one network that carries heartbeats and live migrations alike.',
      },
      dynamicQuorum: {
        type: 'boolean',
        'x-expected': 'true or false (the DynamicQuorum cluster property; default true)',
        'x-hint': 'true: the cluster adjusts the votes as nodes leave one at a time and may run down to its last node [MS-QUORUM]; false: a fixed majority of every vote.',
      },
      hostMemoryGB: {
        type: ['number', 'object'],
        exclusiveMinimum: 0,
        maximum: MAX_HOST_MEMORY_GB,
        additionalProperties: { type: 'number', exclusiveMinimum: 0, maximum: MAX_HOST_MEMORY_GB, 'x-expected': `a number of GB greater than 0 and at most ${MAX_HOST_MEMORY_GB}` },
        'x-expected': `memory each host has for VMs, in GB: one number for every host (e.g. 256) or a mapping node → GB (e.g. { N1: 256, N2: 128 }), each greater than 0 and at most ${MAX_HOST_MEMORY_GB}`,
        'x-hint': "What the host leaves for VMs (Get-VMHost MemoryCapacity less the host's own reserve). A VM is placed only where its memoryGB fits; a drain that cannot place a VM fails. Absent: memory is not a limit.",
      },
    },
    'a mapping with the cluster name, its nodes and its VMs',
  );
  cluster.type = 'object';
  cluster.required = ['nodes'];
  return cluster;
}

function settingsSchema(settings: readonly SettingsCatalogueEntry[]): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const s of settings) {
    const names = Object.keys(s.names ?? {});
    const p: SchemaObject = {
      // a duration (`4m`) or a value's name (`AlwaysIsolate`) is text; the loader turns it into the number
      type: takesDuration(s) || names.length > 0 ? ['integer', 'string'] : 'integer',
      minimum: s.min,
      maximum: s.max,
      title: `${s.name}: ${KIND_WORDS[s.kind]}; ${UNIT_NAMES[s.unit] ?? s.unit}`,
      description: s.description.replace(/\.?$/, '.'),
      'x-expected': describeSetting(s),
      'x-unit': s.unit,
    };
    if (takesDuration(s)) p.format = 'duration';
    if (s.default !== undefined) p.default = s.default;
    if (s.values && s.values.length > 0) {
      p.enum = [...s.values, ...names];
      p['x-hint'] = `${s.name}: ${s.description.replace(/\.?$/, '.')}`;
    }
    properties[s.name] = p;
  }
  return {
    type: ['object', 'null'],
    properties,
    additionalProperties: false,
    'x-expected': 'a mapping of setting names to values, e.g. ResiliencyDefaultPeriod: 4m or ResiliencyLevel: AlwaysIsolate',
    'x-keys': 'a setting from the catalogue',
    'x-keys-hint': "Run 'clusterchaos list settings'.",
  };
}

/** What kind of setting it is, in words, for hover text. */
const KIND_WORDS: Record<string, string> = {
  cluster: 'a cluster property (Get-Cluster), set for the run',
  model: "the models' own assumption (no cluster property)",
  simulator: 'how the simulated cluster behaves (never sent to a real cluster)',
};

/** The unit of a setting, in words, for hover text. */
const UNIT_NAMES: Record<string, string> = {
  s: 'in seconds, or a duration such as 4m',
  ms: 'in milliseconds, or a duration such as 1s',
  count: 'a count',
  level: 'a level',
};

/** A fault step: `fault: <name>` and the fault's own parameters beside it. */
function faultStepSchema(name: string, params: Record<string, unknown>): SchemaObject {
  const { $schema: _s, $id: _i, ...rest } = params;
  const paramProps = (rest.properties ?? {}) as Record<string, SchemaObject>;
  const names = Object.keys(paramProps);
  return {
    ...rest,
    type: 'object',
    properties: {
      fault: {},
      ...paramProps,
      'on-failure': {
        enum: ['stop', 'continue'],
        'x-expected': 'stop or continue',
        'x-hint': 'on-failure: stop ends the method if this step does not complete ok (as Cluster-Aware Updating stops when a node cannot be drained); the reverts still run. Default: continue.',
      },
    },
    additionalProperties: rest.additionalProperties ?? false,
    'x-keys': names.length > 0 ? `a parameter of ${name} (${names.join(', ')}) or on-failure` : `on-failure (${name} takes no parameters)`,
    'x-keys-hint': "Run 'clusterchaos list faults'.",
  };
}

/**
 * An item of the method: a step, or a `parallel:` block whose branches run at once. A branch is one step or a
 * list of steps run in order (`- [ { wait: 20s }, { fault: kill-clussvc, node: N2 } ]`: a kill 20 s into a
 * drain). Blocks do not nest: a block inside a branch is refused, saying how to write it instead.
 */
function methodItemSchema(faults: FaultCatalogue): SchemaObject {
  const step = stepSchema(faults);
  const nested: SchemaObject = {
    not: {},
    'x-expected': 'a step ("fault: <name>" or "wait: <duration>") in a branch of a parallel block: parallel blocks do not nest',
    'x-hint': 'Give each concurrent thing a branch of the outer block: a branch is one step, or a list of steps run in order.',
  };
  const inner: SchemaObject = { if: { type: 'object', required: ['parallel'] }, then: nested, else: step };
  return {
    if: { type: 'object', required: ['parallel'] },
    then: {
      type: 'object',
      properties: {
        parallel: {
          type: 'array',
          minItems: 2,
          items: {
            if: { type: 'array' },
            then: {
              type: 'array',
              minItems: 1,
              items: inner,
              'x-expected': 'a branch: a list of at least one step, run in order',
            },
            else: inner,
          },
          'x-expected': 'a list of at least two branches, each a step or a list of steps, such as [{ fault: drain-node, node: N2 }, [{ wait: 20s }, { fault: kill-clussvc, node: N2 }]]',
          'x-hint': 'Branches run at once; a step after the block starts when its longest branch has ended.',
        },
      },
      additionalProperties: false,
      'x-keys': 'only "parallel" in a parallel block',
      'x-keys-hint': 'Put each step of the block under "parallel:", as a branch of its own or in a branch\'s list.',
    },
    else: step,
  };
}

function stepSchema(faults: FaultCatalogue): SchemaObject {
  const names = [...faults.keys()];
  return {
    type: 'object',
    'x-expected': 'a step: "fault: <name>" with its parameters, or "wait: <duration>"',
    if: { required: ['wait'] },
    then: {
      properties: { wait: duration() },
      additionalProperties: false,
      'x-keys': 'only "wait" in a wait step',
      'x-keys-hint': 'Put a fault in a step of its own.',
    },
    else: {
      required: ['fault'],
      properties: {
        fault: {
          enum: names,
          'x-expected': `one of the catalogue's faults (${names.join(', ')})`,
          'x-hint': "Run 'clusterchaos list faults'.",
        },
      },
      'x-missing': 'a step: "fault: <name>" with its parameters, or "wait: <duration>"',
      'x-missing-hint': 'Start the step with "- fault: <name>" or "- wait: <duration>".',
      allOf: [...faults].map(([name, f]) => ({
        if: { properties: { fault: { const: name } }, required: ['fault'] },
        then: faultStepSchema(name, f.params),
      })),
    },
  };
}

function simulatorSchema(): SchemaObject {
  const s = section(
    'simulator',
    {
      scmRestartDelay: duration(),
      vmStart: range('[5s, 20s]'),
      vmIoInterval: range('[100ms, 2s]'),
      hostBoot: range('[1m, 2m]'),
      liveMigrationJitter: {
        type: 'number',
        minimum: 0,
        exclusiveMaximum: 1,
        'x-expected': 'a fraction from 0 up to (not including) 1, e.g. 0.1',
        'x-hint': 'Each live migration takes the timing model\'s duration times a factor drawn from [1 - jitter, 1 + jitter]; 0 = exactly the model.',
      },
      rdmaSetupPerGB: {
        ...duration(),
        'x-hint': "SMB Direct's set-up per GB of the VM's memory (registering it with the RDMA NICs); our assumption, 50ms when absent.",
      },
    },
    'a mapping with the simulator timings (scmRestartDelay, vmStart, vmIoInterval, hostBoot, liveMigrationJitter, rdmaSetupPerGB)',
  );
  s['x-key-hints'] = {
    liveMigration:
      "simulator.liveMigration (a [min, max] range) was replaced by simulator.liveMigrationJitter (a fraction such as 0.1): live migrations now take what the timing model computes from each VM's memoryGB and dirtyMBps and cluster.liveMigration.",
  };
  return s;
}

/** The kinds of steady-state probe, each a mapping under its own key (src/engine/probes.ts runs them). */
const PROBE_KINDS = ['http', 'tcp', 'powershell'] as const;

/**
 * A steady-state probe (`steady-state.probes`): a name, one of http:, tcp: or powershell:, and optionally the
 * VM that serves what it checks (the simulator answers such a probe from that VM's state).
 */
function probeSchema(): SchemaObject {
  const timeout = (fallback: string): SchemaObject => ({ ...duration(), 'x-hint': `How long the probe may take before it counts as failed; ${fallback} when absent.` });
  const kind = (key: string, properties: Record<string, SchemaObject>, required: string[], example: string): SchemaObject => ({
    type: 'object',
    properties,
    required,
    additionalProperties: false,
    'x-expected': `a mapping such as ${example}`,
    'x-keys': `one of the keys of ${key} (${Object.keys(properties).join(', ')})`,
  });
  const onlyOne: SchemaObject = {
    not: {},
    'x-expected': 'one of http:, tcp: or powershell: in a probe, not two',
    'x-hint': 'Give each check a probe of its own, with its own name.',
  };
  const status: SchemaObject = { type: 'integer', minimum: 100, maximum: 599, 'x-expected': 'an HTTP status code, a whole number from 100 to 599' };
  return {
    type: 'object',
    required: ['name'],
    properties: {
      name: name('probe', 'what the probe checks, e.g. "web01 answers"'),
      vm: {
        ...name('VM', 'the VM that serves what the probe checks'),
        'x-hint': 'On the simulator (no network) the probe is answered by this VM: ok while it is Running on an Up node.',
      },
      http: kind(
        'http',
        {
          url: {
            type: 'string',
            pattern: '^https?://[^\\s/?#]+[^\\s]*$',
            'x-expected': 'an http:// or https:// URL without spaces, such as http://web01.lab.local/health',
          },
          status: {
            anyOf: [status, { type: 'array', items: status, minItems: 1, uniqueItems: true }],
            'x-expected': 'an HTTP status code such as 200, or a list of them such as [200, 204]',
            'x-hint': 'Any 2xx status is ok when absent.',
          },
          contains: { type: 'string', minLength: 1, 'x-expected': 'text the response body must contain, not empty' },
          timeout: timeout('5s'),
        },
        ['url'],
        '{ url: "http://web01.lab.local/health", status: 200, timeout: 5s }',
      ),
      tcp: kind(
        'tcp',
        {
          host: name('host', 'a host name or IP address'),
          port: { type: 'integer', minimum: 1, maximum: 65535, 'x-expected': 'a TCP port, a whole number from 1 to 65535' },
          timeout: timeout('3s'),
        },
        ['host', 'port'],
        '{ host: sql01.lab.local, port: 1433, timeout: 3s }',
      ),
      powershell: kind(
        'powershell',
        {
          script: {
            type: 'string',
            minLength: 1,
            'x-expected': 'a PowerShell script, not empty, such as "(Get-Service VSS).Status -ne \'Running\'"',
            'x-hint': 'It runs in PowerShell on the management host: ok when it ends without an error and its last output, if any, is true.',
          },
          timeout: timeout('30s'),
        },
        ['script'],
        '{ script: "Test-Path \\\\fs01\\vms", timeout: 30s }',
      ),
    },
    additionalProperties: false,
    'x-expected': 'a probe: "name: <what it checks>" with one of http:, tcp: or powershell:',
    'x-keys': `one of the keys of a probe (name, vm, ${PROBE_KINDS.join(', ')})`,
    'x-key-hints': {
      provider: 'Write the probe\'s kind as a key of its own: http: { url: ... }, tcp: { host: ..., port: ... } or powershell: { script: ... }.',
      tolerance: 'Write what counts as ok in the probe: http: { status: 200 }; a PowerShell probe is ok when its last output is true.',
      type: 'Every probe is a probe here: write its kind as a key, http:, tcp: or powershell:.',
      ping: 'There is no ping probe: tcp: { host: ..., port: ... } checks that something listens, powershell: { script: "Test-Connection web01 -Count 1 -Quiet" } that a host answers ICMP.',
    },
    allOf: [
      // at least one kind: without it the probe checks nothing
      {
        if: { not: { anyOf: PROBE_KINDS.map((k) => ({ required: [k] })) } },
        then: {
          required: ['http'],
          'x-missing': 'a probe with one of http:, tcp: or powershell:',
          'x-missing-hint': 'Add, e.g., http: { url: "http://web01.lab.local/health" }, tcp: { host: sql01, port: 1433 } or powershell: { script: "..." }.',
        },
      },
      // at most one: a probe says one thing that is ok or not
      { if: { required: ['http'] }, then: { properties: { tcp: onlyOne, powershell: onlyOne } } },
      { if: { required: ['tcp'] }, then: { properties: { powershell: onlyOne } } },
    ],
  };
}

/** How a soak runs: what stops it, what counts as an anomaly, how long a migration may take. */
function soakSchema(): SchemaObject {
  return section(
    'soak',
    {
      'stop-on': {
        enum: ['first-anomaly', 'never'],
        'x-expected': 'first-anomaly or never',
        'x-hint': 'first-anomaly stops the soak with the evidence kept; never keeps going and counts the anomalies.',
      },
      'anomaly-events': {
        type: 'array',
        items: { type: 'integer', minimum: 0, maximum: 65535, 'x-expected': 'an event ID, a whole number from 0 to 65535' },
        uniqueItems: true,
        'x-expected': 'a list of event IDs, e.g. [18590, 20417, 21502, 21111]',
      },
      'migration-timeout': duration(),
    },
    'a mapping such as { stop-on: first-anomaly, migration-timeout: 10m }',
  );
}

export function experimentSchema(settings: readonly SettingsCatalogueEntry[], faults: FaultCatalogue): SchemaObject {
  const properties: Record<string, SchemaObject> = {
    title: {
      type: 'string',
      minLength: 1,
      pattern: NAME_PATTERN,
      maxLength: MAX_TITLE_LENGTH,
      'x-expected': `a one-line title (text, not empty, at most ${MAX_TITLE_LENGTH} characters)`,
    },
    description: {
      type: ['string', 'null'],
      maxLength: MAX_DESCRIPTION_LENGTH,
      'x-expected': `text saying what the experiment does and what should happen, at most ${MAX_DESCRIPTION_LENGTH.toLocaleString('en-US')} characters`,
    },
    seed: {
      type: 'integer',
      minimum: 0,
      maximum: UINT32_MAX,
      'x-expected': `an integer seed from 0 to ${UINT32_MAX}`,
    },
    cluster: clusterSchema(),
    simulator: simulatorSchema(),
    settings: settingsSchema(settings),
    'steady-state': section(
      'steady-state',
      {
        timeout: duration(),
        'down-after': {
          type: 'array',
          items: name('node'),
          uniqueItems: true,
          'x-expected': 'a list of nodes expected to stay down after the method, such as [N2]',
        },
        probes: {
          type: ['array', 'null'],
          items: probeSchema(),
          'x-expected': 'a list of probes, each "- name: <what it checks>" with one of http:, tcp: or powershell:',
        },
      },
      'a mapping such as { timeout: 120s, probes: [...] }',
    ),
    method: {
      type: 'array',
      items: methodItemSchema(faults),
      minItems: 1,
      'x-expected': 'a list of at least one step, each "- fault: <name>" with its parameters, "- wait: <duration>" or "- parallel: [...]"',
    },
    // a soak: the method again and again, a number of times or for a while
    iterations: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: UINT32_MAX,
      'x-expected': 'a whole number of times to run the method, 1 or more (a soak)',
    },
    duration: { ...duration(), type: ['string', 'null'], 'x-expected': `how long to keep running the method (a soak): ${DURATION_EXAMPLES}` },
    soak: soakSchema(),
    observe: section('observe', { interval: duration() }, 'a mapping such as { interval: 1s }'),
    check: section('check', { tolerance: duration() }, 'a mapping such as { tolerance: 2s }'),
    // how `clusterchaos accept` paces the runs it generates; `clusterchaos run` does not use it
    acceptance: section(
      'acceptance',
      {
        settle: duration(),
        'after-kill': duration(),
        'after-move': duration(),
        'upgrade-to': {
          enum: [...WINDOWS_SERVER_RELEASES, ...WINDOWS_SERVER_RELEASES.map(Number)],
          'x-expected': `the Windows Server the nodes will run after the upgrade: ${WINDOWS_SERVER_RELEASES.join(', ')}`,
        },
      },
      'a mapping such as { settle: 30s, after-kill: 90s, after-move: 5s, upgrade-to: 2022 }',
    ),
  };
  return {
    type: 'object',
    properties,
    required: ['title', 'cluster', 'method'],
    additionalProperties: false,
    'x-expected': 'a mapping with title, cluster, method and the other sections of an experiment',
    'x-keys': `one of the experiment's sections (${Object.keys(properties).join(', ')})`,
    'x-key-hints': CHAOS_TOOLKIT_KEYS,
  };
}
