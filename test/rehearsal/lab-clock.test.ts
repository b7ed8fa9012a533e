import { expect } from 'chai';
import { SimClock } from '../../src/targets/sim/clock.js';
import { CoSimulation, LabClosedError, WAIT_LIMIT_MS } from '../../src/targets/powershell/rehearsal/clock.js';
import type { Lab } from '../../src/targets/powershell/rehearsal/lab.js';
import { call, onHost, onNode, out, post, realDelay, startLab } from './lab-fixture.js';

/** Lab-Now's answer as virtual ms since the lab started. */
async function labNow(lab: Lab, process = 'main', node: string | null = null): Promise<number> {
  const [{ utc }] = out<{ utc: string }>(await call(lab, { process, node, command: 'Lab-Now' }));
  return Date.parse(utc) - (lab.epochMs() - lab.now());
}

describe('rehearsal lab: the co-simulation clock', function () {
  this.timeout(20_000);
  let lab: Lab;
  afterEach(async () => lab?.close());

  it('does not move while the driver runs: real time passing is no virtual time', async () => {
    lab = await startLab();
    await onNode(lab, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true });
    expect(lab.sim.clock.nextAt(), 'the simulator has actions queued').to.be.a('number');
    await realDelay(60);
    expect(lab.now()).to.equal(0);
    expect(lab.sim.membership.observe('N2').State, 'not yet removed: no heartbeat was missed').to.equal('Up');
  });

  it("moves by exactly the driver's sleep, running the simulator's actions on the way", async () => {
    lab = await startLab();
    await onNode(lab, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true });
    await lab.sleep(25_000);
    expect(lab.now()).to.equal(25_000);
    // Removed after about SameSubnetThreshold × SameSubnetDelay of silence: the simulator ran meanwhile
    expect(lab.sim.membership.observe('N2')).to.deep.equal({ State: 'Down', StatusInformation: ['Isolated'] });
  });

  it('starts at the real wall clock rounded down to a whole second; a node reads its own clock, skew included', async () => {
    const before = Date.now();
    lab = await startLab({ skewMs: { N3: 1_500 } });
    const epoch = lab.epochMs();
    expect(epoch % 1000).to.equal(0);
    expect(epoch).to.be.within(Math.floor(before / 1000) * 1000, Date.now());
    await lab.sleep(2_000);
    expect(lab.epochMs()).to.equal(epoch + 2_000);
    expect(await labNow(lab)).to.equal(2_000);
    expect(await labNow(lab, 'main', 'N3')).to.equal(3_500);
  });

  it("lets a process's Lab-Sleep pass virtual time inside a round trip, and holds it while the process computes", async () => {
    lab = await startLab();
    const seen = await lab.roundTrip('main', async () => {
      await post(lab, { command: 'Lab-Sleep', parameters: { Milliseconds: 3_000 } });
      const after = lab.now();
      await realDelay(50); // the process computes: not parked, so no time passes
      return [after, lab.now()];
    });
    expect(seen).to.deep.equal([3_000, 3_000]);
    expect(lab.now()).to.equal(3_000);
  });

  it('wakes waiters in deadline order, each at its own virtual time', async () => {
    lab = await startLab();
    const woke: [string, number][] = [];
    const sleeper = (process: string, ms: number[]) =>
      lab.roundTrip(process, async () => {
        for (const m of ms) {
          await post(lab, { process, command: 'Lab-Sleep', parameters: { Milliseconds: m } });
          woke.push([process, lab.now()]);
        }
      });
    await Promise.all([sleeper('main', [4_000]), sleeper('side', [1_000, 1_000, 5_000])]);
    expect(woke).to.deep.equal([
      ['side', 1_000],
      ['side', 2_000],
      ['main', 4_000],
      ['side', 7_000],
    ]);
  });

  it('does not let time pass for a waiting process while another process still runs', async () => {
    lab = await startLab();
    const order: string[] = [];
    await Promise.all([
      lab.roundTrip('main', async () => {
        await post(lab, { command: 'Lab-Sleep', parameters: { Milliseconds: 1_000 } });
        order.push(`main woke at ${lab.now()}`);
      }),
      lab.roundTrip('side', async () => {
        await realDelay(150);
        order.push(`side done at ${lab.now()}`);
      }),
    ]);
    expect(order).to.deep.equal(['side done at 0', 'main woke at 1000']);
  });

  it('fires a timer at its virtual time and holds the clock while its callback runs; a cancelled timer never fires', async () => {
    lab = await startLab();
    const seen: number[] = [];
    lab.timer(2_000, async () => {
      seen.push(lab.now());
      await realDelay(40);
      seen.push(lab.now());
    });
    const cancelled = lab.timer(1_000, async () => {
      seen.push(-1);
    });
    cancelled.cancel();
    await lab.sleep(5_000);
    expect(seen).to.deep.equal([2_000, 2_000]);
    expect(lab.now()).to.equal(5_000);
  });

  it("lets a timer's own round trip wait in the lab while the driver still waits in main (the cancel of a move)", async () => {
    lab = await startLab();
    let sideAt: number | undefined;
    lab.timer(1_000, async () => {
      // The timer waits for its round trip (it does not run meanwhile), so side's Lab-Sleep lets time pass
      await call(lab, { process: 'side', command: 'Lab-Sleep', parameters: { Milliseconds: 2_000 } });
      sideAt = await labNow(lab, 'side');
    });
    await lab.roundTrip('main', () => post(lab, { command: 'Lab-Sleep', parameters: { Milliseconds: 10_000 } }));
    expect(sideAt).to.equal(3_000);
    expect(lab.now()).to.equal(10_000);
    const side = lab.calls().filter((c) => c.process === 'side');
    expect(side.map((c) => [c.command, c.at])).to.deep.equal([['Lab-Sleep', 1_000], ['Lab-Now', 3_000]]);
  });

  it('does not spin the CPU while a participant runs in wall time', async () => {
    lab = await startLab();
    const cpu = process.cpuUsage();
    await Promise.all([
      lab.roundTrip('main', () => post(lab, { command: 'Lab-Sleep', parameters: { Milliseconds: 60_000 } })),
      lab.roundTrip('side', () => realDelay(400)),
    ]);
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000, 'ms of CPU while side ran 400 ms of wall time').to.be.below(250);
    expect(lab.now()).to.equal(60_000);
  });

  it('forgets a wait whose process went away (its connection closed): a new process of that name runs', async () => {
    lab = await startLab();
    // side runs for a while (no time passes), main's Start-Sleep waits in the lab meanwhile
    const side = lab.roundTrip('side', () => realDelay(300));
    const dying = new AbortController();
    const main = lab.roundTrip('main', () =>
      fetch(`${lab.url}/call`, { method: 'POST', body: JSON.stringify({ process: 'main', node: null, command: 'Lab-Sleep', parameters: { Milliseconds: 60_000 } }), signal: dying.signal }),
    );
    await realDelay(50);
    dying.abort(); // main's shell was killed (its round trip timed out) while its request waited
    await main.catch(() => undefined);
    await side;
    // The replacement shell starts: it runs, so no time may pass while it does
    const seen = await lab.roundTrip('main', async () => {
      await realDelay(100);
      return lab.now();
    });
    expect(seen).to.equal(0);
    expect(lab.now()).to.equal(0);
  });

  it('gives the same virtual times for the same seed and the same requests', async () => {
    const scenario = async () => {
      const l = await startLab({ seed: 7 });
      try {
        const trace: unknown[] = [];
        await onNode(l, 'N2', 'Stop-Process', { Name: ['clussvc'], Force: true });
        const move = await onHost(l, 'Move-ClusterVirtualMachineRole', { Name: 'app01', Node: 'N3', MigrationType: 'Live' });
        trace.push(l.now(), move.terminating ?? null);
        await l.sleep(90_000);
        const nodes = out(await onHost(l, 'Get-ClusterNode'));
        const events = out(await onNode(l, 'N1', 'Get-WinEvent', { LogName: ['System'], Oldest: true }));
        trace.push(
          l.now(),
          nodes.map((n) => [n.Name, n.State, n.StatusInformation]),
          events.map((e) => [e.Id, Date.parse(String(e.TimeCreated)) - (l.epochMs() - l.now())]),
        );
        return trace;
      } finally {
        await l.close();
      }
    };
    const first = await scenario();
    expect(first[0]).to.be.above(0);
    expect(await scenario()).to.deep.equal(first);
  });

  describe('CoSimulation alone (a bare simulator clock)', () => {
    it('gives up on a condition that never holds after 48 h of virtual time', async () => {
      const clock = new SimClock();
      const co = new CoSimulation(clock, () => undefined);
      expect(await co.wait('driver', { ready: () => false })).to.equal('due');
      expect(clock.now()).to.equal(WAIT_LIMIT_MS);
    });

    it("wakes a condition right after the simulator's step that makes it hold", async () => {
      const clock = new SimClock();
      const co = new CoSimulation(clock, () => undefined);
      let done = false;
      clock.at(1_234, () => (done = true));
      clock.at(9_999, () => undefined);
      expect(await co.wait('driver', { ready: () => done })).to.equal('ready');
      expect(clock.now()).to.equal(1_234);
    });

    it("runs the simulator's actions due at a deadline before waking the waiter", async () => {
      const clock = new SimClock();
      const co = new CoSimulation(clock, () => undefined);
      const order: string[] = [];
      clock.at(500, () => order.push('sim'));
      await co.sleep(500);
      order.push('driver');
      expect(order).to.deep.equal(['sim', 'driver']);
    });

    it('rejects what waits when it closes', async () => {
      const co = new CoSimulation(new SimClock(), () => undefined);
      co.hold('main');
      const waiting = co.wait('main', { ms: 1_000 });
      co.close();
      try {
        await waiting;
        expect.fail('the wait should have been rejected');
      } catch (e) {
        expect(e).to.be.instanceOf(LabClosedError);
      }
    });
  });
});
