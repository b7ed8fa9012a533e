import { expect } from 'chai';
import { createSimTarget, simDefects, UnknownDefectError } from '../../src/targets/sim/index.js';
import { lab, labSimulator, labVms, timeline } from './lab.js';

describe('sim: defect profiles', () => {
  it('lists every defect with a one-line summary', () => {
    expect(simDefects.map((d) => d.name)).to.include('no-isolation');
    for (const d of simDefects) expect(d.summary).to.be.a('string').and.not.be.empty;
  });

  it('no-isolation: the crashed node never shows Isolated; it goes straight Down and its VMs fail over at once', async () => {
    const target = lab({ defects: ['no-isolation'] });
    await target.killClusterService('N2');
    const polls = await timeline(target, 30_000);
    for (const p of polls) expect(p.nodes.N2.StatusInformation).to.deep.equal([]);
    for (const p of polls) for (const vm of Object.values(p.vms)) expect(vm.StatusInformation).to.deep.equal([]);
    const down = polls.find((p) => p.nodes.N2.State === 'Down')!;
    expect(down.vms.web01.OwnerNode).to.not.equal('N2');
    expect(down.vms.sql01.OwnerNode).to.not.equal('N2');
    expect((await target.getSettings()).ResiliencyDefaultPeriod).to.equal(240);
    const ids = (await target.collectEvents()).map((e) => e.id);
    expect(ids).to.include(1135).and.not.include(1673);
  });

  it('refuses an unknown defect, naming it and the known ones', () => {
    const make = () =>
      createSimTarget({ cluster: { name: 'LAB', nodes: ['N1'], vms: [] }, simulator: labSimulator, seed: 1, defects: ['no-isolaton'] });
    expect(make).to.throw(UnknownDefectError, /no-isolaton.*no-isolation/);
  });

  it('behaves as documented with no defects', async () => {
    const target = createSimTarget({ cluster: { name: 'LAB', nodes: ['N1', 'N2', 'N3'], vms: labVms }, simulator: labSimulator, seed: 1 });
    await target.killClusterService('N2');
    await target.sleep(15_000);
    expect((await target.poll()).nodes.N2.StatusInformation).to.deep.equal(['Isolated']);
  });
});
