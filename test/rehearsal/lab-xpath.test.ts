import { expect } from 'chai';
import type { StoredEvent } from '../../src/targets/powershell/rehearsal/events.js';
import { InvalidQueryError, parseEventXPath } from '../../src/targets/powershell/rehearsal/xpath.js';

const at = Date.parse('2026-11-22T02:00:00.000Z');
const record = (o: Partial<StoredEvent>): StoredEvent => ({
  node: 'N1', log: 'System', provider: 'Microsoft-Windows-FailoverClustering', id: 1135, level: 1, levelName: 'Critical',
  recordId: 1, timeMs: at, message: '', data: [], ...o,
});

describe('rehearsal lab: the Get-WinEvent XPath subset', () => {
  const matches = (query: string, e: StoredEvent, now = at) => parseEventXPath(query)(e, now);

  it("reads the ClusterChaos module's query: provider, event ids and a UTC start time", () => {
    const q = "*[System[Provider[@Name='Service Control Manager'] and (EventID=7031 or EventID=7034) and TimeCreated[@SystemTime>='2026-11-22T02:00:00.000Z']]]";
    expect(matches(q, record({ provider: 'Service Control Manager', id: 7031 }))).to.equal(true);
    expect(matches(q, record({ provider: 'Service Control Manager', id: 7036 }))).to.equal(false);
    expect(matches(q, record({ id: 7031 })), 'another provider').to.equal(false);
    expect(matches(q, record({ provider: 'Service Control Manager', id: 7034, timeMs: at - 1 })), 'a millisecond too early').to.equal(false);
  });

  it('takes an end time, levels, record ids, timediff, and * alone', () => {
    const window = "*[System[TimeCreated[@SystemTime>='2026-11-22T02:00:00Z' and @SystemTime<='2026-11-22T03:00:00Z']]]";
    expect(matches(window, record({ timeMs: at + 3_600_000 }))).to.equal(true);
    expect(matches(window, record({ timeMs: at + 3_600_001 }))).to.equal(false);
    expect(matches('*[System[(Level=1 or Level=2) and EventRecordID>5]]', record({ level: 2, recordId: 6 }))).to.equal(true);
    expect(matches('*[System[(Level=1 or Level=2) and EventRecordID>5]]', record({ level: 3, recordId: 6 }))).to.equal(false);
    expect(matches('*[System[TimeCreated[timediff(@SystemTime) <= 60000]]]', record({}), at + 60_000)).to.equal(true);
    expect(matches('*[System[TimeCreated[timediff(@SystemTime) <= 60000]]]', record({}), at + 60_001)).to.equal(false);
    expect(matches('*', record({}))).to.equal(true);
  });

  it('refuses what the subset does not have, as the service does: "The specified query is invalid"', () => {
    for (const q of [
      "*[EventData[Data[@Name='x']='y']]",
      '*[System[EventID=]]',
      "*[System[Provider[@Name='x']]",
      "*[System[TimeCreated[@SystemTime>='yesterday']]]",
      "*[System[TimeCreated[@SystemTime>='2026-11-22T02:00:00']]]",
      '*[System[eventid=1135]]',
      'Get-WinEvent',
    ]) {
      expect(() => parseEventXPath(q), q).to.throw(InvalidQueryError, 'The specified query is invalid');
    }
  });
});
