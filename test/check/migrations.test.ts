import { expect } from 'chai';
import { resolveSettings } from '../../machines/settings.js';
import { MigrationChecker } from '../../src/check/migrations.js';
import { check, cluster, drain, liveMigrate, oneMigration, resume, rules, value } from './migration-trace.js';

/**
 * Live migrations against the live-migration model: for every rule a trace that passes and one that fails,
 * with the rule, the entity, the setting and a message a person reads without the trace.
 */
describe('checker: live migrations', () => {
  it('passes a migration that completes as the model says, and counts the model transitions it took', () => {
    const result = check(oneMigration());
    expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    expect(result.unknowns).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
    const taken = result.coverage.filter((c) => c.model === 'live-migration' && c.count > 0).map((c) => `${c.from} -${c.event}-> ${c.to}`);
    expect(taken).to.include.members([
      'Idle -migration.requested-> Queued',
      'Queued -migration.started-> Setup',
      'Setup -setup.done-> PreCopy',
      'PreCopy -pass.done-> PreCopy',
      'PreCopy -precopy.done-> Blackout',
      'Blackout -blackout.done-> Cleanup',
      'Cleanup -cleanup.done-> Completed',
    ]);
  });

  describe('migration-pass-limit', () => {
    it('passes 5 pre-copy passes on 2012 R2+ hosts and 10 on 2008 R2', () => {
      expect(check(oneMigration({}, { passMs: [3000, 900, 400, 200, 100] })).verdict).to.equal('pass');
      expect(check(oneMigration({}, { passMs: Array(10).fill(300) }, '2008R2')).verdict).to.equal('pass');
    });

    it('fails a sixth pass on 2012 R2+ hosts, on the VM, saying what the limit is and why', () => {
      const result = check(oneMigration({}, { passMs: [3000, 900, 400, 200, 100, 50] }));
      expect(rules(result)).to.deep.equal(['migration-pass-limit vm/web01']);
      const v = result.violations[0]!;
      expect(v.observed).to.equal('6 pre-copy passes');
      expect(v.expected).to.equal('at most 5 pre-copy passes');
      expect(v.message).to.equal(
        "web01's live migration N2 → N3 (live-migrate web01 to N3) made 6 memory pre-copy passes; on Windows Server 2012 R2 and later " +
          'hosts the model forces the switch-over (the blackout) after 5 [DIRMS], [SAVILL-499].',
      );
      expect(v.context.map((l) => JSON.parse(l.text).phase)).to.deep.equal(['invoke', 'ok']);
    });

    it('fails an eleventh pass on 2008 R2 hosts', () => {
      expect(rules(check(oneMigration({}, { passMs: Array(11).fill(300) }, '2008R2')))).to.deep.equal(['migration-pass-limit vm/web01']);
    });
  });

  describe('migration-blackout', () => {
    it('passes a blackout of a second', () => {
      expect(check(oneMigration({}, { blackoutMs: 1000 })).verdict).to.equal('pass');
    });

    it('fails a 63 s blackout, naming BlackoutWithin, and quotes the 20417 the cluster logged for it', () => {
      const b = oneMigration({}, { blackoutMs: 63_100 });
      const at = (b.records.at(-1)!.record as { t: number }).t;
      b.event(at + 1000, 'N3', 20417, "Live migration of 'web01' succeeded with an unexpectedly long blackout time of 63.1 seconds.").poll(at + 1000);
      const result = check(b);
      expect(rules(result)).to.deep.equal(['migration-blackout vm/web01']);
      const v = result.violations[0]!;
      expect(v.setting).to.deep.equal({ name: 'BlackoutWithin', value: 20, unit: 's' });
      expect(v.observed).to.equal('a blackout of 63.1 s');
      expect(v.message).to.match(/^web01 was paused for 63\.1 s while it switched over from N2 to N3 \(live-migrate web01 to N3, completed at 01:2\d\.\d\); /);
      expect(v.message).to.match(/BlackoutWithin = 20 s \(± 2\.0 s\), the TCP timeout after which its clients drop their connections\./);
      expect(v.message).to.match(/The cluster logged 20417 on N3: "Live migration of 'web01' succeeded with an unexpectedly long blackout time of 63\.1 seconds\."$/);
      expect(v.context.some((l) => l.text.includes('"id":20417'))).to.equal(true);
    });

    it('fails on event 20417 alone when the value does not tell the blackout (a real cluster)', () => {
      const b = cluster().polls(0, 10_000);
      liveMigrate(b, 10_000, value('web01', 'N2', 'N3', 10_000), { noValue: true });
      b.vm('web01', 'Running', { OwnerNode: 'N3' }).event(80_000, 'N3', 20417, "Live migration of 'web01' succeeded with an unexpectedly long blackout time of 63.1 seconds.");
      const result = check(b.polls(81_000, 83_000));
      expect(rules(result)).to.deep.equal(['migration-blackout vm/web01']);
      expect(result.violations[0]!.observed).to.equal('a blackout of 63.1 s (event 20417)');
      expect(result.violations[0]!.message).to.match(/^N3 logged event 20417 at 01:20\.0: "Live migration of 'web01' succeeded/);
    });
  });

  describe('migration-time', () => {
    it('passes a migration that took 5 minutes', () => {
      expect(check(oneMigration({}, { passMs: [290_000, 1000] })).verdict).to.equal('pass');
    });

    it('does not count the time a migration waited in the queue behind others (a drain of many VMs)', () => {
      expect(check(oneMigration({}, { queuedMs: 900_000, passMs: [290_000, 1000] })).verdict).to.equal('pass');
    });

    it('fails a migration that took 11 minutes, naming LiveMigrationWithin', () => {
      const result = check(oneMigration({}, { passMs: [650_000, 1000] }));
      expect(rules(result)).to.deep.equal(['migration-time vm/web01']);
      const v = result.violations[0]!;
      expect(v.setting).to.deep.equal({ name: 'LiveMigrationWithin', value: 600, unit: 's' });
      expect(v.message).to.equal(
        "web01's live migration N2 → N3 (live-migrate web01 to N3, requested at 00:10.0) did not complete within LiveMigrationWithin = 600 s: " +
          'it completed only after 654.9 s. The model counts a migration that takes longer as stalled.',
      );
    });

    const stalled = (cancelAfter: number) => {
      const b = cluster().polls(0, 10_000);
      const v = value('web01', 'N2', 'N3', 10_000, { passMs: [3000], failedIn: 'PreCopy', blackoutMs: undefined, cleanupMs: undefined, totalMs: cancelAfter });
      liveMigrate(b, 10_000, v, { phase: 'fail', error: `live migration of 'web01' to N3 did not complete within ${cancelAfter / 1000} s and was cancelled`, endAt: 10_000 + cancelAfter });
      return check(b.polls(10_000 + cancelAfter + 1000, 10_000 + cancelAfter + 3000));
    };

    it('fails a migration cancelled because it had not completed after 10 minutes (a stall)', () => {
      const result = stalled(600_000);
      expect(rules(result)).to.deep.equal(['migration-time vm/web01']);
      expect(result.violations[0]!.message).to.match(/did not complete within LiveMigrationWithin = 600 s: it was cancelled \(live migration of 'web01' to N3 did not complete within 600 s and was cancelled\)/);
    });

    it('says unknown, not pass, for a migration cancelled sooner: it might have completed in time', () => {
      const result = stalled(60_000);
      expect(result.verdict).to.equal('unknown');
      expect(result.unknowns).to.have.length(1);
      expect(result.unknowns[0]).to.match(/^web01's live migration to N3 \(live-migrate web01 to N3, requested at 00:10\.0\) did not complete: it was cancelled .*, 60\.0 s after it was requested, before LiveMigrationWithin = 600 s; whether it would have completed in time is unknown$/);
    });

    it('says unknown for a migration whose outcome is unknown (info), and for one the trace never completes', () => {
      const info = cluster().polls(0, 10_000);
      liveMigrate(info, 10_000, value('web01', 'N2', 'N3', 10_000), { phase: 'info', error: 'the session to N2 was lost', noValue: true });
      const r1 = check(info.polls(21_000, 23_000));
      expect(r1.verdict).to.equal('unknown');
      expect(r1.unknowns.join('\n')).to.match(/its outcome is unknown \(the session to N2 was lost\)/);

      const open = cluster().polls(0, 10_000).op(10_000, 'live-migrate', 'invoke', { vm: 'web01', to: 'N3' }, 'workload').polls(11_000, 20_000);
      const r2 = check(open);
      expect(r2.verdict).to.equal('unknown');
      expect(r2.unknowns.join('\n')).to.match(/it had not completed when the trace ended, 10\.0 s after it was requested/);
    });

    it('fails a migration the trace never completes once LiveMigrationWithin has passed', () => {
      const open = cluster().polls(0, 10_000).op(10_000, 'live-migrate', 'invoke', { vm: 'web01', to: 'N3' }, 'workload').polls(20_000, 700_000, 10_000);
      expect(rules(check(open))).to.deep.equal(['migration-time vm/web01']);
    });
  });

  describe('migration-failed', () => {
    const failed = (o: { crashTarget?: boolean } = {}) => {
      const b = cluster().polls(0, 10_000);
      let at = 10_000;
      if (o.crashTarget) {
        b.kill(10_000, 'N3').polls(11_000, 19_000).node('N3', 'Down', ['Isolated']).polls(20_000, 21_000);
        at = 21_000;
      }
      const v = value('web01', 'N2', 'N3', at, { failedIn: 'Setup', passMs: [], passes: 0, blackoutMs: undefined, cleanupMs: undefined, totalMs: 2100 });
      liveMigrate(b, at, v, { phase: 'fail', error: "failed to verify collection registry for virtual machine 'web01' (0x80070002)" });
      b.event(at + 2100, 'N2', 21502, "Live migration of 'Virtual Machine web01' failed.\n\nVirtual machine migration operation for 'web01' failed at migration source 'N2'.\n\nFailed to verify collection registry for virtual machine 'web01': The system cannot find the file specified. (0x80070002)");
      b.event(at + 2100, 'N2', 21111, "Live migration of 'web01' failed.");
      return check(b.polls(at + 3000, at + 5000));
    };

    it('fails a migration that failed while its source and target were Up, naming the error and the event', () => {
      const result = failed();
      expect(rules(result)).to.deep.equal(['migration-failed vm/web01']);
      const v = result.violations[0]!;
      expect(v.observed).to.equal('a failed live migration (in Setup)');
      expect(v.message).to.equal(
        "web01's live migration N2 → N3 (live-migrate web01 to N3) failed in Setup at 00:12.1 although N2 and N3 were both available (seen Up and Up): " +
          "in a healthy cluster a requested migration is expected to complete. Error: failed to verify collection registry for virtual machine 'web01' (0x80070002). " +
          "The cluster logged 21502 on N2: \"Failed to verify collection registry for virtual machine 'web01': The system cannot find the file specified. (0x80070002)\" " +
          'The cluster logged 21111 on N2: "Live migration of \'web01\' failed."',
      );
      expect(v.context.filter((l) => l.text.includes('"type":"event"'))).to.have.length(2);
    });

    it('passes a migration that failed because its target had lost membership, and leaves the VM on its source', () => {
      const result = failed({ crashTarget: true });
      expect(result.violations.map((v) => v.message)).to.deep.equal([]);
      expect(result.verdict).to.equal('pass');
    });

    it('fails a VM seen on the target after its migration failed (a failed migration leaves it on its source)', () => {
      const b = cluster().polls(0, 10_000);
      const v = value('web01', 'N2', 'N3', 10_000, { failedIn: 'Blackout', passMs: [3000], blackoutMs: undefined, cleanupMs: undefined, totalMs: 5500 });
      liveMigrate(b, 10_000, v, { phase: 'fail', error: 'the target N3 stopped responding' });
      b.node('N3', 'Down', ['Isolated']).polls(16_000, 17_000);
      const result = check(b.vm('web01', 'Running', { OwnerNode: 'N3' }).polls(18_000, 19_000));
      expect(rules(result)[0]).to.match(/^(clustered-vm vm\/web01|node-membership node\/N3)$/);
      const onTarget = result.violations.find((x) => x.rule === 'clustered-vm' && x.entity === 'vm/web01')!;
      expect(onTarget.expected).to.equal('Running on N2');
      expect(onTarget.message).to.match(/live-migrate web01 to N3 \(failed\); the model allowed Running on N2 then\. A VM changes owner only by failing over \(its node went Down\) or by a live migration that completed \(one that failed leaves it running on its source\)/);
    });
  });

  describe('migration-owner', () => {
    it('fails a VM still owned by its source after its migration completed', () => {
      const b = cluster().polls(0, 10_000);
      const v = value('web01', 'N2', 'N3', 10_000);
      liveMigrate(b, 10_000, v);
      const result = check(b.polls(18_000, 20_000));
      expect(rules(result)).to.deep.equal(['migration-owner vm/web01']);
      const x = result.violations[0]!;
      expect(x.expected).to.equal('owned by N3');
      expect(x.observed).to.equal('owned by N2');
      expect(x.message).to.equal(
        'web01 was observed owned by N2 at 00:18.0, 0.3 s after its live migration N2 → N3 (live-migrate web01 to N3) completed: a completed live ' +
          'migration moves the VM and its cluster group to the target, so N3 should own it.',
      );
      expect(x.context.at(-1)!.text).to.include('"entity":"vm/web01"');
    });
  });

  describe('guest-crash', () => {
    it('fails a guest crash on the VM, saying when it happened against its migration', () => {
      const b = oneMigration();
      b.event(19_000, 'N3', 18590, "'web01' has encountered a fatal error. The guest operating system reported that it failed with the following error codes: ErrorCode0: 0xD1.").poll(19_000);
      const result = check(b);
      expect(rules(result)).to.deep.equal(['guest-crash vm/web01']);
      expect(result.violations[0]!.message).to.equal(
        "web01's guest operating system crashed: N3 logged event 18590 at 00:19.0: \"'web01' has encountered a fatal error. The guest operating system " +
          'reported that it failed with the following error codes: ErrorCode0: 0xD1." It happened 1.4 s after its live migration N2 → N3 completed (live-migrate web01 to N3).',
      );
    });

    it('says a crash in the switch-over happened during the migration', () => {
      const b = oneMigration();
      b.event(17_000, 'N3', 18590, "'web01' has encountered a fatal error.").poll(19_000);
      expect(check(b).violations[0]!.message).to.match(/It happened during its live migration N2 → N3 \(live-migrate web01 to N3\), 0\.7 s before it completed\.$/);
    });
  });

  describe('migration-limit', () => {
    /** Drain N2: web01, sql01 and app01 move, starting at the given offsets, each running 7.65 s. */
    const drained = (starts: number[], settings: Record<string, number> = {}, targets = ['N1', 'N3', 'N1']) => {
      const b = cluster(settings).polls(0, 10_000);
      const moves = ['web01', 'sql01', 'app01'].map((vm, i) => value(vm, 'N2', targets[i]!, 10_000 + starts[i]!));
      const end = Math.max(...moves.map((m) => m.startedAt! + m.totalMs!));
      drain(b, 10_000, end, 'N2', moves);
      b.node('N2', 'Paused', ['DrainInProgress']);
      for (const [i, vm] of ['web01', 'sql01', 'app01'].entries()) b.vm(vm, 'Running', { OwnerNode: targets[i]! });
      return check(b.polls(Math.ceil(end / 1000) * 1000 + 1000, Math.ceil(end / 1000) * 1000 + 3000));
    };

    it('passes a drain that moves two VMs at a time, the third when a slot is free', () => {
      const result = drained([0, 0, 7650]);
      expect(result.violations.map((v) => v.message)).to.deep.equal([]);
      expect(result.verdict).to.equal('pass');
    });

    it('fails three migrations at once from one host, on the host, naming MaximumVirtualMachineMigrations', () => {
      const result = drained([0, 1000, 2000]);
      expect(rules(result)).to.deep.equal(['migration-limit node/N2']);
      const v = result.violations[0]!;
      expect(v.setting).to.deep.equal({ name: 'MaximumVirtualMachineMigrations', value: 2, unit: 'count' });
      expect(v.message).to.equal(
        'At 00:12.0 3 live migrations ran from or to N2 at once (web01 N2 → N1, sql01 N2 → N3, app01 N2 → N1); the host allows ' +
          'MaximumVirtualMachineMigrations = 2: the next one waits in the queue [LM-SETUP].',
      );
    });

    it('fails two migrations at once in the cluster when MaximumParallelMigrations is 1, on the cluster', () => {
      const result = drained([0, 1000, 9000], { MaximumParallelMigrations: 1 });
      expect(rules(result)).to.deep.equal(['migration-limit cluster']);
      expect(result.violations[0]!.setting).to.deep.equal({ name: 'MaximumParallelMigrations', value: 1, unit: 'count' });
    });

    it('catches an overlap whatever order the migrations are reported in', () => {
      const b = cluster().polls(0, 10_000);
      // a long migration reported last, overlapping two that each started while it ran
      liveMigrate(b, 10_000, value('sql01', 'N2', 'N3', 10_000, { passMs: [20_000] }), { process: 'w1', endAt: 33_650 });
      liveMigrate(b, 11_000, value('web01', 'N2', 'N1', 11_000), { process: 'w2' });
      liveMigrate(b, 12_000, value('app01', 'N2', 'N1', 12_000), { process: 'w3' });
      // reorder: completions of w2 and w3 come before w1's
      const recs = b.records;
      const w1ok = recs.findIndex((r) => r.record.type === 'op' && r.record.process === 'w1' && r.record.phase === 'ok');
      const [ok] = recs.splice(w1ok, 1);
      recs.push(ok!);
      const result = check(b);
      expect(result.violations.filter((v) => v.rule === 'migration-limit').map((v) => v.entity)).to.deep.equal(['node/N2']);
    });

    it('serialises migrations on 2008 R2 hosts: two at once from a host is one too many', () => {
      const b = cluster({}, '2008R2').polls(0, 10_000);
      const moves = [value('web01', 'N2', 'N1', 10_000), value('sql01', 'N2', 'N3', 10_000)];
      drain(b, 10_000, 17_650, 'N2', moves);
      b.node('N2', 'Paused').vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).vm('app01', 'Running', { OwnerNode: 'N1' });
      const moved = value('app01', 'N2', 'N1', 17_650);
      // app01 is the third VM on N2: it went after the others (its own move listed too)
      (b.records.at(-1)!.record as { value: { migrations: unknown[] } }).value.migrations.push(moved);
      const result = check(b.polls(27_000, 28_000));
      expect(rules(result)).to.include('migration-limit node/N2');
      expect(result.violations.find((v) => v.rule === 'migration-limit')!.message).to.match(/one at a time on 2008 R2 hosts/);
    });
  });

  describe('the clustered-VM and node models follow the operations', () => {
    it('passes a drain: the node Paused, its VMs moved by live migration; then a failback resume moves them back', () => {
      const b = cluster().polls(0, 10_000);
      const moves = [value('web01', 'N2', 'N1', 10_000), value('sql01', 'N2', 'N3', 10_000), value('app01', 'N2', 'N1', 17_650)];
      drain(b, 10_000, 25_300, 'N2', moves);
      b.node('N2', 'Paused').vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).vm('app01', 'Running', { OwnerNode: 'N1' });
      b.polls(26_000, 40_000);
      const back = [value('web01', 'N1', 'N2', 40_000), value('sql01', 'N3', 'N2', 40_000), value('app01', 'N1', 'N2', 47_650)];
      resume(b, 40_000, 55_300, 'N2', back);
      b.node('N2', 'Up').vm('web01', 'Running', { OwnerNode: 'N2' }).vm('sql01', 'Running', { OwnerNode: 'N2' }).vm('app01', 'Running', { OwnerNode: 'N2' });
      const result = check(b.polls(56_000, 60_000));
      expect(result.violations.map((v) => v.message)).to.deep.equal([]);
      expect(result.verdict).to.equal('pass');
      const taken = (model: string, from: string, to: string) => result.coverage.find((c) => c.model === model && c.from === from && c.to === to && c.count > 0);
      expect(taken('node-membership', 'Up', 'Paused')).to.not.equal(undefined);
      expect(taken('node-membership', 'Paused', 'Up')).to.not.equal(undefined);
      expect(taken('clustered-vm', 'Running', 'OnDrainingNode')).to.not.equal(undefined);
    });

    it('passes a drain reverted without failback: the node Up again, the VMs where they went', () => {
      const b = cluster().polls(0, 10_000);
      drain(b, 10_000, 17_650, 'N2', [value('web01', 'N2', 'N1', 10_000), value('sql01', 'N2', 'N3', 10_000), value('app01', 'N2', 'N3', 17_650)].slice(0, 3));
      b.node('N2', 'Paused').vm('web01', 'Running', { OwnerNode: 'N1' }).vm('sql01', 'Running', { OwnerNode: 'N3' }).vm('app01', 'Running', { OwnerNode: 'N3' });
      b.polls(26_000, 30_000);
      resume(b, 30_000, 30_200, 'N2', [], 'revert:drain-node');
      expect(check(b.node('N2', 'Up').polls(31_000, 33_000)).verdict).to.equal('pass');
    });

    it('fails a drain that takes a VM offline instead of live-migrating it', () => {
      const b = cluster().polls(0, 10_000);
      b.op(10_000, 'drain-node', 'invoke', { node: 'N2' }, 'nemesis');
      b.node('N2', 'Paused').vm('web01', 'Off', { GroupState: 'Offline' }).polls(11_000, 12_000);
      const result = check(b);
      expect(rules(result)[0]).to.equal('clustered-vm vm/web01');
    });

    it('passes a failed drain: the node stays Paused with the VM that could not move', () => {
      const b = cluster().polls(0, 10_000);
      const moves = [
        value('web01', 'N2', 'N1', 10_000),
        value('sql01', 'N2', 'N3', 10_000, { failedIn: 'Setup', passMs: [], blackoutMs: undefined, cleanupMs: undefined, totalMs: 2000 }),
        value('app01', 'N2', 'N1', 17_650),
      ];
      drain(b, 10_000, 25_300, 'N2', moves, 'fail', 'sql01 could not be moved: the target N3 is not Up');
      b.kill(10_500, 'N3');
      b.node('N2', 'Paused').node('N3', 'Down', ['Isolated']).vm('web01', 'Running', { OwnerNode: 'N1' }).vm('app01', 'Running', { OwnerNode: 'N1' });
      const result = check(b.polls(26_000, 28_000));
      expect(result.violations.map((v) => v.message)).to.deep.equal([]);
    });

    it('settles the VMs a failed drain never moved: they stay on the node, and the checker does not branch over them', () => {
      const b = cluster().polls(0, 10_000);
      // sql01's migration failed at once; web01 and app01 never left the queue (not in the value)
      const moves = [value('sql01', 'N2', 'N3', 10_000, { failedIn: 'Setup', passMs: [], blackoutMs: undefined, cleanupMs: undefined, totalMs: 2000 })];
      drain(b, 10_000, 12_000, 'N2', moves, 'fail', 'sql01 could not be moved');
      b.node('N2', 'Paused');
      const result = check(b.polls(13_000, 20_000));
      expect(rules(result)).to.deep.equal(['migration-failed vm/sql01']);
      expect(result.stats.maxWorlds).to.be.at.most(8);
      // web01 seen on another node afterwards is a move no run of the models explains
      const moved = cluster().polls(0, 10_000);
      drain(moved, 10_000, 12_000, 'N2', moves, 'fail', 'sql01 could not be moved');
      moved.node('N2', 'Paused').polls(13_000, 15_000).vm('web01', 'Running', { OwnerNode: 'N1' });
      expect(rules(check(moved.polls(16_000, 18_000)))).to.include('clustered-vm vm/web01');
    });

    it('keeps a VM whose live-migrate op is running in a state where it may change owner, never offline', () => {
      const b = cluster().polls(0, 10_000).op(10_000, 'live-migrate', 'invoke', { vm: 'web01', to: 'N3' }, 'workload');
      b.polls(11_000, 14_000).vm('web01', 'Running', { OwnerNode: 'N3' }).polls(15_000, 17_000);
      b.op(17_650, 'live-migrate', 'ok', { vm: 'web01', to: 'N3' }, 'workload').polls(18_000, 20_000);
      expect(check(b).verdict).to.equal('pass');
      const offline = cluster().polls(0, 10_000).op(10_000, 'live-migrate', 'invoke', { vm: 'web01', to: 'N3' }, 'workload');
      offline.vm('web01', 'Off', { GroupState: 'Offline' }).polls(11_000, 12_000);
      expect(rules(check(offline))[0]).to.equal('clustered-vm vm/web01');
    });
  });

  it('never fails on what a value does not tell (a real cluster reports phases only through its event log)', () => {
    const b = cluster().polls(0, 10_000);
    liveMigrate(b, 10_000, { vm: 'web01', source: 'N2', target: 'N3' } as never, { endAt: 19_000 });
    const result = check(b.vm('web01', 'Running', { OwnerNode: 'N3' }).polls(20_000, 22_000));
    expect(result.violations).to.deep.equal([]);
    expect(result.verdict).to.equal('pass');
  });

  it('holds no more between records after 2,000 migrations than after 20 (memory flat in trace length)', () => {
    const held = (n: number) => {
      const b = cluster().polls(0, 1000);
      let t = 2000;
      for (let i = 0; i < n; i++) {
        const [from, to] = i % 2 ? ['N3', 'N2'] : ['N2', 'N3'];
        const v = value('web01', from, to, t);
        liveMigrate(b, t, v, { process: `w${i % 3}` });
        t += v.totalMs! + 500;
        b.vm('web01', 'Running', { OwnerNode: to }).poll(t);
        t += 500;
      }
      const checker = new MigrationChecker(b.header, resolveSettings(b.header.settings));
      for (const r of b.records) checker.feed(r.record, r.text);
      expect(checker.count).to.equal(n);
      return checker.retained();
    };
    expect(held(2000)).to.equal(held(20));
  });
});
