import type { SimEventRecord } from '../../sim/eventlog.js';

/** One record in a node's event log, as Get-WinEvent reads it. */
export interface StoredEvent {
  node: string;
  log: string;
  provider: string;
  id: number;
  /** 1 Critical, 2 Error, 3 Warning, 4 Information (EventLogRecord.Level). */
  level: number;
  levelName: string;
  /** Per log, from 1, in the order written. */
  recordId: number;
  /** TimeCreated by the node's clock (skew included), epoch ms. */
  timeMs: number;
  message: string;
  /** The insertion strings (.Properties[i].Value). */
  data: string[];
}

const LEVELS: Record<string, number> = { Critical: 1, Error: 2, Warning: 3, Information: 4 };

/**
 * The logs every node has (Get-WinEvent -ListLog): the classic ones, the cluster's operational channel and
 * the Hyper-V Admin channels the simulator writes to (windows-cluster-facts §2.1), with their providers.
 */
export const NODE_LOGS: readonly { name: string; type: 'Administrative' | 'Operational'; classic: boolean; providers: readonly string[] }[] = [
  { name: 'Application', type: 'Administrative', classic: true, providers: [] },
  { name: 'System', type: 'Administrative', classic: true, providers: ['Microsoft-Windows-FailoverClustering', 'Service Control Manager'] },
  { name: 'Microsoft-Windows-FailoverClustering/Operational', type: 'Operational', classic: false, providers: ['Microsoft-Windows-FailoverClustering'] },
  { name: 'Microsoft-Windows-Hyper-V-High-Availability-Admin', type: 'Administrative', classic: false, providers: ['Microsoft-Windows-Hyper-V-High-Availability'] },
  { name: 'Microsoft-Windows-Hyper-V-VMMS-Admin', type: 'Administrative', classic: false, providers: ['Microsoft-Windows-Hyper-V-VMMS'] },
  { name: 'Microsoft-Windows-Hyper-V-Worker-Admin', type: 'Administrative', classic: false, providers: ['Microsoft-Windows-Hyper-V-Worker'] },
  { name: 'Microsoft-Windows-Hyper-V-StorageVSP-Admin', type: 'Administrative', classic: false, providers: ['Microsoft-Windows-Hyper-V-StorageVSP'] },
];

/** Every node's event logs: what the simulator wrote, each record stamped by its node's clock. */
export class EventStore {
  private readonly records = new Map<string, StoredEvent[]>();
  private readonly lastRecordId = new Map<string, number>();

  /** Add the simulator's records (drained after every step and every command). */
  add(records: readonly SimEventRecord[], nodeClock: (node: string, t: number) => number): void {
    for (const r of records) {
      const key = `${r.node}\n${r.log}`;
      const recordId = (this.lastRecordId.get(key) ?? 0) + 1;
      this.lastRecordId.set(key, recordId);
      const level = LEVELS[r.level] ?? 4;
      const stored: StoredEvent = {
        node: r.node,
        log: r.log,
        provider: r.provider,
        id: r.id,
        level,
        levelName: r.level,
        recordId,
        timeMs: nodeClock(r.node, r.t),
        message: r.message,
        data: [...r.data],
      };
      let list = this.records.get(r.node);
      if (!list) this.records.set(r.node, (list = []));
      list.push(stored);
    }
  }

  /** The node's records, oldest first. */
  of(node: string): readonly StoredEvent[] {
    return this.records.get(node) ?? [];
  }

  /** How many records the node's log holds. */
  count(node: string, log: string): number {
    return this.of(node).filter((e) => e.log === log).length;
  }
}
