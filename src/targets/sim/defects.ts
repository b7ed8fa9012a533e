/**
 * Defect profiles: named ways the simulator can be told to deviate from the documented behaviour, so the
 * checker can be shown to catch each deviation. A defect is a switch; the mechanism that would misbehave
 * asks `defects.has(name)` right where it deviates. To add one: a line in `catalogue`, a check at the
 * mechanism, a test.
 */

const catalogue = [
  {
    name: 'no-isolation',
    summary: 'The crashed node goes straight Down and its VMs fail over at once, as if resiliency were off',
  },
  {
    name: 'quarantine-without-drain',
    summary: 'A quarantined node keeps its VMs: they are not live-migrated away (seen on a Technical Preview build)',
  },
  { name: 'quarantine-cap-ignored', summary: 'Nodes are quarantined beyond MaxQuarantinedPercent of the cluster' },
  { name: 'no-quarantine', summary: 'QuarantineThreshold is never applied: a node that keeps crashing is just Isolated again' },
  { name: 'down-early', summary: 'An Isolated node is declared Down at half of ResiliencyDefaultPeriod' },
  { name: 'down-late', summary: 'An Isolated node is declared Down at twice ResiliencyDefaultPeriod' },
  { name: 'csv-not-paused', summary: 'CSV-backed VMs keep Running (never RunningCritical or PausedCritical) when their node loses CSV access' },
  { name: 'smb-paused', summary: 'SMB-backed VMs go PausedCritical while their node is Isolated, as if their disks were on a CSV' },
  { name: 'no-remonitor', summary: 'When an Isolated node rejoins, its VMs stay Unmonitored' },
  { name: 'graceful-counts', summary: 'A graceful stop (Stop-ClusterNode) counts as an ungraceful exit toward quarantine' },
  { name: 'graceful-isolates', summary: 'A graceful stop isolates the node with its VMs on it instead of draining it and taking it Down' },
  { name: 'no-isolation-event', summary: 'An Isolated node does not log event 1673 (entered the isolated state)' },
  { name: 'restart-in-place', summary: 'A failed-over VM is restarted on its own node, although that node is Down' },
  { name: 'no-rejoin', summary: 'A removed node never rejoins, even once its cluster service runs again' },
  {
    name: 'failover-instead-of-drain',
    summary: 'A drain (graceful stop or quarantine) fails the VMs over (Off, then Starting elsewhere) instead of live-migrating them',
  },
  { name: 'level-ignored', summary: 'ResiliencyLevel 1 behaves like 2: a node cut off from every network is Isolated instead of Down' },
  { name: 'vm-period-ignored', summary: "A VM's own ResiliencyPeriod is ignored: its VMs wait for the node's ResiliencyDefaultPeriod" },
  { name: 'old-vms-resilient', summary: 'VMs below MinimumResilientVmVersion stay Unmonitored on the Isolated node instead of failing over' },
  { name: 'partition-removes-both', summary: 'An asymmetric partition removes the node cut off and its peers too' },
  { name: 'no-network-isolation', summary: 'A node whose heartbeats are cut is never removed from membership: it stays Up' },
  {
    name: 'storvsc-race',
    summary: 'KB2636573: a guest may bugcheck (0xD1, event 18590) as its migration ends; likeliest with dynamic VHDs on SCSI that are written to',
  },
  {
    name: 'missing-shared-storage-path',
    summary: 'Every live migration fails in setup (21502, 0x80070002: the SharedStoragePath is gone); the VMs stay put and drains fail',
  },
  { name: 'lm-stall', summary: 'About one live migration in 200 never completes: one of its pre-copy passes never ends (it can be cancelled)' },
  { name: 'long-blackout', summary: 'Live migrations complete with a blackout of 60–70 s (event 20417, "unexpectedly long blackout time")' },
  { name: 'migration-limit-ignored', summary: 'Every requested live migration starts at once: MaximumVirtualMachineMigrations and MaximumParallelMigrations are ignored' },
  { name: 'pass-limit-ignored', summary: 'Pre-copy ignores the pass limit (5, or 10 on 2008 R2) and goes on until the dirty remainder converges' },
  { name: 'owner-not-moved', summary: "A live migration completes but the VM's cluster group stays owned by the source node" },
  { name: 'smb-paused-in-quarantine', summary: 'SMB-backed VMs go PausedCritical while their node is quarantined, as if their disks were on a CSV' },
  {
    name: 'csv-running-in-quarantine',
    summary: 'CSV-backed VMs on a quarantined node run on as if it had CSV access (neither RunningCritical nor PausedCritical) until they move',
  },
  {
    name: 'unmonitored-on-graceful-stop',
    summary: 'While a node is drained to be stopped gracefully (Stop-ClusterNode), its VMs are Unmonitored, as on an Isolated node',
  },
  {
    name: 'restart-on-down-node',
    summary: 'A failed-over VM is shown Starting on its own node while that node is Down, and runs there once the node rejoins',
  },
  {
    name: 'owner-moved-elsewhere',
    summary: "A live migration completes but the VM's cluster group ends up owned by a third node, neither its source nor its target",
  },
  {
    name: 'short-blackout-20417',
    summary: "Live migrations switch over in 8–15 s, within the clients' 20 s TCP timeout, and log event 20417 (unexpectedly long blackout) for it",
  },
  {
    name: 'spurious-isolation-event',
    summary: 'When a node is isolated, the member that removed it also logs event 1673 (entered the isolated state) for itself, though it stays Up',
  },
  {
    name: 'migration-pauses-vm',
    summary: 'A VM live-migrated from a member (on request, or drained from a Paused node) is seen PausedCritical on its source during pre-copy',
  },
  { name: 'storage-loss-not-paused', summary: 'VMs whose storage is lost keep Running: storage resiliency never pauses them (PausedCritical)' },
  { name: 'no-resume-after-storage', summary: 'VMs paused by a storage loss (PausedCritical) stay paused after their storage returns' },
  { name: 'redirected-access-pauses-vm', summary: 'VMs on a node in CSV redirected access (its own path to the CSV lost) go PausedCritical, as if the CSV were lost' },
  {
    name: 'critical-timeout-ignored',
    summary: 'VMs paused by a storage loss stay PausedCritical past their AutomaticCriticalErrorActionTimeout instead of being powered off',
  },
  {
    name: 'placement-ignores-memory',
    summary: 'Failover and drains place VMs whatever memory the target host has left, overcommitting it (cluster.hostMemoryGB)',
  },
  {
    name: 'no-auto-start-restarted',
    summary: 'A VM whose Priority is No Auto Start is restarted by a failover like any other',
  },
  {
    name: 'preferred-owner-ignored',
    summary: "A failed-over or drained VM's preferred owners play no part in where it goes: it takes the node hosting the fewest VMs",
  },
  {
    name: 'anti-affinity-ignored',
    summary: 'AntiAffinityClassNames play no part in placement: a failed-over VM may join a VM of its class although another node could take it',
  },
  {
    name: 'power-loss-fails-over-at-once',
    summary: 'Under AlwaysIsolate a powered-off host goes Down at once and its VMs restart elsewhere before the period ends, as if the cluster could tell a dead host from an isolated one',
  },
  {
    name: 'dead-vm-reported-running',
    summary: 'The VMs of a powered-off host are reported Running, although they died with it and their host cannot be asked',
  },
  {
    name: 'no-failover-after-power-loss',
    summary: 'The VMs of a powered-off host are never restarted elsewhere once its node is Down: they stay dead, reported Unmonitored',
  },
  {
    name: 'restart-without-drain',
    summary: 'Restart-Computer with DrainOnShutdown on saves the node\'s VMs and restarts them elsewhere (downtime) instead of draining them by live migration',
  },
  {
    name: 'pause-lost-on-restart',
    summary: 'A node paused by Suspend-ClusterNode comes back Up after a restart, taking roles before anyone resumed it (the pause is kept through a restart)',
  },
  {
    name: 'quarantine-drains-dead-node',
    summary: 'A node quarantined while its cluster service is dead (or its networks cut) is drained at once by live migration, as if it could take part',
  },
  {
    name: 'event-from-dead-node',
    summary: 'A node logs 1673 (isolated) and 1676 (quarantined) at the moment it is removed, even while its cluster service is dead or its networks cut',
  },
  {
    name: 'recovery-ignores-failure-count',
    summary: "The service control manager restarts a crashed clussvc at every failure, whatever its FailureActions say for the second and later ones",
  },
  { name: 'witness-loss-stops-cluster', summary: 'Losing the quorum witness stops the cluster although every node is up and the nodes hold a majority of the votes' },
  { name: 'witness-vote-ignored', summary: "The witness's vote is never counted: a cluster with an even number of nodes loses quorum when half of them go at once, witness or not" },
  { name: 'one-network-isolates', summary: 'Losing one cluster network cuts the heartbeats, although another network still carries them: the node is isolated' },
  { name: 'lm-network-no-fallback', summary: 'Live migrations keep to the first network of the preference order when it is lost, and fail, instead of taking the next' },
] as const;

export type DefectName = (typeof catalogue)[number]['name'];

export const simDefects: readonly { name: string; summary: string }[] = catalogue;

export class UnknownDefectError extends Error {
  override name = 'UnknownDefectError';
  constructor(readonly defect: string) {
    super(`unknown defect profile '${defect}'; known defects: ${simDefects.map((d) => d.name).join(', ')}`);
  }
}

/** The defects switched on for one simulated cluster. */
export class Defects {
  private readonly active: ReadonlySet<string>;

  constructor(names: readonly string[] = []) {
    for (const name of names) {
      if (!simDefects.some((d) => d.name === name)) throw new UnknownDefectError(name);
    }
    this.active = new Set(names);
  }

  has(name: DefectName): boolean {
    return this.active.has(name);
  }
}
