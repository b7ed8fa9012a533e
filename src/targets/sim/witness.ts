import type { WitnessDescription } from '../../trace/records.js';
import type { SimClock, Timer } from './clock.js';
import type { Defects } from './defects.js';
import type { EventLog } from './eventlog.js';
import type { Membership } from './membership.js';
import type { Quorum } from './quorum.js';

export interface WitnessDeps {
  witness?: WitnessDescription;
  clock: SimClock;
  quorum: Quorum;
  membership: Membership;
  defects: Defects;
  log: EventLog;
}

/**
 * The quorum witness resource (in the core 'Cluster Group'), and fail-witness: every node loses its way to it
 * (the file share, the disk, the storage account). The resource fails on the node that owns the core group:
 * 1562 for a file share witness whose periodic health check fails, then 1069 for the failed resource [EVT]. Its
 * vote is gone (quorum.ts); with every node up that costs nothing [MS-QUORUM]. When the way back is open the
 * resource comes online again (our simplification: at once; a real cluster retries a failed witness per its
 * failure policy and WitnessRestartInterval, 15 minutes by default [MSDN-WRI]).
 */
export class QuorumWitness {
  private failed = false;
  private heal?: Timer;

  constructor(private readonly d: WitnessDeps) {}

  get configured(): boolean {
    return this.d.witness !== undefined;
  }

  /** Whether the witness is lost now (fail-witness, not yet healed). */
  get lost(): boolean {
    return this.failed;
  }

  fail(healAfterMs?: number): void {
    const witness = this.d.witness;
    if (!witness) throw new Error('the cluster has no witness');
    this.heal?.cancel();
    this.heal = healAfterMs !== undefined ? this.d.clock.after(healAfterMs, () => this.restore()) : undefined;
    if (this.failed) return;
    this.failed = true;
    const owner = this.d.membership.activeMembers()[0];
    if (owner !== undefined && this.d.quorum.formed) this.d.log.witnessFailed(owner, witness.type);
    this.d.quorum.witnessFailed();
    // Defect witness-loss-stops-cluster: the members stop as if the witness had been their quorum
    this.d.membership.votesChanged(this.d.defects.has('witness-loss-stops-cluster'));
  }

  restore(): void {
    this.heal?.cancel();
    this.heal = undefined;
    if (!this.failed) return;
    this.failed = false;
    this.d.quorum.witnessRestored();
    this.d.membership.votesChanged();
  }
}
