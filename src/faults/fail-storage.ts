import type { FaultDefinition } from './fault.js';

export interface FailStorageParams {
  /** The volume lost: a CSV or an SMB share, by its name in the cluster description (`cluster.storage`). */
  storage: string;
  /** How long it stays lost (ms; `90s` in the file): it returns by itself then, even if clusterchaos dies. */
  duration: number;
}

/** `storage` in a fault's parameters: a volume of the cluster description. */
export const storageParam = {
  type: 'string',
  minLength: 1,
  description:
    "The volume: a CSV or an SMB share named in cluster.storage (without it, each VM storage kind implies one: 'csv' for csv-block VMs, 'smb' for smb VMs)",
};

/** `duration`: how long the loss lasts. */
export const storageDuration = { type: 'string', format: 'duration', description: 'How long the loss lasts before the storage returns by itself, e.g. 90s' };

/**
 * A shared volume lost for every node: a CSV (its block storage: iSCSI, FC, SAS) or an SMB 3 share. Storage
 * resiliency (Hyper-V, 2016+) freezes each VM on it at its next I/O (PausedCritical) and resumes it when the storage
 * returns [SAVILL-477], [SAVILL-478], [INNOV]; a VM still paused after its AutomaticCriticalErrorActionTimeout
 * (default 30 min) is powered off [PSDOC-SETVM]. On a CSV every node logs 5157 and 5142 [EVT]. The loss heals by
 * itself after `duration` (on a real cluster: the scheduled tasks that remove the firewall rules on every node).
 */
export const failStorage: FaultDefinition<FailStorageParams> = {
  name: 'fail-storage',
  summary: 'Lose a CSV or an SMB share for every node for a while: its VMs pause (PausedCritical) and resume when it returns',
  params: {
    type: 'object',
    properties: { storage: storageParam, duration: storageDuration },
    required: ['storage', 'duration'],
    additionalProperties: false,
  },
  // Every node loses the volume, none leaves membership or loses a vote
  impairs: () => [],
  inject: (target, p) => target.failStorage(p.storage, { healAfterMs: p.duration }),
  revert: (target, p) => target.restoreStorage(p.storage),
};
