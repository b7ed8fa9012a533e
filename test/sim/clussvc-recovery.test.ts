import { expect } from 'chai';
import { crash, lab, waitFor } from './lab.js';

/**
 * clussvc's recovery by the service control manager, per failure count and reset period (SERVICE_FAILURE_ACTIONS,
 * [MS-SCMR] 2.2.40): the Nth failure runs the Nth action (the last repeats), and the count starts again once the
 * service has not failed for the reset period. The lab's SCM restart delay is 60 s (lab.ts).
 */
describe('sim: clussvc recovery actions (FailureActions)', () => {
  it('restarts the service at a failure whose action is a restart, and leaves it stopped (7034) at one with no action', async () => {
    const target = lab();
    await target.setSettings({ ClussvcSecondFailureAction: 0, ResiliencyDefaultPeriod: 60 });
    await crash(target, 'N2');
    await waitFor(target, (p) => p.nodes.N2.State === 'Up', 60_000);
    const first = (await target.collectEvents()).filter((e) => e.node === 'N2' && (e.id === 7031 || e.id === 7034));
    expect(first.map((e) => [e.id, e.message])).to.deep.equal([
      [7031, 'The Cluster Service service terminated unexpectedly. It has done this 1 time(s). The following corrective action will be taken in 60000 milliseconds: Restart the service.'],
    ]);
    await crash(target, 'N2');
    const second = (await target.collectEvents()).filter((e) => e.node === 'N2' && (e.id === 7031 || e.id === 7034));
    expect(second.map((e) => [e.id, e.message])).to.deep.equal([[7034, 'The Cluster Service service terminated unexpectedly. It has done this 2 time(s).']]);
    // Nobody restarts it: Isolated, then Down when ResiliencyDefaultPeriod ends, and it stays down
    await target.sleep(300_000);
    expect((await target.poll()).nodes.N2).to.deep.equal({ State: 'Down', StatusInformation: [] });
    await target.sleep(300_000);
    expect((await target.poll()).nodes.N2.State).to.equal('Down');
  });

  it('starts counting again once the service has not failed for the reset period', async () => {
    const target = lab();
    await target.setSettings({ ClussvcSecondFailureAction: 0, ClussvcResetPeriod: 100 });
    await crash(target, 'N2');
    await waitFor(target, (p) => p.nodes.N2.State === 'Up', 60_000);
    await target.sleep(120_000); // more than 100 s since the first failure
    await target.collectEvents();
    await crash(target, 'N2');
    const again = (await target.collectEvents()).filter((e) => e.node === 'N2' && (e.id === 7031 || e.id === 7034));
    expect(again.map((e) => e.id)).to.deep.equal([7031]);
    expect(again[0].message).to.contain('It has done this 1 time(s)');
    await waitFor(target, (p) => p.nodes.N2.State === 'Up', 60_000);
  });

  it('repeats the last action for every failure beyond it (subsequent failures)', async () => {
    const target = lab();
    await target.setSettings({ ClussvcSubsequentFailureAction: 0, QuarantineThreshold: 0 });
    for (let i = 0; i < 2; i++) {
      await crash(target, 'N2');
      await waitFor(target, (p) => p.nodes.N2.State === 'Up', 60_000);
    }
    for (const times of [3, 4]) {
      await target.collectEvents();
      await crash(target, 'N2');
      expect((await target.collectEvents()).filter((e) => e.id === 7034).map((e) => e.message)).to.deep.equal([
        `The Cluster Service service terminated unexpectedly. It has done this ${times} time(s).`,
      ]);
      await target.startClusterService('N2');
      await waitFor(target, (p) => p.nodes.N2.State === 'Up', 60_000);
    }
  });

  it('recovery-ignores-failure-count (defect): restarts the service at every failure', async () => {
    const target = lab({ defects: ['recovery-ignores-failure-count'] });
    await target.setSettings({ ClussvcSecondFailureAction: 0 });
    await crash(target, 'N2');
    await waitFor(target, (p) => p.nodes.N2.State === 'Up', 60_000);
    await target.collectEvents();
    await crash(target, 'N2');
    expect((await target.collectEvents()).filter((e) => e.id === 7031 || e.id === 7034).map((e) => e.id)).to.deep.equal([7031]);
    await waitFor(target, (p) => p.nodes.N2.State === 'Up', 60_000);
  });
});
