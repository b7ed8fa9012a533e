/**
 * FailoverClusters commands that change the cluster: Move-ClusterVirtualMachineRole, Suspend-ClusterNode,
 * Resume-ClusterNode, Stop-ClusterNode, Start-ClusterNode, through the simulator's mechanisms as SimTarget
 * drives them (Moves, NodeControl). A cmdlet that waits for the cluster parks its process in the lab until
 * the simulator's operation ends, in virtual time.
 */
import { OperationError } from '../../../target.js';
import type { DrainValue, LiveMigrationValue } from '../../../../trace/records.js';
import { choosePlacement, placementLoad } from '../../../sim/placement.js';
import { Settlement, Terminating, unsupported, type Call } from '../call.js';
import { WAIT_LIMIT_MS } from '../clock.js';
import type { Handlers } from '../server.js';
import { checkCluster, errorId, findGroup, groupObject, nodeObject, type GroupRef } from './cluster-objects.js';
import { namedNodes } from './cluster.js';

/** A refusal or failure the simulator reports: the cmdlet's terminating error. */
function failed(call: Call, e: unknown, id = 'ClusterOperationFailed'): never {
  if (e instanceof OperationError) throw new Terminating(e.message, errorId(call.command, id), 'InvalidOperation');
  throw e;
}

/** The VM group the call names (-Name, -InputObject, -VMId). */
function vmGroup(call: Call): GroupRef {
  const { world } = call;
  const vmId = call.str('VMId');
  const name = call.str('Name') ?? call.objects('InputObject')?.[0]?.name;
  let ref: GroupRef | undefined;
  if (name !== undefined) ref = findGroup(world, name);
  else if (vmId !== undefined) {
    const vm = world.vmById(vmId);
    ref = vm ? findGroup(world, world.groupName(vm.name)) : undefined;
  }
  if (!ref) {
    throw new Terminating(`The cluster group '${name ?? vmId ?? ''}' was not found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', name ?? vmId);
  }
  if (!ref.vm) throw new Terminating(`The group '${ref.name}' is not a virtual machine role.`, errorId(call.command, 'NotAVirtualMachineRole'), 'InvalidArgument', ref.name);
  return ref;
}

/** Wait in virtual time for an operation: until it settles, or -Wait seconds when given. */
async function settle<T>(call: Call, s: Settlement<T>, waitSeconds: number | undefined, what: string): Promise<'settled' | 'waited'> {
  const end = await call.wait({ ready: () => s.settled, ...(waitSeconds !== undefined ? { ms: waitSeconds * 1000 } : {}) });
  if (s.settled) return 'settled';
  if (end === 'due' && waitSeconds === undefined) {
    throw new Terminating(`${what} had not ended after ${WAIT_LIMIT_MS / 3_600_000} h of virtual time; the rehearsal lab stopped waiting for it.`, errorId(call.command, 'OperationTimedOut'), 'OperationTimeout');
  }
  return 'waited';
}

export const clusterControl: Handlers = {
  /**
   * -MigrationType Live (the default): the simulator's live migration of the group's VM; the cmdlet returns
   * the group when it completed, fails with the simulator's reason otherwise. -Cancel: the group's migration
   * in progress is cancelled. -Wait <s>: returns after that long even if the migration goes on (0: at once).
   */
  'Move-ClusterVirtualMachineRole': async (call) => {
    checkCluster(call);
    const { world } = call;
    const ref = vmGroup(call);
    const vm = ref.vm!;
    if (call.flag('Cancel')) {
      const result = world.sim.cancelLiveMigration(vm.name, 'cancelled by Move-ClusterVirtualMachineRole -Cancel');
      if (result === 'none') {
        throw new Terminating(`There is no migration of the virtual machine role '${ref.name}' in progress to cancel.`, errorId(call.command, 'NoMigrationInProgress'), 'InvalidOperation', ref.name);
      }
      if (result === 'too-late') {
        throw new Terminating(`The migration of the virtual machine role '${ref.name}' is past its blackout and can no longer be cancelled.`, errorId(call.command, 'MigrationNotCancellable'), 'InvalidOperation', ref.name);
      }
      call.output.push(groupObject(world, ref));
      return;
    }
    const type = call.str('MigrationType') ?? 'Live';
    if (type !== 'Live') throw unsupported(call.command, `-MigrationType ${type}`);
    if (call.flag('IgnoreLocked')) throw unsupported(call.command, '-IgnoreLocked');
    const asked = call.str('Node');
    let node: string | undefined;
    if (asked !== undefined) {
      node = world.nodeOf(asked);
      if (!node) throw new Terminating(`The cluster node '${asked}' was not found.`, errorId(call.command, 'ClusterObjectNotFound'), 'ObjectNotFound', asked);
    } else {
      // No -Node: the cluster picks the best possible node (placement: fewest VMs)
      node = choosePlacement(world.nodes, (n) => n !== vm.owner && world.sim.membership.canHost(n), (n) => placementLoad(world.sim.vms, n));
      if (!node) throw new Terminating(`No node can take the virtual machine role '${ref.name}'.`, errorId(call.command, 'NoPossibleOwner'), 'InvalidOperation', ref.name);
    }
    const s = new Settlement<LiveMigrationValue>();
    try {
      world.sim.moves.liveMigrate(vm.name, node, {}, s);
    } catch (e) {
      failed(call, e, 'MoveFailed');
    }
    if ((await settle(call, s, call.num('Wait'), `the live migration of '${vm.name}' to ${node}`)) === 'settled' && s.error) failed(call, s.error, 'MoveFailed');
    call.output.push(groupObject(world, ref));
  },

  /** Pause; with -Drain the simulator's drain; with -Wait the cmdlet returns when the drain ended. */
  'Suspend-ClusterNode': async (call) => {
    checkCluster(call);
    if (call.has('TargetNode')) throw unsupported(call.command, '-TargetNode (the lab drains to the nodes placement picks)');
    const { world } = call;
    const drain = call.flag('Drain') || call.flag('ForceDrain');
    for (const node of namedNodes(call, 'local')) {
      const s = new Settlement<DrainValue>();
      try {
        world.sim.control.suspend(node, drain, undefined, s);
      } catch (e) {
        failed(call, e, 'SuspendFailed');
      }
      if (drain && call.flag('Wait') && (await settle(call, s, undefined, `the drain of ${node}`)) === 'settled' && s.error) failed(call, s.error, 'DrainFailed');
      call.output.push(nodeObject(world, node));
    }
  },

  /** Resume; -Failback Immediate starts the failback moves and returns at once (the cmdlet has no -Wait). */
  'Resume-ClusterNode': (call) => {
    checkCluster(call);
    const { world } = call;
    const failback = call.str('Failback') === 'Immediate';
    for (const node of namedNodes(call, 'local')) {
      try {
        world.sim.control.resume(node, failback, undefined, new Settlement<DrainValue>());
      } catch (e) {
        failed(call, e, 'ResumeFailed');
      }
      call.output.push(nodeObject(world, node));
    }
  },

  /** The simulator's graceful stop (its VMs drained first); returns when the node is Down (or -Wait seconds). */
  'Stop-ClusterNode': async (call) => {
    checkCluster(call);
    const { world } = call;
    for (const node of namedNodes(call, 'local')) {
      const service = world.sim.services.get(node)!;
      try {
        world.sim.control.stop(node);
      } catch (e) {
        failed(call, e, 'StopFailed');
      }
      const drainFailed = () => world.sim.membership.observe(node).StatusInformation.includes('DrainFailed');
      const end = await call.wait({ ready: () => !service.running || drainFailed(), ...(call.has('Wait') ? { ms: call.num('Wait')! * 1000 } : {}) });
      if (service.running && drainFailed()) {
        throw new Terminating(`The node '${node}' could not be stopped: its roles could not all be drained (1677); it stays Paused.`, errorId(call.command, 'DrainFailed'), 'InvalidOperation', node);
      }
      if (end === 'due' && service.running && !call.has('Wait')) {
        throw new Terminating(`Stop-ClusterNode ${node} had not ended after ${WAIT_LIMIT_MS / 3_600_000} h of virtual time.`, errorId(call.command, 'OperationTimedOut'), 'OperationTimeout', node);
      }
      call.output.push(nodeObject(world, node));
    }
  },

  /** Starts clussvc through the simulator (-ClearQuarantine lets a quarantined node join now); returns at once. */
  'Start-ClusterNode': (call) => {
    checkCluster(call);
    for (const p of ['ForceQuorum', 'IgnorePersistentState', 'PreventQuorum']) if (call.flag(p)) throw unsupported(call.command, `-${p}`);
    const { world } = call;
    for (const node of namedNodes(call, 'local')) {
      if (world.sim.services.get(node)!.startType === 'Disabled') {
        throw new Terminating(
          `Failed to start the cluster service on node '${node}'. The service cannot be started, either because it is disabled or because it has no enabled devices associated with it.`,
          errorId(call.command, 'StartClusterNodeFailed'),
          'InvalidOperation',
          node,
        );
      }
      try {
        world.sim.control.start(node, call.flag('ClearQuarantine'));
      } catch (e) {
        failed(call, e, 'StartFailed');
      }
      call.output.push(nodeObject(world, node));
    }
  },
};
