import type { VmDisk } from '../../trace/records.js';

/**
 * The numbers behind the live-migration defect profiles and the 20417 threshold. The probabilities are the
 * simulator's own (no source gives a rate); each comment says what shaped it.
 */

/**
 * storvsc-race (KB2636573, lab §4): the chance, per migration, that one disk widens the race enough for the
 * guest to bugcheck. "About 12,000 migrations across several VM configurations to reproduce": a dynamically
 * expanding VHD on SCSI that the guest writes to is the likeliest (expansion adds the write delays that widen
 * the race), 1 in 12,000.
 */
export const raceDynamicScsiWritten = 1 / 12_000;
/** A dynamic VHD on SCSI without writes: no expansion delays, five times rarer (our reading of lab §4). */
export const raceDynamicScsiIdle = 1 / 60_000;
/** A fixed VHD on SCSI: "rare with fixed VHDs on SCSI" (lab §4). */
export const raceFixedScsi = 1 / 500_000;
/** IDE disks do not go through StorVSC's VMBus channel: no race. */
export const raceIde = 0;

/** Per-migration chance that the guest crashes: 1 − Π(1 − p_disk) ("the more SCSI disks, the more likely", lab §4). */
export function guestCrashProbability(disks: readonly VmDisk[]): number {
  let survive = 1;
  for (const disk of disks) survive *= 1 - diskRace(disk);
  return 1 - survive;
}

function diskRace(disk: VmDisk): number {
  if (disk.controller === 'ide') return raceIde;
  if (disk.type === 'fixed') return raceFixedScsi;
  return disk.writes ? raceDynamicScsiWritten : raceDynamicScsiIdle;
}

/**
 * The bugcheck KB2636573 describes: DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1) in storvsc!StorChannelVmbusCallback
 * (lab §4). Parameters: the address referenced, IRQL 2 (DISPATCH_LEVEL), 0 = read, the faulting instruction
 * (illustrative values).
 */
export const guestCrashCodes = ['0xD1', '0x0000000000000010', '0x2', '0x0', '0xFFFFF88001A3C2E5'] as const;

/** lm-stall: one migration in 200 stalls, so a short soak shows it (the simulator's choice). */
export const stallProbability = 1 / 200;

/** long-blackout: a blackout of 60–70 s; 20417's documented example is 63.1 s [LM-ISSUES]. */
export const longBlackoutDefectMs: readonly [number, number] = [60_000, 70_000];

/**
 * short-blackout-20417: a switch-over of 8–15 s, well above a converged migration's 1–2 s [ANYSTACK] but within
 * the clients' ~20 s TCP time-out [FREECRAM], for which Hyper-V still logs 20417 (its threshold is undocumented).
 */
export const shortBlackout20417Ms: readonly [number, number] = [8_000, 15_000];

/**
 * 20417 is written when a blackout exceeds this. The event's threshold is undocumented; 20 s is about the
 * TCP time-out clients must not reach (windows-cluster-facts §4.1 [FREECRAM]), far above the 1–2 s of a
 * converged migration [ANYSTACK].
 */
export const longBlackoutEventMs = 20_000;

/**
 * pass-limit-ignored: pre-copy goes on until converged. A VM that dirties memory faster than the link never
 * converges, so the simulator still stops somewhere: at 60 passes, six times the 2008 R2 limit.
 */
export const passLimitIgnoredCap = 60;
