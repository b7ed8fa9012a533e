import type { FaultDefinition } from './fault.js';
import { storageDuration, storageParam } from './fail-storage.js';

export interface FailStoragePathParams {
  /** The node that loses its path. */
  node: string;
  /** The volume: a CSV or an SMB share named in the cluster description. */
  storage: string;
  /** How long the path stays lost (ms; `60s` in the file): it returns by itself then. */
  duration: number;
}

/**
 * One node loses its path to a volume (its HBA, its iSCSI or SMB connection). To a CSV the node stays connected in
 * redirected access: its I/O goes over the network through the node that owns the volume, it logs 5121, and its VMs
 * keep running, monitored [EVT], [CSV-REDIR]. An SMB share has no such detour: that node's VMs on it lose their
 * storage (PausedCritical at their next I/O, as under fail-storage) while the other nodes' run on. Heals by itself
 * after `duration` (on a real node: a scheduled task that removes the firewall rules).
 */
export const failStoragePath: FaultDefinition<FailStoragePathParams> = {
  name: 'fail-storage-path',
  summary: "Cut one node's path to a CSV (redirected access) or an SMB share (its VMs there pause) for a while; it heals by itself",
  params: {
    type: 'object',
    properties: {
      node: { type: 'string', minLength: 1, description: 'The node that loses its path to the storage' },
      storage: storageParam,
      duration: storageDuration,
    },
    required: ['node', 'storage', 'duration'],
    additionalProperties: false,
  },
  // The node stays a member with its vote; only its storage I/O is affected
  impairs: () => [],
  inject: (target, p) => target.failStorage(p.storage, { node: p.node, healAfterMs: p.duration }),
  revert: (target, p) => target.restoreStorage(p.storage, { node: p.node }),
};
