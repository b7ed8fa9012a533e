/**
 * The lab's tests' own fixture: a three-node WS2022 cluster (HVCLUSTER01: N1, N2, N3; web01 and sql01 on
 * N2, app01 on N1), a Lab on it, and requests POSTed as the stand-ins send them, each inside a round trip
 * of its process (as the PowerShell target makes them).
 */
import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, type LabOptions } from '../../src/targets/powershell/rehearsal/lab.js';
import type { LabAnswer, LabRequest } from '../../src/targets/powershell/rehearsal/call.js';
import type { ClusterDescription } from '../../src/trace/records.js';

export const cluster: ClusterDescription = {
  name: 'HVCLUSTER01',
  nodes: ['N1', 'N2', 'N3'],
  vms: [
    { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 },
    { name: 'sql01', owner: 'N2', storage: 'csv-block', memoryGB: 16 },
    { name: 'app01', owner: 'N1', storage: 'smb', memoryGB: 8 },
  ],
  // SMB Direct over 2×25 GbE: a lab VM moves in a few seconds
  liveMigration: { transport: 'SMBDirect', nics: 2, nicGbps: 25, teaming: false, jumboFrames: true, powerProfile: 'high-performance' },
};

export const simulator = {
  scmRestartDelayMs: 60_000,
  vmStartMs: [5_000, 15_000] as [number, number],
  vmIoIntervalMs: [200, 2_000] as [number, number],
  liveMigrationJitter: 0.1,
};

/** PowerShell 7: on PATH or ~/.dotnet/tools (undefined when neither has it). */
export function pwsh7(): string | undefined {
  const tools = join(homedir(), '.dotnet', 'tools', 'pwsh');
  if (existsSync(tools)) return tools;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'pwsh'))) return join(dir, 'pwsh');
  return undefined;
}

/** A test module standing in for the stand-ins in task processes: the context, and one function that calls the lab. */
export const TASK_MODULE = join(import.meta.dirname, 'fixtures', 'lab-task', 'LabTask.psm1');

export function startLab(o: Partial<LabOptions> = {}): Promise<Lab> {
  return Lab.start({ cluster, simulator, seed: 1, pwsh: pwsh7() ?? 'pwsh', standIns: TASK_MODULE, ...o });
}

/** POST one request as a stand-in would (no round trip of its own: see `call`). */
export async function post(lab: Lab, request: Partial<LabRequest> & { command: string }): Promise<LabAnswer> {
  const body: LabRequest = { process: 'main', node: null, compat: false, parameters: {}, ...request };
  const res = await fetch(`${lab.url}/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`the lab answered HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as LabAnswer;
}

/** One stand-in call inside a round trip of its process: the driver waits, the process runs. */
export function call(lab: Lab, request: Partial<LabRequest> & { command: string }): Promise<LabAnswer> {
  return lab.roundTrip(request.process ?? 'main', () => post(lab, request));
}

/** A call on a node. */
export function onNode(lab: Lab, node: string, command: string, parameters: Record<string, unknown> = {}, process = 'main'): Promise<LabAnswer> {
  return call(lab, { process, node, command, parameters });
}

/** A call on the management host. */
export function onHost(lab: Lab, command: string, parameters: Record<string, unknown> = {}, process = 'main'): Promise<LabAnswer> {
  return call(lab, { process, command, parameters });
}

/** The answer's output, failing loudly on a terminating error. */
export function out<T = Record<string, unknown>>(answer: LabAnswer): T[] {
  if (answer.terminating) throw new Error(`terminating error: ${answer.terminating.message} (${answer.terminating.id})`);
  return answer.output as T[];
}

/** Real time passing, for tests about what the lab does meanwhile. */
export const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
