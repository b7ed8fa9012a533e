import type { ClusterEvent } from '../target.js';

/**
 * The nodes' System event logs, and the text of every record the simulator writes. Messages follow the
 * provider manifests ([EVT], [BRAIN-FC], [SCM7031]) with the insertion strings filled in.
 */

export type EventLevel = 'Critical' | 'Error' | 'Warning' | 'Information';

/** A record with its insertion strings (Get-WinEvent .Properties: %1, %2, … in the manifest's order). */
export interface SimEventRecord extends ClusterEvent {
  data: string[];
}

const clustering = 'Microsoft-Windows-FailoverClustering';
const scm = 'Service Control Manager';
// Hyper-V's own providers write to their own Admin channels (windows-cluster-facts §2.4)
const highAvailability = { provider: 'Microsoft-Windows-Hyper-V-High-Availability', log: 'Microsoft-Windows-Hyper-V-High-Availability-Admin' };
const vmms = { provider: 'Microsoft-Windows-Hyper-V-VMMS', log: 'Microsoft-Windows-Hyper-V-VMMS-Admin' };
const worker = { provider: 'Microsoft-Windows-Hyper-V-Worker', log: 'Microsoft-Windows-Hyper-V-Worker-Admin' };
const storageVsp = { provider: 'Microsoft-Windows-Hyper-V-StorageVSP', log: 'Microsoft-Windows-Hyper-V-StorageVSP-Admin' };

export class EventLog {
  private pending: ClusterEvent[] = [];
  /** The insertion strings of each pending record, kept beside it so drain() returns records as before. */
  private pendingData: string[][] = [];

  constructor(
    private readonly now: () => number,
    private readonly epochMs: number,
  ) {}

  private write(node: string, provider: string, id: number, level: EventLevel, message: string, data: readonly (string | number)[], log = 'System'): void {
    const t = this.now();
    const time = this.isoTime(t);
    this.pending.push({ t, node, log, provider, id, level, time, message });
    this.pendingData.push(data.map(String));
  }

  /** The wall-clock (ISO) time of virtual time `t`, as the nodes' logs print it. */
  isoTime(t: number): string {
    return new Date(this.epochMs + t).toISOString();
  }

  /** Records written since the previous call, oldest first. */
  drain(): ClusterEvent[] {
    const out = this.pending;
    this.pending = [];
    this.pendingData = [];
    return out;
  }

  /** Records written since the previous drain, oldest first, each with its insertion strings (the rehearsal lab's event store). */
  drainRecords(): SimEventRecord[] {
    const data = this.pendingData;
    return this.drain().map((e, i) => ({ ...e, data: data[i] }));
  }

  // 7031 EVENT_SERVICE_CRASH, on the node whose service died [SCM7031]; `actionNumber`: which recovery action runs
  serviceCrashed(node: string, times: number, restartInMs: number, actionNumber = 1): void {
    this.write(node, scm, 7031, 'Error',
      `The Cluster Service service terminated unexpectedly. It has done this ${times} time(s). ` +
        `The following corrective action will be taken in ${restartInMs} milliseconds: Restart the service.`,
      // %1 service, %2 count, %3 delay ms, %4 action number, %5 action [SCM7031]
      ['Cluster Service', times, restartInMs, actionNumber, 'Restart the service']);
  }

  // 7034: the service terminated unexpectedly and no corrective action is configured for this failure [ANAVEM7034]
  serviceCrashedNoAction(node: string, times: number): void {
    this.write(node, scm, 7034, 'Error',
      `The Cluster Service service terminated unexpectedly. It has done this ${times} time(s).`, ['Cluster Service', times]);
  }

  // 7036 service state change
  serviceRunning(node: string): void {
    this.write(node, scm, 7036, 'Information', 'The Cluster Service service entered the running state.', ['Cluster Service', 'running']);
  }

  // 7036 service state change: a stop on purpose (Stop-ClusterNode), not a crash
  serviceStopped(node: string): void {
    this.write(node, scm, 7036, 'Information', 'The Cluster Service service entered the stopped state.', ['Cluster Service', 'stopped']);
  }

  // 1135 EVENT_NODE_DOWN, written by a surviving member [EVT]
  nodeRemoved(by: string, node: string): void {
    this.write(by, clustering, 1135, 'Critical',
      `Cluster node '${node}' was removed from the active failover cluster membership. The Cluster service on this node may have stopped. ` +
        'This could also be due to the node having lost communication with other active nodes in the failover cluster. ' +
        'Run the Validate a Configuration wizard to check your network configuration. If the condition persists, check for hardware or ' +
        'software errors related to the network adapters on this node. Also check for failures in any other network components to which ' +
        'the node is connected such as hubs, switches, or bridges.', [node]);
  }

  // The witness lost: 1562 RES_FSW_HEALTHCHECKFAILURE for a file share witness, then 1069 RCM_RESOURCE_FAILURE, on the
  // node that owns the core cluster group [EVT]
  witnessFailed(node: string, type: 'disk' | 'fileshare' | 'cloud'): void {
    const resource = { disk: 'Cluster Disk Witness', fileshare: 'File Share Witness', cloud: 'Cloud Witness' }[type];
    const resourceType = { disk: 'Physical Disk', fileshare: 'File Share Witness', cloud: 'Cloud Witness' }[type];
    if (type === 'fileshare') {
      this.write(node, clustering, 1562, 'Warning',
        `File share witness resource '${resource}' failed a periodic health check on file share '\\\\WITNESS\\cluster'. ` +
          "Please ensure that file share '\\\\WITNESS\\cluster' exists and is accessible by the cluster.", [resource, '\\\\WITNESS\\cluster']);
    }
    this.write(node, clustering, 1069, 'Error',
      `Cluster resource '${resource}' of type '${resourceType}' in clustered role 'Cluster Group' failed.`, [resource, resourceType, 'Cluster Group']);
  }

  // 1177 MM_EVENT_ARBITRATION_FAILED, on each member that shuts down [EVT]
  quorumLost(node: string): void {
    this.write(node, clustering, 1177, 'Critical',
      'The Cluster Service is shutting down because quorum was lost. This could be due to the loss of network connectivity between ' +
        'some or all nodes in the cluster, or a failover of the witness disk. Run the Validate a Configuration wizard to check your ' +
        'network configuration. If the condition persists, check for hardware or software errors related to the network adapter. ' +
        'Also check for failures in any other network components to which the node is connected such as hubs, switches, or bridges.', []);
  }

  // 1673 CLUSTER_NODE_ENTERED_ISOLATED_STATE [EVT], logged by `by` (the node itself, or the member that removed it)
  nodeIsolated(by: string, node = by): void {
    this.write(by, clustering, 1673, 'Warning', `Cluster node '${node}' has entered the isolated state.`, [node]);
  }

  // 1680 CLUSTER_NODE_EXITED_ISOLATED_STATE [EVT]
  nodeExitedIsolation(node: string): void {
    this.write(node, clustering, 1680, 'Information', `Cluster node '${node}' has exited the isolated state.`, [node]);
  }

  // 1672 EVENT_NODE_QUARANTINED, written by a surviving member [EVT]
  nodeQuarantined(by: string, node: string, failures: number, until: number): void {
    this.write(by, clustering, 1672, 'Critical',
      `Cluster node '${node}' has been quarantined. The node experienced '${failures}' consecutive failures within a short amount of time ` +
        `and has been removed from the cluster to avoid further disruptions. The node will be quarantined until '${this.isoTime(until)}' ` +
        'and then the node will automatically attempt to re-join the cluster.', [node, failures, this.isoTime(until)]);
  }

  // 1676 EVENT_LOCAL_NODE_QUARANTINED, on the quarantined node [EVT]
  localNodeQuarantined(node: string, by: string, until: number): void {
    this.write(node, clustering, 1676, 'Error',
      `Local cluster node has been quarantined by '${by}'. The node will be quarantined until '${this.isoTime(until)}' ` +
        'and then the node will automatically attempt to re-join the cluster.', [by, this.isoTime(until)]);
  }

  // 1675 EVENT_JOINING_NODE_QUARANTINED, written by the member that refuses the join [EVT]
  joiningNodeQuarantined(member: string, node: string, by: string, until: number): void {
    this.write(member, clustering, 1675, 'Warning',
      `Cluster node '${node}' has been quarantined by '${by}' and cannot join the cluster. The node will be quarantined until ` +
        `'${this.isoTime(until)}' and then the node will automatically attempt to re-join the cluster.`, [node, by, this.isoTime(until)]);
  }

  // 1641 role moving [BRAIN-FC]
  roleMoving(by: string, vm: string, from: string, to: string): void {
    this.write(by, clustering, 1641, 'Information', `Clustered role '${vm}' is moving from cluster node '${from}' to cluster node '${to}'.`, [vm, from, to]);
  }

  // 1677 EVENT_NODE_DRAIN_FAILED [EVT]
  drainFailed(node: string): void {
    this.write(node, clustering, 1677, 'Error', `Node drain failed on Cluster node ${node}.`, [node]);
  }

  // 1681 CLUSTER_GROUPS_UNMONITORED_ON_NODE [EVT]
  vmsUnmonitored(by: string, node: string, vms: string[]): void {
    this.write(by, clustering, 1681, 'Warning',
      `Virtual machines on node '${node}' have entered an unmonitored state. The virtual machines health will be monitored again once ` +
        `the node returns from an isolated state or may failover if the node does not return. The virtual machine no longer being monitored are: ${vms.join(', ')}.`, [node, vms.join(', ')]);
  }

  // 1682 CLUSTER_MULTIPLE_GROUPS_NO_LONGER_UNMONITORED [EVT]
  vmsMonitoredAgain(node: string, vms: string[]): void {
    this.write(node, clustering, 1682, 'Information',
      `Node '${node}' has rejoined the cluster and the following virtual machines running on that node are once again having their health state monitored: ${vms.join(', ')}.`, [node, vms.join(', ')]);
  }

  // 1682 CLUSTER_GROUP_MOVED_NO_LONGER_UNMONITORED [EVT]
  unmonitoredVmFailedOver(by: string, isolatedNode: string, vm: string): void {
    this.write(by, clustering, 1682, 'Information',
      `Virtual machine '${vm}' which was unmonitored on the isolated node '${isolatedNode}' has been failed over to another node. ` +
        'The health of the virtual machine is once again being monitored.', [vm, isolatedNode]);
  }

  // 1153 failover attempt [BRAIN-FC]
  failingOver(by: string, vm: string, from: string, to: string): void {
    this.write(by, clustering, 1153, 'Information',
      `The Cluster service is attempting to fail over the clustered role '${vm}' from node '${from}' to node '${to}'.`, [vm, from, to]);
  }

  // 1201 role online [BRAIN-FC]
  roleOnline(node: string, vm: string): void {
    this.write(node, clustering, 1201, 'Information', `The Cluster service successfully brought the clustered role '${vm}' online.`, [vm]);
  }

  // 1205 RCM_EVENT_GROUP_FAILED_ONLINE_OFFLINE [EVT]
  roleFailed(by: string, vm: string): void {
    this.write(by, clustering, 1205, 'Error',
      `The Cluster service failed to bring clustered role '${vm}' completely online or offline. One or more resources may be in a failed state. ` +
        'This may impact the availability of the clustered role.', [vm]);
  }

  // 5120 DCM_VOLUME_AUTO_PAUSE_AFTER_FAILURE, on the node that lost CSV access [EVT]
  csvPaused(node: string): void {
    this.write(node, clustering, 5120, 'Error',
      "Cluster Shared Volume 'Volume1' ('Cluster Virtual Disk (Volume1)') has entered a paused state because of 'STATUS_CONNECTION_DISCONNECTED(c000020c)'. " +
        'All I/O will temporarily be queued until a path to the volume is reestablished.', ['Volume1', 'Cluster Virtual Disk (Volume1)', 'STATUS_CONNECTION_DISCONNECTED(c000020c)']);
  }

  // 5121 DCM_VOLUME_NO_DIRECT_IO_DUE_TO_FAILURE: the node lost its path to the CSV, its I/O is redirected [EVT]
  csvRedirected(node: string, volume: string): void {
    this.write(node, clustering, 5121, 'Warning',
      `Cluster Shared Volume '${volume}' ('Cluster Virtual Disk (${volume})') is no longer directly accessible from this cluster node. ` +
        'I/O access will be redirected to the storage device over the network to the node that owns the volume. If this results in degraded ' +
        "performance, please troubleshoot this node's connectivity to the storage device and I/O will resume to a healthy state once " +
        'connectivity to the storage device is reestablished.', [volume, `Cluster Virtual Disk (${volume})`]);
  }

  // 5157 DCM_VOLUME_AUTO_PAUSE_AFTER_FAILURE_EXPECTED: paused by an infrastructure failure (storage connectivity lost) [EVT]
  csvPausedInfrastructure(node: string, volume: string): void {
    this.write(node, clustering, 5157, 'Warning',
      `Cluster Shared Volume '${volume}' ('Cluster Virtual Disk (${volume})') has entered a paused state because of 'STATUS_IO_TIMEOUT(c00000b5)'. ` +
        'All I/O will temporarily be queued until a path to the volume is reestablished. This error is usually caused by an infrastructure ' +
        'failure. For example, losing connectivity to storage or the node owning the Cluster Shared Volume being removed from active cluster membership.',
      [volume, `Cluster Virtual Disk (${volume})`, 'STATUS_IO_TIMEOUT(c00000b5)']);
  }

  // Hyper-V-StorageVSP-Admin 6, on the VM's host when a disk I/O of the VM fails (its volume unreachable): the I/O that
  // freezes it in PausedCritical (fail-storage). The event and its fields (DeviceName, Status: an NTSTATUS) are the
  // provider's manifest as catalogued at https://detection-wiki-dev.pages.dev/microsoft-windows-hyper-v-storagevsp/ (a
  // third-party catalogue of the manifest: weak; no Microsoft page lists the event); that Hyper-V logs it at the failed I/O of a storage loss is our
  // reading (no source describes it). The device is named by the VM's disk on its volume; the status is the one
  // 5120 gives a lost CSV path, STATUS_CONNECTION_DISCONNECTED.
  storageIoFailed(node: string, vm: string, volume: string): void {
    const device = `${volume}\\${vm}\\${vm}.vhdx`;
    this.write(node, storageVsp.provider, 6, 'Error',
      `Storage device '${device}' received an IO failure with error = 0xC000020C.`, [device, '0xC000020C'], storageVsp.log);
  }

  // 5142 DCM_VOLUME_NO_ACCESS: the CSV is no longer accessible from the node [EVT]
  csvNoAccess(node: string, volume: string): void {
    this.write(node, clustering, 5142, 'Error',
      `Cluster Shared Volume '${volume}' ('Cluster Virtual Disk (${volume})') is no longer accessible from this cluster node because of error ` +
        "'ERROR_TIMEOUT(1460)'. Please troubleshoot this node's connectivity to the storage device and network connectivity.",
      [volume, `Cluster Virtual Disk (${volume})`, 'ERROR_TIMEOUT(1460)']);
  }

  // 21502 on the migration source: the message is the failure text (%3) [BRAIN-HA], [LMTSG]; shape from lab §5
  liveMigrationFailedDetail(source: string, vm: string, detail: string): void {
    const text = `Live migration of 'Virtual Machine ${vm}' failed.\n\nVirtual machine migration operation for '${vm}' failed at migration source '${source}'.\n\n${detail}`;
    // The message is just %3 [BRAIN-HA]
    this.write(source, highAvailability.provider, 21502, 'Error', text, [`Virtual Machine ${vm}`, vm, text], highAvailability.log);
  }

  // 21111 "Live migration of '%1' failed." [BRAIN-HA]
  liveMigrationFailed(source: string, vm: string): void {
    this.write(source, highAvailability.provider, 21111, 'Error', `Live migration of '${vm}' failed.`, [vm], highAvailability.log);
  }

  // 20417 on the target: succeeded with an unexpectedly long blackout (example 63.1 s) [LM-ISSUES], [PSTOOLS]
  longBlackout(target: string, vm: string, blackoutMs: number): void {
    this.write(target, vmms.provider, 20417, 'Warning',
      `Live migration of '${vm}' succeeded with an unexpectedly long blackout time of ${(blackoutMs / 1000).toFixed(1)} seconds.`,
      [vm, (blackoutMs / 1000).toFixed(1)], vmms.log);
  }

  // 18590: the guest reported a bugcheck through the Hyper-V crash MSRs [LIS]; codes of KB2636573's 0xD1 in storvsc (lab §4)
  guestCrashed(node: string, vm: string, codes: readonly string[]): void {
    this.write(node, worker.provider, 18590, 'Critical',
      `'${vm}' has encountered a fatal error. The guest operating system reported that it failed with the following error codes: ` +
        `${codes.map((c, i) => `ErrorCode${i}: ${c}`).join(', ')}. If the problem persists, contact Product Support for the guest operating system.`,
      [vm, ...codes], worker.log);
  }
}
