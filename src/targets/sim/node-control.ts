import { OperationError } from '../target.js';
import type { ClusterService } from './clussvc.js';
import type { Defects } from './defects.js';
import type { EventLog } from './eventlog.js';
import type { Membership } from './membership.js';
import type { LiveMigrations } from './migration.js';
import type { Quarantine } from './quarantine.js';

export interface NodeControlDeps {
  nodes: readonly string[];
  services: ReadonlyMap<string, ClusterService>;
  membership: Membership;
  migrations: LiveMigrations;
  quarantine: Quarantine;
  defects: Defects;
  log: EventLog;
}

/** Stop-ClusterNode and Start-ClusterNode: the administrator's way to take a node out and bring it back. */
export class NodeControl {
  constructor(private readonly d: NodeControlDeps) {}

  /**
   * Stop-ClusterNode [PSDOC-STOPCN]: the node is Paused (DrainInProgress) while its VMs live-migrate away,
   * then clussvc stops and the node is Down, neither Isolated nor counted toward quarantine ([HV-STOPSVC],
   * lab-observations §1). Returns once the stop is under way.
   */
  stop(node: string): void {
    const { membership } = this.d;
    if (!membership.canHost(node)) {
      throw new OperationError(`${node} is not Up (${describeNode(membership, node)}); Stop-ClusterNode stops a node that is Up`);
    }
    // Refused if it would take the cluster below quorum [PSDOC-STOPCN]: node majority, no witness.
    const up = this.d.nodes.filter((n) => membership.canHost(n)).length;
    const majority = Math.floor(this.d.nodes.length / 2) + 1;
    if (up - 1 < majority) {
      throw new OperationError(
        `stopping ${node} would leave ${up - 1} of ${this.d.nodes.length} nodes Up, fewer than the majority of ${majority} ` +
          'the cluster needs for quorum; start another node first',
      );
    }
    const service = this.d.services.get(node)!;
    // Defect graceful-isolates: no drain; the members treat the stop as a lost node.
    if (this.d.defects.has('graceful-isolates')) return service.stop();
    membership.pause(node);
    this.d.migrations.drain(node, () => service.stop());
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
}

function describeNode(membership: Membership, node: string): string {
  const { State, StatusInformation } = membership.observe(node);
  return [State, ...StatusInformation].join(', ') + (membership.stateOf(node) === 'Up' ? ', clussvc not running' : '');
}
