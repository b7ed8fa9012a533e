import * as scripts from '../../src/targets/powershell/scripts.js';
import { SESSION_SETUP_SCRIPT } from '../../src/targets/powershell/session.js';

/**
 * Every script the PowerShell target can send, built with sample values: the syntax gate reads them as
 * Windows PowerShell 5.1 would. THE one place to update when scripts.ts changes: add a builder here (the gate's
 * test fails, naming it, when an exported function of scripts.ts is neither sampled nor listed in
 * NOT_BUILDERS).
 *
 * The values include names that need quoting (a doubled quote), that travel as base64 (non-ASCII, a smart
 * quote) and that look like code, so every way a value reaches a script is exercised.
 */

const a = { cluster: 'HVCLUSTER01' };
const hostile = "N'2 $(Stop-Computer) `;"; // quoted as one verbatim literal
const nonAscii = 'wéb\u201901'; // (ConvertFrom-ClusterChaosBase64 '…')
const tag = 'clusterchaos-3f1c2d4e-0000-4000-8000-000000000001';

export interface SampleScript {
  /** `<builder>` or `<builder> (<variant>)`. */
  name: string;
  /** The builder it samples: an export of scripts.ts, or `session` for the set-up script. */
  builder: keyof typeof scripts | 'session';
  script: () => string;
}

export const SAMPLE_SCRIPTS: readonly SampleScript[] = [
  { name: 'session set-up', builder: 'session', script: () => SESSION_SETUP_SCRIPT },
  { name: 'connect', builder: 'connect', script: () => scripts.connect(a, ['N1', hostile, nonAscii]) },
  { name: 'poll', builder: 'poll', script: () => scripts.poll(a) },
  { name: 'poll (non-ASCII cluster)', builder: 'poll', script: () => scripts.poll({ cluster: nonAscii }) },
  { name: 'events', builder: 'events', script: () => scripts.events(a, ['N1', 'N2'], '2026-11-22T02:00:00.000Z') },
  { name: 'getSettings', builder: 'getSettings', script: () => scripts.getSettings(a, ['ResiliencyLevel', 'ResiliencyDefaultPeriod']) },
  { name: 'setSettings', builder: 'setSettings', script: () => scripts.setSettings(a, { ResiliencyDefaultPeriod: 60, QuarantineDuration: 300 }) },
  { name: 'getVmSettings', builder: 'getVmSettings', script: () => scripts.getVmSettings(a, ['web01', nonAscii]) },
  { name: 'setVmSettings', builder: 'setVmSettings', script: () => scripts.setVmSettings(a, hostile, 20) },
  { name: 'killClusterService', builder: 'killClusterService', script: () => scripts.killClusterService(a, 'N2') },
  { name: 'holdDownClusterService', builder: 'holdDownClusterService', script: () => scripts.holdDownClusterService(a, 'N2', 3_600_000) },
  { name: 'startClusterService', builder: 'startClusterService', script: () => scripts.startClusterService(a, 'N2') },
  { name: 'startClusterService (Manual)', builder: 'startClusterService', script: () => scripts.startClusterService(a, 'N2', { startType: 'Manual' }) },
  { name: 'stopClusterNode', builder: 'stopClusterNode', script: () => scripts.stopClusterNode(a, 'N2') },
  { name: 'startClusterNode', builder: 'startClusterNode', script: () => scripts.startClusterNode(a, 'N2') },
  { name: 'startClusterNode (clear quarantine)', builder: 'startClusterNode', script: () => scripts.startClusterNode(a, 'N2', { clearQuarantine: true }) },
  { name: 'isolateNetwork', builder: 'isolateNetwork', script: () => scripts.isolateNetwork(a, 'N2', { healAfterMs: 30_000, tag }) },
  { name: 'isolateNetwork (peers)', builder: 'isolateNetwork', script: () => scripts.isolateNetwork(a, 'N2', { peers: ['N1', nonAscii], healAfterMs: 30_000, tag }) },
  { name: 'restoreNetwork', builder: 'restoreNetwork', script: () => scripts.restoreNetwork(a, 'N2', tag) },
  { name: 'failWitness', builder: 'failWitness', script: () => scripts.failWitness(a, { healAfterMs: 60_000, tag }) },
  { name: 'restoreWitness', builder: 'restoreWitness', script: () => scripts.restoreWitness(a, tag) },
  {
    name: 'failStorage (one node, CSV)',
    builder: 'failStorage',
    script: () => scripts.failStorage(a, { nodes: ['N2'], storage: 'CSV1', addresses: ['10.0.5.10'], port: 3260, key: 'v1', healAfterMs: 60_000, tag }),
  },
  {
    name: 'failStorage (every node, share)',
    builder: 'failStorage',
    script: () => scripts.failStorage(a, { nodes: ['N1', nonAscii], storage: String.raw`\\fs01\vms`, addresses: ['10.0.5.20'], port: 445, key: 'v2', healAfterMs: 60_000, tag }),
  },
  { name: 'restoreStorage', builder: 'restoreStorage', script: () => scripts.restoreStorage(a, { nodes: ['N1', 'N2'], key: 'v1', tag }) },
  { name: 'liveMigrate', builder: 'liveMigrate', script: () => scripts.liveMigrate(a, 'web01', 'N3') },
  { name: 'liveMigrate (SMB)', builder: 'liveMigrate', script: () => scripts.liveMigrate(a, nonAscii, 'N3', { transport: 'SMB' }) },
  { name: 'cancelLiveMigration', builder: 'cancelLiveMigration', script: () => scripts.cancelLiveMigration(a, 'web01') },
  { name: 'suspendNode', builder: 'suspendNode', script: () => scripts.suspendNode(a, 'N2', { drain: false }) },
  { name: 'suspendNode (drain, Compression)', builder: 'suspendNode', script: () => scripts.suspendNode(a, 'N2', { drain: true, transport: 'Compression' }) },
  { name: 'resumeNode', builder: 'resumeNode', script: () => scripts.resumeNode(a, 'N2', { failback: false }) },
  {
    name: 'resumeNode (failback, VMs, timeout, SMBDirect)',
    builder: 'resumeNode',
    script: () => scripts.resumeNode(a, 'N2', { failback: true, vms: ['web01', nonAscii], timeoutMs: 600_000, transport: 'SMBDirect' }),
  },
  { name: 'residue', builder: 'residue', script: () => scripts.residue(a, { tag, settings: { ResiliencyDefaultPeriod: 240 } }) },
  { name: 'readConfiguration', builder: 'readConfiguration', script: () => scripts.readConfiguration(a) },
  {
    name: 'powerOffNode (Redfish, credential, no certificate check)',
    builder: 'powerOffNode',
    script: () => scripts.powerOffNode(a, hostile, { kind: 'redfish', system: 'https://bmc-n2.lab.local:8443/redfish/v1/Systems/System.Embedded.1', credential: 'LAB_BMC', skipCertificateCheck: true }),
  },
  { name: 'powerOffNode (outer Hyper-V host)', builder: 'powerOffNode', script: () => scripts.powerOffNode(a, 'N2', { kind: 'hyperv', host: 'OUTER01', vm: nonAscii }) },
  { name: 'powerOnNode (Redfish)', builder: 'powerOnNode', script: () => scripts.powerOnNode(a, 'N2', { kind: 'redfish', system: 'https://bmc-n2.lab.local/redfish/v1/Systems/1' }) },
  { name: 'powerOnNode (outer Hyper-V host, credential)', builder: 'powerOnNode', script: () => scripts.powerOnNode(a, 'N2', { kind: 'hyperv', host: 'OUTER01', vm: 'N2', credential: 'OUTER' }) },
  { name: 'powerState', builder: 'powerState', script: () => scripts.powerState(a, 'N2', { kind: 'hyperv', host: 'OUTER01', vm: 'N2' }) },
  { name: 'restartNode', builder: 'restartNode', script: () => scripts.restartNode(a, 'N2', 1_800_000) },
];

/** Functions scripts.ts exports that build no script. */
export const NOT_BUILDERS: readonly string[] = ['scriptOp', 'isMutatingScript', 'psValue', 'settingNamesRead', 'storageTarget'];

/** The exported functions of scripts.ts that are neither sampled nor in NOT_BUILDERS. */
export function unsampledBuilders(): string[] {
  const sampled = new Set<string>(SAMPLE_SCRIPTS.map((s) => s.builder));
  return Object.entries(scripts)
    .filter(([key, value]) => typeof value === 'function' && !sampled.has(key) && !NOT_BUILDERS.includes(key))
    .map(([key]) => key);
}
