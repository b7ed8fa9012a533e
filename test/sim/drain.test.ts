import { expect } from 'chai';
import type { SimTarget } from '../../src/targets/sim/index.js';
import type { VmDescription } from '../../src/trace/records.js';
import { liveMigrationDefaults } from '../../src/targets/sim/index.js';
import { planLiveMigration } from '../../src/targets/sim/lm-timing.js';
import { fastNetwork, lab, nodeNames, timeline, waitFor } from './lab.js';

/** The timing model's plan for a lab VM of `memoryGB` on the lab's network. */
const plan = (memoryGB: number, sharing = 1) =>
  planLiveMigration({ memoryGB, dirtyMBps: liveMigrationDefaults.dirtyMBps }, fastNetwork, { os: '2012R2+', idleCpuCores: liveMigrationDefaults.idleCpuCores }, { sharing });
/**
 * From the start of a migration to the end of its blackout (when ownership moves), each phase rounded as the
 * simulator does; `sharing`: migrations from or to the same host at its start, itself included.
 */
const switchOverMs = (memoryGB: number, sharing = 1) => {
  const p = plan(memoryGB, sharing);
  return Math.round(p.setupMs) + p.passes.reduce((sum, pass) => sum + Math.round(pass.ms), 0) + Math.round(p.blackoutMs);
};

/** N2 hosts five VMs; N1 hosts one. */
const fiveOnN2: VmDescription[] = [
  ...['a', 'b', 'c', 'd', 'e'].map((x, i) => ({ name: `vm-${x}`, owner: 'N2', storage: i % 2 ? ('csv-block' as const) : ('smb' as const), memoryGB: 4 })),
  { name: 'app01', owner: 'N1', storage: 'smb', memoryGB: 8 },
];

interface Move {
  vm: string;
  started: number;
  ended: number;
  to: string;
}

/** Stop N2 gracefully and record, for each of its VMs, when its migration started (1641) and when ownership moved. */
async function drainN2(target: SimTarget): Promise<Move[]> {
  await target.stopClusterNode('N2');
  const polls = await timeline(target, 60_000, 10);
  const starts = (await target.collectEvents()).filter((e) => e.id === 1641);
  return starts.map((e) => {
    const vm = e.message.match(/role '([^']+)'/)![1];
    const moved = polls.find((p) => p.vms[vm].OwnerNode !== 'N2')!;
    return { vm, started: e.t, ended: moved.t, to: moved.vms[vm].OwnerNode };
  });
}

describe('sim: draining a node by live migration', () => {
  it('moves every VM of the node, in the order of the cluster description', async () => {
    const moves = await drainN2(lab({ vms: fiveOnN2 }));
    expect(moves.map((m) => m.vm)).to.deep.equal(['vm-a', 'vm-b', 'vm-c', 'vm-d', 'vm-e']);
  });

  it('runs at most two live migrations at a time from the source (MaximumVirtualMachineMigrations)', async () => {
    // No jitter: each migration's cleanup takes exactly the model's 2 s after its VM changed owner.
    const moves = await drainN2(lab({ vms: fiveOnN2, liveMigrationJitter: 0 }));
    const cleanupMs = plan(4).cleanupMs;
    expect(moves[0].started).to.equal(0);
    expect(moves[1].started).to.equal(0);
    for (const m of moves) {
      // `ended` is the first poll (every 10 ms) after the owner changed; the slot is free once cleanup is over
      const overlapping = moves.filter((o) => o.started <= m.started && o.ended + cleanupMs - 10 > m.started);
      expect(overlapping.length, `${m.vm} at ${m.started}`).to.be.at.most(2);
    }
    // each later migration starts as an earlier one ends
    for (const m of moves.slice(2)) expect(moves.some((o) => Math.abs(o.ended + cleanupMs - m.started) <= 10)).to.equal(true);
  });

  it('takes what the timing model says for each migration, times a jitter factor drawn per migration', async () => {
    const moves = await drainN2(lab({ vms: fiveOnN2, liveMigrationJitter: 0.1 }));
    // the first two start together and share N2's links; later ones may start alone or beside another
    const [alone, shared] = [switchOverMs(4, 1), switchOverMs(4, 2)];
    expect(shared).to.be.above(alone);
    for (const m of moves.slice(0, 2)) expect(m.ended - m.started).to.be.within(Math.floor(shared * 0.9), Math.ceil(shared * 1.1) + 10);
    for (const m of moves) expect(m.ended - m.started).to.be.within(Math.floor(alone * 0.9), Math.ceil(shared * 1.1) + 10);
    expect(new Set(moves.map((m) => m.ended - m.started)).size).to.be.greaterThan(1);
  });

  it('places each VM on the node with the fewest VMs, counting those on their way to it, ties by node order', async () => {
    const moves = await drainN2(lab({ vms: fiveOnN2 }));
    // N1 hosts app01, N3 nothing: vm-a → N3; then both count one → vm-b → N1; and so on.
    expect(moves.slice(0, 2).map((m) => m.to)).to.deep.equal(['N3', 'N1']);
    const drainedTo = (node: string) => moves.filter((m) => m.to === node).length;
    expect({ N1: 1 + drainedTo('N1'), N3: drainedTo('N3') }).to.deep.equal({ N1: 3, N3: 3 });
  });

  it('keeps each VM running and owned by the source until its blackout ends, then Running, Online and monitored on the target', async () => {
    const target = lab({ vms: fiveOnN2, liveMigrationJitter: 0 });
    const switchAt = switchOverMs(4, 2); // vm-a and vm-b start together
    await target.stopClusterNode('N2');
    await target.sleep(switchAt - 10);
    const during = await target.poll();
    expect(during.vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    await target.sleep(10);
    const after = await target.poll();
    expect(after.vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N3', StatusInformation: [] });
    expect(after.vms['vm-c']).to.deep.include({ State: 'Running', OwnerNode: 'N2' });
  });

  it('keeps a VM on the source when its live migration fails (the target left: 21502, 21111), then moves it to another node', async () => {
    // Five nodes, so the cluster keeps its majority when N3 dies and N2 leaves (node majority, no witness).
    const target = lab({ nodes: nodeNames(5) });
    await target.stopClusterNode('N2');
    await target.sleep(1_000);
    await target.killClusterService('N3', { holdDownMs: 30_000 });
    const polls = await timeline(target, 2_400, 100); // web01 needs at least 2.4 s (setup 2 s, minus 10 % jitter, plus its copy) to reach N5
    for (const p of polls) {
      expect(p.nodes.N2).to.deep.equal({ State: 'Paused', StatusInformation: ['DrainInProgress'] });
      expect(p.vms.web01).to.deep.include({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2' });
    }
    const events = await target.collectEvents();
    const moves = events.filter((e) => e.id === 1641).map((e) => [e.t, e.message.match(/role '([^']+)'.*node '([^']+)'\.$/)!.slice(1)]);
    // web01 was on its way to N3 (fewest VMs); its migration failed when N3's clussvc died, and it went to N5 instead.
    expect(moves).to.deep.equal([
      [0, ['web01', 'N3']],
      [0, ['sql01', 'N4']],
      [1_000, ['web01', 'N5']],
    ]);
    const failed = events.filter((e) => e.id === 21502 || e.id === 21111);
    expect(failed.map((e) => [e.t, e.node, e.id, e.log])).to.deep.equal([
      [1_000, 'N2', 21502, 'Microsoft-Windows-Hyper-V-High-Availability-Admin'],
      [1_000, 'N2', 21111, 'Microsoft-Windows-Hyper-V-High-Availability-Admin'],
    ]);
    expect(failed[0].message).to.contain("Live migration of 'Virtual Machine web01' failed").and.contain("'N3'");
    expect(failed[1].message).to.equal("Live migration of 'web01' failed.");
    const done = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 10_000, 10);
    expect(done.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N5', StatusInformation: [] });
    expect(done.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N4', StatusInformation: [] });
  });
});
