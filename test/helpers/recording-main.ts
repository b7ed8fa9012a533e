/**
 * `clusterchaos` as bin/clusterchaos.js runs it (the same `main`, the same process: its exit code, its
 * stdout and stderr, Ctrl-C), with what a user cannot see written down for the tests (test/helpers/rehearse-cli.ts):
 * nothing here changes what the command does.
 *
 * CLUSTERCHAOS_TEST_RECORD=<file>: one JSON line per event, appended as it happens —
 *   {"type":"lab","lab":1}                                a rehearsal lab started (Lab.start)
 *   {"type":"op","op":"kill-clussvc","call":"Stop-ClusterChaosService -Cluster 'HVCLUSTER01' -Node 'N2'"}
 *                                                         a round trip handed to a PowerShell session
 *   {"type":"call","lab":1,"command":"Stop-Process",…}     every stand-in call the lab received (lab.calls()),
 *                                                         written when the lab closes
 * CLUSTERCHAOS_TEST_LAB=<json>: the lab differs from the experiment's cluster as a real one could
 *   ({"withoutVms":["ghost01"]}: the cluster has no such VM), plus any LabSettings (rehearsal/target.ts).
 */
import { appendFileSync } from 'node:fs';
import { Lab, type LabOptions } from '../../src/targets/powershell/rehearsal/lab.js';
import type { LabSettings } from '../../src/targets/powershell/rehearsal/target.js';
import { PowerShellSession, type ScriptRequest } from '../../src/targets/powershell/session.js';

export interface LabOverride extends Partial<LabSettings> {
  /** VMs of the experiment the lab's cluster does not have. */
  withoutVms?: string[];
}

const file = process.env.CLUSTERCHAOS_TEST_RECORD;
const record = (line: Record<string, unknown>): void => {
  if (file) appendFileSync(file, JSON.stringify(line) + '\n');
};
const { withoutVms = [], ...settings } = JSON.parse(process.env.CLUSTERCHAOS_TEST_LAB ?? '{}') as LabOverride;

const labs = new WeakMap<Lab, number>();
let started = 0;
const start = Lab.start.bind(Lab);
Lab.start = async (o: LabOptions): Promise<Lab> => {
  const missing = withoutVms.map((v) => v.toLowerCase());
  const cluster = { ...o.cluster, vms: o.cluster.vms.filter((vm) => !missing.includes(vm.name.toLowerCase())) };
  const lab = await start({ ...o, ...settings, cluster });
  labs.set(lab, ++started);
  record({ type: 'lab', lab: started });
  return lab;
};

const written = new WeakSet<Lab>();
const close = Lab.prototype.close;
Lab.prototype.close = async function (this: Lab): Promise<void> {
  if (!written.has(this)) {
    written.add(this);
    for (const call of this.calls()) record({ type: 'call', lab: labs.get(this), ...call });
  }
  return close.call(this);
};

const run = PowerShellSession.prototype.run;
PowerShellSession.prototype.run = function (this: PowerShellSession, request: ScriptRequest): Promise<string> {
  record({ type: 'op', op: request.op, call: request.script.split('\n')[1]?.trim() ?? '' });
  return run.call(this, request);
};

// as bin/clusterchaos.js
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});
const { main } = await import('../../src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
