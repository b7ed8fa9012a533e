import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { liveMigration, type HostVersion, type LiveMigrationEvent } from '../../machines/live-migration.js';
import type { Settings } from '../../machines/settings.js';
import { statePath } from './entity.js';

/**
 * One live migration replayed through the live-migration model with XState's pure transition API. A replay
 * is a handful of events, and a trace has thousands of migrations with the same few shapes, so every
 * (state, event) → state is computed once per checker and looked up afterwards: replaying costs a few map
 * look-ups per event.
 */

interface Node {
  snapshot: AnyMachineSnapshot;
  /** State path and pass count: everything that varies in the model's context within one checker. */
  key: string;
  path: string;
  /** Where each event (by eventKey) leads from here, once computed. */
  edges: Map<string, Edge>;
}

interface Edge {
  /** Undefined: the model refuses the event in that state. */
  to: Node | undefined;
  /** The coverage entry `from|event|to` the transition counts toward. */
  taken: string | undefined;
  /** Times replays took it. */
  count: number;
}

/** A refused event: where the model was and what it would not take. */
export interface Refusal {
  event: LiveMigrationEvent;
  state: string;
  /** Pre-copy passes done when it was refused. */
  passes: number;
}

/** Every (state, event) → state of the live-migration model for one run's settings and host version. */
export class MigrationModel {
  private readonly nodes = new Map<string, Node>();
  private readonly allEdges: Edge[] = [];
  readonly start: Node;

  constructor(settings: Settings, hostVersion: HostVersion) {
    const [snapshot] = initialTransition(liveMigration, { settings, hostVersion });
    this.start = this.node(snapshot);
  }

  private node(snapshot: AnyMachineSnapshot): Node {
    const path = statePath(snapshot);
    const key = `${path}|${(snapshot.context as { passes: number }).passes}`;
    let node = this.nodes.get(key);
    if (!node) this.nodes.set(key, (node = { snapshot, key, path, edges: new Map() }));
    return node;
  }

  /** Transitions taken, by `from|event|to`, over every replay. */
  get taken(): Map<string, number> {
    const taken = new Map<string, number>();
    for (const e of this.allEdges) if (e.taken !== undefined && e.count > 0) taken.set(e.taken, (taken.get(e.taken) ?? 0) + e.count);
    return taken;
  }

  step(from: Node, event: LiveMigrationEvent, count = true): Edge {
    const key = eventKey(event);
    let edge = from.edges.get(key);
    if (!edge) {
      if (from.snapshot.can(event)) {
        const [next] = transition(liveMigration, from.snapshot, event);
        const to = this.node(next);
        edge = { to, taken: `${from.path}|${event.type}|${to.path}`, count: 0 };
      } else {
        edge = { to: undefined, taken: undefined, count: 0 };
      }
      from.edges.set(key, edge);
      this.allEdges.push(edge);
    }
    if (count && edge.taken !== undefined) edge.count++;
    return edge;
  }

  /** Whether the model lets a migration leave the queue with these migrations already running. */
  slotFree(slots: { source: number; target: number; cluster: number }): boolean {
    const queued = this.step(this.start, { type: 'migration.requested' }, false).to!;
    return this.step(queued, { type: 'migration.started', slots }, false).to !== undefined;
  }
}

function eventKey(event: LiveMigrationEvent): string {
  switch (event.type) {
    case 'migration.started':
      return event.slots ? `${event.type}:${event.slots.source}:${event.slots.target ?? ''}:${event.slots.cluster}` : event.type;
    case 'migration.failed':
      return `${event.type}:${event.sourceAvailable}:${event.targetAvailable}`;
    default:
      return event.type;
  }
}

/** One migration being replayed: the events so far, and those the model refused (the replay goes on past them). */
export class Replay {
  private node: Node;
  readonly refusals: Refusal[] = [];

  constructor(private readonly model: MigrationModel) {
    this.node = model.start;
  }

  get state(): string {
    return this.node.path;
  }

  get passes(): number {
    return (this.node.snapshot.context as { passes: number }).passes;
  }

  /** Send an event; false (and a refusal noted) if the model does not take it here. */
  send(event: LiveMigrationEvent): boolean {
    const edge = this.model.step(this.node, event);
    if (!edge.to) {
      this.refusals.push({ event, state: this.node.path, passes: this.passes });
      return false;
    }
    this.node = edge.to;
    return true;
  }
}
