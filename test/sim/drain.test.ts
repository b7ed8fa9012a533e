import { expect } from 'chai';
import type { SimTarget } from '../../src/targets/sim/index.js';
import type { VmDescription } from '../../src/trace/records.js';
import { lab, nodeNames, timeline, waitFor } from './lab.js';

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
    const moves = await drainN2(lab({ vms: fiveOnN2 }));
    expect(moves[0].started).to.equal(0);
    expect(moves[1].started).to.equal(0);
    for (const m of moves) {
      // `ended` is the first poll (every 10 ms) after the move, so a migration surely still runs at m.started if ended − 10 > m.started
      const overlapping = moves.filter((o) => o.started <= m.started && o.ended - 10 > m.started);
      expect(overlapping.length, `${m.vm} at ${m.started}`).to.be.at.most(2);
    }
    // each later migration starts as an earlier one ends
    for (const m of moves.slice(2)) expect(moves.some((o) => Math.abs(o.ended - m.started) <= 10)).to.equal(true);
  });

  it('takes a liveMigrationMs draw for each migration', async () => {
    const moves = await drainN2(lab({ vms: fiveOnN2 }));
    for (const m of moves) expect(m.ended - m.started).to.be.within(4_000, 8_010);
    expect(new Set(moves.map((m) => m.ended - m.started)).size).to.be.greaterThan(1);
  });

  it('places each VM on the node with the fewest VMs, counting those on their way to it, ties by node order', async () => {
    const moves = await drainN2(lab({ vms: fiveOnN2 }));
    // N1 hosts app01, N3 nothing: vm-a → N3; then both count one → vm-b → N1; and so on.
    expect(moves.slice(0, 2).map((m) => m.to)).to.deep.equal(['N3', 'N1']);
    const drainedTo = (node: string) => moves.filter((m) => m.to === node).length;
    expect({ N1: 1 + drainedTo('N1'), N3: drainedTo('N3') }).to.deep.equal({ N1: 3, N3: 3 });
  });

  it('keeps each VM running and owned by the source until its migration ends, then Running, Online and monitored on the target', async () => {
    const target = lab({ vms: fiveOnN2, liveMigrationMs: [6_000, 6_000] });
    await target.stopClusterNode('N2');
    await target.sleep(5_990);
    const during = await target.poll();
    expect(during.vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: [] });
    await target.sleep(10);
    const after = await target.poll();
    expect(after.vms['vm-a']).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N3', StatusInformation: [] });
    expect(after.vms['vm-c']).to.deep.include({ State: 'Running', OwnerNode: 'N2' });
  });

  it('keeps a VM on the source when its live migration fails (the target left), then moves it to another node', async () => {
    // Five nodes, so the cluster keeps its majority when N3 dies and N2 leaves (node majority, no witness).
    const target = lab({ nodes: nodeNames(5), liveMigrationMs: [5_000, 5_000] });
    await target.stopClusterNode('N2');
    await target.sleep(1_000);
    await target.killClusterService('N3', { holdDownMs: 30_000 });
    const polls = await timeline(target, 8_900, 100);
    for (const p of polls) {
      expect(p.nodes.N2).to.deep.equal({ State: 'Paused', StatusInformation: ['DrainInProgress'] });
      expect(p.vms.web01).to.deep.include({ State: 'Running', GroupState: 'Online', OwnerNode: 'N2' });
    }
    const moves = (await target.collectEvents()).filter((e) => e.id === 1641).map((e) => [e.t, e.message.match(/role '([^']+)'.*node '([^']+)'\.$/)!.slice(1)]);
    // web01 was on its way to N3 (fewest VMs); its migration failed at its end and it went to N5 instead.
    expect(moves).to.deep.equal([
      [0, ['web01', 'N3']],
      [0, ['sql01', 'N4']],
      [5_000, ['web01', 'N5']],
    ]);
    const done = await waitFor(target, (p) => p.nodes.N2.State === 'Down', 200, 10);
    expect(done.vms.web01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N5', StatusInformation: [] });
    expect(done.vms.sql01).to.deep.equal({ State: 'Running', GroupState: 'Online', OwnerNode: 'N4', StatusInformation: [] });
  });
});
