import { OperationError, OperationUnknownError, type LiveMigrateOptions } from '../target.js';
import type { LiveMigrationValue } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { Membership } from './membership.js';
import type { LiveMigrationEngine, MigrationEnd } from './migration.js';
import { describeNode } from './node-control.js';
import { badTimeout, seconds, type Outcome } from './outcome.js';
import type { Placement } from './placement.js';
import type { ClusteredVm } from './vm.js';

export interface MovesDeps {
  clock: SimClock;
  clusterName: string;
  nodes: readonly string[];
  vms: readonly ClusteredVm[];
  membership: Membership;
  engine: LiveMigrationEngine;
  /** Host memory: a VM is not moved to a node without room for it. */
  placement: Placement;
}

const transports = ['TCPIP', 'Compression', 'SMB', 'SMBDirect'];

/**
 * Move-ClusterVirtualMachineRole -MigrationType Live [PSDOC-MOVE]: one VM to one node through the migration
 * engine. Refused, with nothing done, when the VM or node is unknown, the VM is not online on an active
 * member or is already on its way somewhere, the node cannot host roles, or the VM already runs there.
 * With a timeout the migration is cancelled (-Cancel) when it has not completed in time, which is possible
 * until the blackout begins; after that the outcome is unknown.
 */
export class Moves {
  constructor(private readonly d: MovesDeps) {}

  liveMigrate(vmName: string, node: string, options: LiveMigrateOptions, outcome: Outcome<LiveMigrationValue>): void {
    const { membership, clock, engine } = this.d;
    const vm = this.d.vms.find((v) => v.name === vmName);
    if (!vm) {
      throw new OperationError(`no VM ${vmName} in cluster ${this.d.clusterName} (VMs: ${this.d.vms.map((v) => v.name).join(', ') || 'none'})`);
    }
    if (!this.d.nodes.includes(node)) {
      throw new OperationError(`no node ${node} in cluster ${this.d.clusterName} (nodes: ${this.d.nodes.join(', ')})`);
    }
    if (options.transport !== undefined && !transports.includes(options.transport)) {
      throw new OperationError(`transport must be one of ${transports.join(', ')}, got ${JSON.stringify(options.transport)}`);
    }
    const bad = badTimeout(options.timeoutMs);
    if (bad) throw new OperationError(bad);
    if (vm.group !== 'Online') throw new OperationError(`${vmName} is not online (State ${vm.state}, GroupState ${vm.group}); only a running VM live-migrates`);
    if (vm.owner === node) throw new OperationError(`${vmName} already runs on ${node}`);
    if (vm.migratingTo !== undefined) throw new OperationError(`${vmName} is already being live-migrated to ${vm.migratingTo}`);
    if (!membership.isMember(vm.owner)) {
      throw new OperationError(`${vmName} runs on ${vm.owner}, which is not an active member (${describeNode(membership, vm.owner)}); it cannot be live-migrated now`);
    }
    if (!membership.canHost(node)) throw new OperationError(`${node} cannot host roles (${describeNode(membership, node)})`);
    // The target must have memory for the VM: a live migration to a host without it fails (21502) [ASKCOREJP-CAU];
    // refused here before anything starts. Defect placement-ignores-memory: the move goes ahead
    const free = this.d.placement.freeGB(node);
    if (vm.configuration.memoryGB > free && !this.d.placement.ignoresMemory) {
      throw new OperationError(`${vmName} needs ${vm.configuration.memoryGB} GB of memory; ${node} has ${Math.max(0, Math.round(free * 10) / 10)} GB free (cluster.hostMemoryGB); it stays on ${vm.owner}`);
    }

    const source = vm.owner;
    const timeoutMs = options.timeoutMs;
    const within = timeoutMs === undefined ? '' : `did not complete within ${seconds(timeoutMs)}`;
    let timer: Timer | undefined;
    let timedOut = false;
    const m = engine.request(
      vm,
      node,
      (end: MigrationEnd) => {
        timer?.cancel();
        if (end.outcome === 'completed') return outcome.ok(end.value);
        const stays = `${vmName} stays on ${source}`;
        if (end.outcome === 'failed') {
          return outcome.fail(new OperationError(`live migration of '${vmName}' to ${node} failed in ${end.value.failedIn}: ${end.reason}; ${stays}`, end.value));
        }
        if (timedOut) {
          return outcome.fail(new OperationError(`live migration of '${vmName}' to ${node} ${within}; cancelled (Move-ClusterVirtualMachineRole -Cancel); ${stays}`, end.value));
        }
        outcome.fail(new OperationError(`live migration of '${vmName}' to ${node} was cancelled in ${end.value.failedIn}: ${end.reason}; ${stays}`, end.value));
      },
      options.transport,
    );
    if (timeoutMs === undefined || m.done) return;
    timer = clock.after(timeoutMs, () => {
      timedOut = true;
      const value = m.value(clock.now(), m.phase);
      if (engine.cancel(m, within)) return; // `ended` reports it
      outcome.fail(
        new OperationUnknownError(`live migration of '${vmName}' to ${node} ${within} and cannot be cancelled in ${m.phase}; it may still complete`, value),
      );
    });
  }
}
