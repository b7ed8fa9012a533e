import { expect } from 'chai';
import { SimClock } from '../../src/targets/sim/clock.js';
import { choosePlacement } from '../../src/targets/sim/placement.js';
import { Rng } from '../../src/targets/sim/rng.js';

describe('sim: clock', () => {
  it('runs due actions in time order, and same-time actions in the order they were scheduled', () => {
    const clock = new SimClock();
    const ran: string[] = [];
    clock.at(30, () => ran.push('c'));
    clock.at(10, () => ran.push('a1'));
    clock.at(10, () => ran.push('a2'));
    clock.at(20, () => {
      ran.push('b');
      clock.after(5, () => ran.push(`b+5@${clock.now()}`));
      clock.after(0, () => ran.push('b+0'));
    });
    clock.at(31, () => ran.push('later'));
    clock.advance(30);
    expect(ran).to.deep.equal(['a1', 'a2', 'b', 'b+0', 'b+5@25', 'c']);
    expect(clock.now()).to.equal(30);
  });

  it('skips cancelled actions', () => {
    const clock = new SimClock();
    const ran: number[] = [];
    for (let i = 0; i < 100; i++) {
      const timer = clock.at(i, () => ran.push(i));
      if (i % 2) timer.cancel();
    }
    clock.advance(1000);
    expect(ran).to.have.length(50);
    expect(ran.every((i) => i % 2 === 0)).to.equal(true);
  });

  it('keeps (time, insertion) order over many random timers', () => {
    const clock = new SimClock();
    const rng = new Rng('heap');
    const ran: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const at = rng.int(0, 500);
      clock.at(at, () => ran.push([at, i]));
    }
    clock.advance(500);
    const sorted = [...ran].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(ran).to.deep.equal(sorted);
  });

  it('cannot travel back in time', () => {
    const clock = new SimClock();
    clock.advance(10);
    expect(() => clock.at(5, () => undefined)).to.throw(RangeError, /back in time/);
    expect(() => clock.advance(-1)).to.throw(RangeError);
  });
});

describe('sim: seeded random streams', () => {
  it('repeats a stream for the same key and differs for another', () => {
    const draw = (r: Rng) => Array.from({ length: 8 }, () => r.nextUint32());
    expect(draw(Rng.seeded(7))).to.deep.equal(draw(Rng.seeded(7)));
    expect(draw(Rng.seeded(7))).to.not.deep.equal(draw(Rng.seeded(8)));
  });

  it('forks independent streams: a fork does not depend on how much the parent drew', () => {
    const a = Rng.seeded(1);
    const b = Rng.seeded(1);
    for (let i = 0; i < 10; i++) b.nextUint32();
    expect(a.fork('vm/web01').nextUint32()).to.equal(b.fork('vm/web01').nextUint32());
    expect(a.fork('vm/web01').nextUint32()).to.not.equal(a.fork('vm/sql01').nextUint32());
  });

  it('draws integers within inclusive bounds', () => {
    const rng = Rng.seeded(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(1, 3));
    expect([...seen].sort()).to.deep.equal([1, 2, 3]);
    expect(rng.between([5, 5])).to.equal(5);
  });
});

describe('sim: failover placement', () => {
  const nodes = ['N1', 'N2', 'N3'];
  it('picks the node hosting the fewest VMs', () => {
    const counts: Record<string, number> = { N1: 2, N2: 1, N3: 0 };
    expect(choosePlacement(nodes, () => true, (n) => counts[n])).to.equal('N3');
  });

  it('breaks ties by the order of the nodes in the cluster description', () => {
    expect(choosePlacement(nodes, (n) => n !== 'N1', () => 1)).to.equal('N2');
  });

  it('finds nothing when no node can host', () => {
    expect(choosePlacement(nodes, () => false, () => 0)).to.equal(undefined);
  });
});
