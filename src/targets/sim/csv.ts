import type { EventLog } from './eventlog.js';

/**
 * Cluster Shared Volume access per node (block storage). CSV is a cluster resource: a node has direct I/O
 * to the volumes only while it is an active member, loses it when it is removed (isolated or down), and
 * gets it back when it rejoins [ITPRO-RES], [WHII-SOFS], [SAVILL-478].
 */
export class CsvAccess {
  private readonly lost = new Set<string>();

  constructor(
    private readonly log: EventLog,
    /** Whether the cluster has any CSV at all (some VM lives on csv-block storage). */
    private readonly hasVolumes: boolean,
    private readonly changed: (node: string, access: boolean) => void,
  ) {}

  has(node: string): boolean {
    return !this.lost.has(node);
  }

  /**
   * The node left membership; `gracefully` (Stop-ClusterNode, or the whole cluster stopping when quorum is
   * lost) dismounts the volumes without an error.
   */
  lose(node: string, gracefully = false): void {
    if (this.lost.has(node)) return;
    this.lost.add(node);
    // The volume pauses on that node until a path to it is reestablished (5120) [EVT]
    if (this.hasVolumes && !gracefully) this.log.csvPaused(node);
    this.changed(node, false);
  }

  restore(node: string): void {
    if (!this.lost.delete(node)) return;
    this.changed(node, true);
  }
}
