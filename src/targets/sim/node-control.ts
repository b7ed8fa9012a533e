import { OperationError, type DrainValue } from '../target.js';
import type { LiveMigrationTransport, LiveMigrationValue } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { ClusterService } from './clussvc.js';
import type { Defects } from './defects.js';
import type { NodeDrains } from './drain.js';
import type { EventLog } from './eventlog.js';
import type { Membership } from './membership.js';
import type { LiveMigration, LiveMigrationEngine } from './migration.js';
import { badTimeout, seconds, type Outcome } from './outcome.js';
import type { Quarantine } from './quarantine.js';
import type { Quorum } from './quorum.js';

export interface NodeControlDeps {
  clock: SimClock;
  nodes: readonly string[];
  services: ReadonlyMap<string, ClusterService>;
  membership: Membership;
  engine: LiveMigrationEngine;
  drains: NodeDrains;
  quarantine: Quarantine;
  /** The votes: whether a node may leave without costing quorum (quorum.ts). */
  quorum: Pick<Quorum, 'canLeave' | 'describeVotes'>;
  defects: Defects;
  log: EventLog;
  /** A paused node takes roles again: waiting groups and drains may use it. */
  resumed(node: string): void;
}

/**
 * The administrator's way to take a node out and bring it back: Stop-ClusterNode and Start-ClusterNode,
 * Suspend-ClusterNode [-Drain] and Resume-ClusterNode [-Failback].
 */
export class NodeControl {
  constructor(private readonly d: NodeControlDeps) {}

  /**
   * Stop-ClusterNode [PSDOC-STOPCN]: the node is Paused (DrainInProgress) while its VMs live-migrate away,
   * then clussvc stops and the node is Down, neither Isolated nor counted toward quarantine ([HV-STOPSVC],
   * lab-observations §1). Returns once the stop is under way. A drain that fails (a migration failed) leaves
   * the node Paused with DrainFailed (1677) and clussvc running.
   */
  stop(node: string): void {
    const { membership } = this.d;
    const paused = membership.stateOf(node) === 'Paused' && membership.isMember(node) && !this.d.drains.isDraining(node);
    if (!membership.canHost(node) && !paused) {
      throw new OperationError(`${node} is not Up (${describeNode(membership, node)}); Stop-ClusterNode stops a node that is Up`);
    }
    // Refused if it would take the cluster below quorum [PSDOC-STOPCN], counted as quorum.ts counts the votes
    // (a witness, dynamic quorum). Members that stay: Up, or paused by Suspend-ClusterNode (they still vote), not
    // being drained to stop
    const stays = (n: string) => membership.canHost(n) || (membership.stateOf(n) === 'Paused' && membership.isMember(n) && !this.d.drains.isDraining(n));
    const members = this.d.nodes.filter(stays);
    if (!this.d.quorum.canLeave(node, members)) {
      throw new OperationError(
        `stopping ${node} would leave ${members.length - 1} of ${this.d.nodes.length} nodes Up, too few votes for quorum ` +
          `(the cluster counts ${this.d.quorum.describeVotes()}); start another node first`,
      );
    }
    const service = this.d.services.get(node)!;
    // Defect graceful-isolates: no drain; the members treat the stop as a lost node.
    if (this.d.defects.has('graceful-isolates')) return service.stop();
    membership.pause(node);
    // Defect unmonitored-on-graceful-stop: the VMs are no longer monitored while they wait to be moved away
    if (this.d.defects.has('unmonitored-on-graceful-stop')) for (const vm of this.d.drains.hostedBy(node)) vm.markUnmonitored();
    this.d.drains.drain(node, {
      waitForTarget: true,
      done: () => service.stop(),
      failed: () => membership.drainFailed(node),
    });
  }

  /**
   * Start-ClusterNode [PSDOC-STARTCN]: starts clussvc if it is stopped, and the node joins. A quarantined
   * node is refused unless `clearQuarantine` (-ClearQuarantine), which lifts the quarantine at once and
   * forgets the node's exits. A no-op on a node whose clussvc runs (Up, Joining or being drained).
   */
  start(node: string, clearQuarantine = false): void {
    const { membership, quarantine } = this.d;
    if (quarantine.isQuarantined(node)) {
      if (!clearQuarantine) {
        const until = this.d.log.isoTime(quarantine.until(node)!);
        throw new OperationError(`${node} is quarantined until ${until}; use -ClearQuarantine to let it join now`);
      }
      quarantine.clear(node);
      membership.released(node);
    } else if (clearQuarantine) {
      quarantine.clear(node);
    }
    this.d.services.get(node)!.start();
  }

  /**
   * Suspend-ClusterNode [-Drain] -Wait [PSDOC-SUSP]: the node is Paused: still a member (heartbeats, vote),
   * never chosen by placement, not an exit from membership. With `drain` its VMs live-migrate away first
   * (the engine's limits apply); the outcome is the drain's. A drain fails when a migration fails, no node
   * can take a VM, or it does not complete within `timeoutMs`: 1677, DrainFailed, the node stays Paused.
   */
  suspend(node: string, drain: boolean, timeoutMs: number | undefined, outcome: Outcome<DrainValue>, transport?: LiveMigrationTransport): void {
    const { membership, clock, drains } = this.d;
    const bad = badTimeout(timeoutMs);
    if (bad) throw new OperationError(bad);
    if (!membership.canHost(node)) {
      throw new OperationError(`${node} is not Up (${describeNode(membership, node)}); Suspend-ClusterNode pauses a node that is Up`);
    }
    const requestedAt = clock.now();
    const value = (migrations: LiveMigrationValue[]): DrainValue => ({ node, totalMs: Math.round(clock.now() - requestedAt), migrations: [...migrations] });
    membership.suspend(node, drain);
    if (!drain) return outcome.ok(value([]));
    let timer: Timer | undefined;
    drains.drain(node, {
      waitForTarget: false,
      ...(transport ? { transport } : {}),
      done: (migrations) => {
        timer?.cancel();
        membership.drainCompleted(node);
        outcome.ok(value(migrations));
      },
      failed: (reason, migrations) => {
        timer?.cancel();
        membership.drainFailed(node);
        outcome.fail(new OperationError(`Suspend-ClusterNode -Drain of ${node} failed: ${reason}; ${node} stays Paused`, value(migrations)));
      },
    });
    if (timeoutMs !== undefined && drains.isDraining(node)) {
      timer = clock.after(timeoutMs, () => drains.fail(node, `it did not complete within ${seconds(timeoutMs)}; what could be cancelled was`));
    }
  }

  /**
   * Resume-ClusterNode [-Failback Immediate] [PSDOC-RESUME]: the pause is lifted and the node takes roles
   * again; a drain still running stops. With `failback` the VMs its last drain moved away (and that are
   * online elsewhere) live-migrate back. Idempotent: on a node that is not paused it only forgets the
   * pause (a paused node that crashed rejoins Up), and fails back if asked and the node can host.
   */
  resume(node: string, failback: boolean, timeoutMs: number | undefined, outcome: Outcome<DrainValue>, transport?: LiveMigrationTransport): void {
    const { membership, clock, drains, engine } = this.d;
    const bad = badTimeout(timeoutMs);
    if (bad) throw new OperationError(bad);
    if (failback && !membership.canHost(node) && membership.stateOf(node) !== 'Paused') {
      throw new OperationError(`${node} is not Up or Paused (${describeNode(membership, node)}); nothing can fail back to it`);
    }
    const requestedAt = clock.now();
    const value = (migrations: LiveMigrationValue[]): DrainValue => ({ node, totalMs: Math.round(clock.now() - requestedAt), migrations: [...migrations] });
    const wasPaused = membership.stateOf(node) === 'Paused';
    drains.fail(node, `Resume-ClusterNode ${node} stopped the drain`);
    membership.resume(node);
    if (wasPaused && membership.canHost(node)) this.d.resumed(node);
    const vms = failback && membership.canHost(node) ? drains.movedAway(node).filter((vm) => vm.migratingTo === undefined) : [];
    if (!vms.length) return outcome.ok(value([]));

    const migrations: LiveMigrationValue[] = [];
    const handles: LiveMigration[] = [];
    let left = vms.length;
    let over = false;
    let timer: Timer | undefined;
    const finish = (failure?: string) => {
      if (over) return;
      over = true;
      timer?.cancel();
      for (const m of handles) engine.cancel(m, failure ?? 'failback completed');
      if (failure === undefined) outcome.ok(value(migrations));
      else outcome.fail(new OperationError(`Resume-ClusterNode -Failback of ${node} failed: ${failure}; the VMs that did not move stay where they are`, value(migrations)));
    };
    for (const vm of vms) {
      handles.push(
        engine.request(vm, node, (end) => {
          if (over) return;
          if (end.outcome !== 'cancelled') migrations.push(end.value);
          if (end.outcome === 'failed') return finish(`the live migration of ${vm.name} back to ${node} failed: ${end.reason}`);
          if (--left === 0) finish();
        }, transport),
      );
    }
    if (timeoutMs !== undefined && !over) timer = clock.after(timeoutMs, () => finish(`it did not complete within ${seconds(timeoutMs)}; what could be cancelled was`));
  }
}

export function describeNode(membership: Membership, node: string): string {
  const { State, StatusInformation } = membership.observe(node);
  return [State, ...StatusInformation].join(', ') + (membership.stateOf(node) === 'Up' && !membership.isMember(node) ? ', clussvc not running' : '');
}
