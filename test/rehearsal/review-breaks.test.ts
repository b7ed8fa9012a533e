import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { checkFitsCluster, consent, labPropertiesOf } from '../../src/cli/powershell.js';
import { runExperiment } from '../../src/run/run-experiment.js';
import { UsageError } from '../../src/cli/out-dir.js';
import { loadExperiment } from '../../src/experiment/load.js';
import type { Experiment } from '../../src/experiment/types.js';
import { faults } from '../../src/faults/catalogue.js';
import { createRehearsalTarget, STAND_INS, type LabSettings, type RehearsalTarget } from '../../src/targets/powershell/rehearsal/target.js';
import { PowerShellSession } from '../../src/targets/powershell/session.js';
import { psValue } from '../../src/targets/powershell/scripts.js';
import { cli, ROOT } from '../helpers/cli.js';
import { pwsh } from '../helpers/pwsh.js';

/**
 * The review's five breaking defects (../shared/reference/powershell-review.md, B1–B5), each shown in real
 * PowerShell against the rehearsal lab twice: with the scripts as they were at commit de1d6e9
 * (test/rehearsal/fixtures/de1d6e9, rendered from that commit's scripts.ts and session set-up), where the
 * defect shows, and through today's ClusterChaos module, where it does not.
 */
const OLD = join(ROOT, 'test/rehearsal/fixtures/de1d6e9');
const old = (name: string): string => readFileSync(join(OLD, name), 'utf8');
const log = pino({ level: 'silent' });

/** The compute-resiliency experiment's cluster (four nodes, SMB and CSV VMs), as every test here uses it. */
function flagship(sets: string[] = []): Experiment {
  return loadExperiment(join(ROOT, 'experiments/compute-resiliency.yaml'), { settings: settingDefinitions, faults, sets });
}

/** A rehearsal target on a new lab, and a second session on the same lab set up as at de1d6e9 (the stand-ins first). */
async function rehearsal(lab: LabSettings = {}, experiment = flagship()): Promise<{ target: RehearsalTarget; oldShell: PowerShellSession; runOld: (script: string) => Promise<string> }> {
  const target = await createRehearsalTarget({ experiment, defects: [], runTag: 'clusterchaos-review', log, lab });
  const oldShell = new PowerShellSession({
    executable: pwsh(),
    childEnv: target.lab.env('side'),
    setupScript: `Import-Module -Name ${psValue(STAND_INS)} -Global -ErrorAction Stop\n${old('session-setup.ps1')}`,
    log,
    env: {},
  });
  // pwsh's terminal-mode escapes (ESC [?1h …) are not part of any answer; de1d6e9's fake never printed them
  const runOld = async (script: string): Promise<string> => stripEscapes(await target.lab.roundTrip('side', () => oldShell.run({ op: 'old', script })));
  return { target, oldShell, runOld };
}

describe('the review breaks (B1–B5): the scripts of de1d6e9 against the rehearsal lab, and the module', function () {
  this.timeout(300_000);

  describe('B1: under pwsh, FailoverClusters comes through WinCompat (a warning first, objects one level deep, setters on copies)', () => {
    let r: Awaited<ReturnType<typeof rehearsal>>;
    before(async () => {
      r = await rehearsal({ edition: 'core' });
    });
    after(async () => {
      await r.oldShell.close();
      await r.target.close();
    });

    it("de1d6e9's poll: every group's OwnerNode.Name is empty in the copy, so it asks Get-VM of a computer named '' and fails", async () => {
      const error = await r.runOld(old('poll.ps1')).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      // real Invoke-Command refuses an empty -ComputerName before anything is sent
      expect(error?.message).to.match(/Cannot validate argument on parameter 'ComputerName'\. The argument is null, empty/);
    });

    it("de1d6e9's get-settings: ResiliencyLevel comes back as the name of a deserialized enum, which [long] cannot read", async () => {
      const error = await r.runOld(old('get-settings.ps1')).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).to.match(/Cannot convert value "AlwaysIsolate" to type "System\.Int64"/);
    });

    it("the module's poll: every VM on its owner, read where the objects are live", async () => {
      const poll = await r.target.poll();
      for (const vm of r.target.describe().vms) expect(poll.vms[vm.name]?.OwnerNode, vm.name).to.equal(vm.owner);
    });

    it("de1d6e9's set-settings: the property is set on a copy, the cluster keeps its value, and nothing says so", async () => {
      const before = r.target.lab.sim.properties.get('ResiliencyDefaultPeriod');
      await r.runOld(old('set-settings.ps1')); // ResiliencyDefaultPeriod = 60
      expect(before).to.not.equal(60);
      expect(r.target.lab.sim.properties.get('ResiliencyDefaultPeriod')).to.equal(before);
    });

    it("the module's set-settings: set on the live object and read back", async () => {
      await r.target.setSettings({ ResiliencyDefaultPeriod: 60 });
      expect(r.target.lab.sim.properties.get('ResiliencyDefaultPeriod')).to.equal(60);
      expect((await r.target.getSettings()).ResiliencyDefaultPeriod).to.equal(60);
    });
  });

  describe('B2: Get-WinEvent -FilterHashtable @{StartTime = <UTC>} reads the time as the node\'s local time', () => {
    for (const zone of [
      { timeZone: 'Pacific/Honolulu', west: true, name: 'west of UTC (UTC−10): events after the start are missed' },
      { timeZone: 'Asia/Tokyo', west: false, name: 'east of UTC (UTC+9): events before the start come back' },
    ]) {
      it(`${zone.name}; the module's XPath filter in UTC gets exactly the events after the start`, async () => {
        const r = await rehearsal({ timeZone: zone.timeZone });
        try {
          const target = r.target;
          await target.connect();
          let since: string;
          if (zone.west) {
            since = new Date(target.epochMs()).toISOString();
            await target.killClusterService('N2');
            await target.sleep(15_000);
          } else {
            // the crash and everything it set off (rejoin by 00:18) before the start
            await target.killClusterService('N2');
            await target.sleep(60_000);
            since = new Date(target.epochMs()).toISOString();
            await target.sleep(1_000);
          }
          const script = old('events.ps1').replace(/^\$since = '.*'$/m, `$since = '${since}'`);
          const oldJson = (await r.runOld(script)).trim(); // de1d6e9 printed nothing for no events
          const oldRecords = oldJson === '' ? [] : ([] as unknown[]).concat(JSON.parse(oldJson) as unknown[]);
          const fromModule = await target.eventsSince(Date.parse(since));
          if (zone.west) {
            expect(oldRecords, 'de1d6e9 saw none of them').to.have.length(0);
            expect(fromModule.map((e) => e.id)).to.include.members([7031, 1135]);
          } else {
            expect(oldRecords.length, 'de1d6e9 returned the crash from before the start').to.be.greaterThan(0);
            expect(fromModule, 'nothing happened after the start').to.have.length(0);
          }
        } finally {
          await r.oldShell.close();
          await r.target.close();
        }
      });
    }
  });

  describe('B3: a warning on stdout corrupts the answer', () => {
    it("de1d6e9's start-clussvc prints Start-Service's waiting warnings before `{}`, so a revert that worked read as unknown; the module's answer is framed", async () => {
      const r = await rehearsal({ serviceStartMs: 5_000 });
      try {
        await r.target.connect();
        await r.target.killClusterService('N2');
        const out = await r.runOld(old('start-clussvc.ps1'));
        expect(out).to.match(/WARNING: Waiting for service 'Cluster Service \(clussvc\)' to start/i);
        expect(() => JSON.parse(out), 'what de1d6e9 parsed').to.throw();
        expect(r.target.lab.sim.service('N2')?.running).to.equal(true);

        await r.target.killClusterService('N2');
        await r.target.startClusterService('N2'); // resolves: the answer was read despite the warnings
        expect(r.target.lab.sim.service('N2')?.running).to.equal(true);
      } finally {
        await r.oldShell.close();
        await r.target.close();
      }
    });
  });

  describe('B4: a cluster the scripts cannot drive is refused before anything runs', () => {
    it('the 2008 R2 soak is refused from the file, naming the line of hostVersion, with no PowerShell started', () => {
      const allow = join(mkdtempSync(join(tmpdir(), 'clusterchaos-b4-')), 'allow.yaml');
      const r = cli(['run', 'experiments/live-migration-soak.yaml', '--target', 'powershell', '--rehearse', '--allowlist', writeAllowlist(allow, 'HVCLUSTER2008')]);
      expect(r.code).to.equal(2);
      const line = readFileSync(join(ROOT, 'experiments/live-migration-soak.yaml'), 'utf8').split('\n').findIndex((l) => /^\s*hostVersion:/.test(l)) + 1;
      expect(r.stderr).to.include(`experiments/live-migration-soak.yaml:${line}: cluster.hostVersion is 2008R2`);
      expect(r.stderr).to.include('Windows Server 2016 and later');
      expect(r.stderr).to.not.include('PowerShell session started');
    });

    it('nodes that report a Windows build older than 2016 are refused at first contact, read-only', async () => {
      const experiment = flagship();
      const target = await createRehearsalTarget({ experiment, defects: [], runTag: 'clusterchaos-b4', log, lab: { build: 9600 } });
      try {
        const entry = consent(experiment, writeAllowlist(join(mkdtempSync(join(tmpdir(), 'clusterchaos-b4-')), 'allow.yaml'), 'HVCLUSTER01')).entry;
        const error = await checkFitsCluster(target, experiment, [experiment], { entry }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(UsageError);
        expect((error as Error).message).to.match(/N1 runs Windows 6\.3\.9600, older than Windows Server 2016/);
        expect(target.lab.calls().filter((c) => /^(Set-|Stop-|Start-|Move-|Suspend-|Resume-|New-NetFirewall|Register-)/.test(c.command))).to.deep.equal([]);
      } finally {
        await target.close();
      }
    });
  });

  describe('B5: settings only the simulator has, and a VM\'s own ResiliencyPeriod', () => {
    it("de1d6e9's get-settings asks a real cluster for MinimumResilientVmVersion and fails (under Windows PowerShell 5.1, where it gets that far)", async () => {
      const r = await rehearsal({ edition: 'desktop' });
      try {
        const error = await r.runOld(old('get-settings.ps1')).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error?.message).to.match(/the cluster has no property MinimumResilientVmVersion/);
      } finally {
        await r.oldShell.close();
        await r.target.close();
      }
    });

    it("per-vm-overrides rehearsed: web01's group gets ResiliencyPeriod 20 for the run and its own value back; the simulator's settings are never sent", async () => {
      const experiment = loadExperiment(join(ROOT, 'experiments/per-vm-overrides.yaml'), { settings: settingDefinitions, faults });
      const target = await createRehearsalTarget({ experiment, defects: [], runTag: 'clusterchaos-b5', log, settingNames: ['ResiliencyDefaultPeriod'], simulatorProperties: labPropertiesOf(experiment) });
      const lab = target.lab;
      const web01 = (): number | undefined => lab.sim.vms.find((v) => v.name === 'web01')!.resiliencyPeriod;
      const before = web01();
      await target.connect();
      const run = await runExperiment({ experiment, outDir: mkdtempSync(join(tmpdir(), 'clusterchaos-b5-')), defects: [], replay: '', log, target, runId: 'b5' });
      expect(run.result.verdict, run.result.reason).to.equal('pass');
      const sets = lab.calls().filter((c) => c.command === 'Set-ClusterObjectProperty').map((c) => `${String(c.parameters.Property)}=${String(c.parameters.Value)}`);
      expect(sets).to.include('ResiliencyPeriod=20');
      expect(sets.filter((s) => /MinimumResilientVmVersion|MaxQuarantinedPercent|QuarantineAtCap|MaximumVirtualMachineMigrations/.test(s))).to.deep.equal([]);
      expect(web01(), "web01's group has its own value back").to.equal(before);
    });
  });
});

/** Without the escape sequences a terminal-aware pwsh writes (keypad mode, colours). */
function stripEscapes(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

/** An allowlist with one entry for the cluster, every fault, two nodes impaired at most. */
function writeAllowlist(file: string, cluster: string): string {
  writeFileSync(file, `clusters:\n  - name: ${cluster}\n    faults: [kill-clussvc, stop-node, start-node, isolate-network, live-migrate, drain-node, resume-node]\n    max-impaired-nodes: 2\n`);
  return file;
}
