import { settingDefinition, type Settings } from '../../machines/index.js';
import { leafState, liveMove, ownerMoves, statePath, type EntityState } from './entity.js';
import { routeTo } from './explain.js';
import type { Violation } from './result.js';
import { formatT, seconds } from './time.js';

export interface Explained {
  /** What the model allowed then, in the cluster's words. */
  expected: string;
  observed: string;
  setting: Violation['setting'];
  /** Sentences after the first: why the model does not allow it (a missed deadline, a state never reached). */
  explanation: string;
}

/**
 * Why no run of the model explains an observation, in words: a VM on a node it could not have moved to; a
 * deadline missed (the timer and its setting); or the state reachable only through states never observed.
 */
export function explain(o: {
  name: string;
  cls: string;
  observedOwner: string | undefined;
  /** The entity's candidate states at the observation, before filtering. */
  candidates: EntityState[];
  /** Candidates dropped for a missed deadline. */
  dropped: EntityState[];
  t: number;
  tolerance: number;
  settings: Settings;
  /** What the entity was observed as since its last stimulus. */
  seen: ReadonlySet<string> | undefined;
}): Explained {
  const { cls, candidates, tolerance, settings } = o;
  const allowed = [...new Set(candidates.flatMap((es) => [...es.snapshot.tags]))];
  const expected = allowed.length ? allowed.join(' or ') : 'no state (every candidate run missed a deadline)';

  const placed = candidates.filter((es) => es.snapshot.hasTag(cls));
  if (placed.length) {
    const owners = [...new Set(placed.map((es) => es.owner ?? 'an Up node'))];
    // Failing over (the owner free, not a live move): only an Offline group may still name a node that is not Up
    const failingOver = placed.some((es) => es.owner === undefined && ownerMoves(es.snapshot) && !liveMove(es.snapshot));
    return {
      expected: `${cls} on ${owners.join(' or ')}`,
      observed: `${cls} on ${o.observedOwner}`,
      setting: undefined,
      explanation: failingOver
        ? ` A failed-over VM is brought online only on a node placement can pick, one that is Up; ${o.observedOwner} was not Up then` +
          ' (while the group is Offline it may still name its old owner, not once it is Starting).'
        : ' A VM changes owner only by failing over (its node went Down) or by a live migration that completed (one that failed' +
          ' leaves it running on its source), and only to a node that is Up.',
    };
  }

  const late = o.dropped.find((d) => d.snapshot.hasTag(cls));
  if (late) {
    const timer = late.timers.find((tm) => tm.hi + tm.delay + tolerance < o.t)!;
    return {
      expected,
      observed: cls,
      setting: settingOf(timer.delayName, timer.delay, settings),
      explanation:
        ` The model leaves ${leafState(statePath(late.snapshot))} within ${timer.delayName} = ${describeDelay(timer.delayName, timer.delay, settings)}` +
        ` (± ${seconds(tolerance)} tolerance) of entering it at ${formatT(timer.lo)}${timer.hi > timer.lo ? `–${formatT(timer.hi)}` : ''}.`,
    };
  }

  const route = candidates
    .map((es) => {
      const found = routeTo(es.model.machine, es.snapshot, cls);
      return found && { ...found, states: [leafState(statePath(es.snapshot)), ...found.states], from: es };
    })
    .filter((r) => r !== undefined)
    .sort((a, b) => a.states.length - b.states.length)[0];
  if (!route) {
    // A No Auto Start group after its failover (machines/clustered-vm.ts NotStarted)
    if (candidates.some((es) => leafState(statePath(es.snapshot)) === 'NotStarted')) {
      const explanation =
        ` Its Priority is No Auto Start: a failover moves the group but does not start it [MSDN-PRIO]; it stays Offline until someone starts it.`;
      return { expected, observed: cls, setting: undefined, explanation };
    }
    return { expected, observed: cls, setting: undefined, explanation: ` The model never reaches ${cls} from there.` };
  }

  const via = route.states.slice(0, -1);
  const timer = route.timers[0];
  let explanation =
    ` The model reaches ${cls} only` +
    (via.length ? ` through ${via.join(' → ')}` : '') +
    (timer ? `, ${timer.delayName} = ${describeDelay(timer.delayName, timer.delay, settings)} (± ${seconds(tolerance)}) after entering ${timer.after}` : '') +
    '.';
  // The state the run is in was reached if the VM was seen as it shows (its tags: OnSource shows Running)
  const current = [...route.from.snapshot.tags].some((tag) => o.seen?.has(tag));
  const missing = via.find((state, i) => (i === 0 ? !current : !o.seen?.has(state)));
  if (missing) explanation += ` ${o.name} never reached ${missing}: no observation shows it ${missing}.`;
  return { expected, observed: cls, setting: timer ? settingOf(timer.delayName, timer.delay, settings) : undefined, explanation };
}

function settingOf(delayName: string, delayMs: number, settings: Settings): Violation['setting'] {
  const def = settingDefinition(delayName);
  if (def) return { name: def.name, value: settings[def.name]!, unit: def.unit };
  return { name: delayName, value: delayMs, unit: 'ms' };
}

function describeDelay(delayName: string, delayMs: number, settings: Settings): string {
  const def = settingDefinition(delayName);
  if (def && def.unit === 's') return `${settings[delayName]} s`;
  return seconds(delayMs);
}
