/**
 * A pure physical timing model of one live migration: setup, memory pre-copy passes, blackout, cleanup
 * (lab-observations §2, windows-cluster-facts §4.1). Throughput comes from the lab's measured link use
 * (lab-observations §3); the shape is "time ≈ RAM ÷ effective link rate, plus dirty-page overhead"
 * (windows-cluster-facts §4.3). No randomness: a caller that wants jitter adds it to the result.
 *
 * Units: memory in GiB (2^30 bytes), dirty rate in MiB/s (2^20 bytes), link speeds in decimal Gbps.
 */

export type LiveMigrationTransport = 'TCPIP' | 'Compression' | 'SMB' | 'SMBDirect';
export type PowerProfile = 'balanced' | 'high-performance' | 'c-states-disabled';

export interface LiveMigrationNetwork {
  /** NICs available for live migration. */
  nics: number;
  /** Speed of each NIC in Gbps (1, 10, 25…). */
  nicGbps: number;
  transport: LiveMigrationTransport;
  /** LACP or switch-independent team: TCPIP and Compression can use more than one NIC only through a team. */
  teaming?: boolean;
  jumboFrames?: boolean;
  /** Host BIOS/power setting; 'balanced' (power saving) when absent. */
  powerProfile?: PowerProfile;
}

export interface LiveMigrationVm {
  memoryGB: number;
  /** Memory the running VM dirties per second, in MiB/s. */
  dirtyMBps: number;
  /**
   * The part of its memory the VM keeps rewriting (its writable working set), GiB, at most memoryGB; what
   * pre-copy finds dirty never exceeds it. Absent: defaultWorkingSetFraction of memoryGB.
   */
  workingSetGB?: number;
}

export interface LiveMigrationHost {
  os: '2008R2' | '2012R2+';
  /** Idle cores on the source host, which Compression needs. */
  idleCpuCores: number;
}

export interface LiveMigrationOptions {
  /** Pre-copy stops once the dirty remainder fits in this much transfer time (default 1000 ms). */
  convergedRemainderMs?: number;
  /** CPU and device state copied during the blackout (default 16 MiB). */
  deviceStateBytes?: number;
  /**
   * Pre-copy passes before the forced switch-over; default the host OS's limit (maximumCopyPasses). A larger
   * number lets pre-copy go on until converged (what the pass-limit-ignored defect does); it must be finite,
   * since a VM that dirties memory faster than the link never converges.
   */
  maximumPasses?: number;
  /**
   * Migrations sharing the hosts' live-migration links when this one starts, itself included (default 1).
   * Each gets at most an equal share of the links' line rate: ten 512 MB VMs over 1 GbE took 40 s where
   * one took 7 s [AF12228]. A stream held below the line by one core or power saving (10 GbE TCP) keeps its
   * rate until the shares fall below it. The share is taken at the start, not adjusted as others end.
   */
  sharing?: number;
  /**
   * SMB Direct only: set-up time per GiB of VM memory, registering the memory with the RDMA NICs before the
   * transfer (default defaultRdmaSetupMsPerGB; the simulator's parameter simulator.rdmaSetupPerGB).
   */
  rdmaSetupMsPerGB?: number;
}

export interface LiveMigrationPass {
  /** Memory bytes copied in this pass (before compression). */
  bytes: number;
  ms: number;
}

export interface LiveMigrationPlan {
  setupMs: number;
  passes: LiveMigrationPass[];
  /** VM paused: last dirty remainder plus device state. Seconds here is what event 20417 reports. */
  blackoutMs: number;
  cleanupMs: number;
  totalMs: number;
  /** Memory and device-state bytes sent, before compression. */
  bytes: number;
  /** Bytes actually on the wire (about half of `bytes` with Compression). */
  wireBytes: number;
  /** Rate at which VM state moved (bytes × 8 over transfer time); above the link rate with Compression. */
  effectiveGbps: number;
  /** Compression falls back to TCPIP without idle CPU. */
  transportUsed: LiveMigrationTransport;
  /**
   * The line rate of the links this migration may use, its share of them when others run at once (Gbps): no
   * jitter may move its wire bytes faster. One NIC (one team member) for TCPIP and Compression; all for SMB.
   */
  wireCeilingGbps: number;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Skeleton VM on the target: "generally take a couple of seconds each" (lab §2). */
export const liveMigrationSetupMs = 2000;
/** Destroying the VM on the source: "a couple of seconds" (lab §2). */
export const liveMigrationCleanupMs = 2000;
/** Pre-copy pass limit: 10 on WS2008 R2 [DIRMS]; 5 on WS2012 R2 and later [SAVILL-499]. */
export const maximumCopyPasses = { '2008R2': 10, '2012R2+': 5 } as const;
/**
 * CPU/device state sent in the blackout. Assumed: no published size; kept small because Microsoft claims a
 * ~2 ms blackout on a well-configured cluster (lab §2) — 16 MiB is ~0.14 s on 1 GbE, ~14 ms on 10 GbE.
 */
export const defaultDeviceStateBytes = 16 * MiB;
/** "1 to 2 seconds for a well converged migration" [ANYSTACK]: stop pre-copy at ≤ 1 s of remainder. */
export const defaultConvergedRemainderMs = 1000;
/**
 * One TCP connection per migration is bounded by one CPU core: ~4.5–5 Gbps per VM, two VMs ≈ 9 Gbps (lab §3),
 * with the cores' power saving (C-states) on.
 */
export const perCoreTcpGbps = 4.75;
/**
 * A core that never sleeps (C-states and C1E disabled) handles a stream faster: the lab measured 55–65 % of a
 * 10 GbE link for one migration that way (lab §3), above the per-core figure. Our reading: the core's ceiling
 * rises by the same factor the lab saw on the link between full power and C-states off (0.51 / 0.34 = 1.5).
 */
export const cStatesDisabledCoreGain = 0.51 / 0.34;
/** Compression needs idle cores; "switch to TCP/IP if compression is contending for resources" [AF15421], lab §3. */
export const compressionMinIdleCores = 2;
/** Compression is "expected to halve" migration time [AF14907]: half the bytes on the wire. */
export const compressionRatio = 0.5;
/** SMB Multichannel: 2×10 GbE ≈ 19–20 Gbps with tuned RSS (lab §3). */
const smbLinkFraction = 0.95;
/** The most of a link's nominal speed any transport gets (SMB Direct's "nearly 10 Gbps" per 10 GbE, lab §3). */
const lineRateFraction = 0.99;
/**
 * SMB Direct (RDMA) payload per frame: no host TCP stack, so what is lost is framing. "Nearly 10 Gbps" over one
 * 10 GbE link, "20 Gbps (line rate)" over 2×10 (lab §3). Our arithmetic (not a measured Hyper-V figure): RoCE v2
 * carries at most 1024 payload bytes in a 1500-byte MTU and 4096 with jumbo frames, behind ~82 bytes of
 * preamble, gap, Ethernet, IP, UDP and InfiniBand transport headers and CRCs per frame: 1024/1106 ≈ 0.93 and
 * 4096/4178 ≈ 0.98.
 */
export function rdmaLinkFraction(jumboFrames = false): number {
  const payload = jumboFrames ? 4096 : 1024;
  return payload / (payload + rdmaFrameOverheadBytes);
}
const rdmaFrameOverheadBytes = 82;
/**
 * SMB Direct set-up per GiB of the VM's memory. RDMA reads and writes only memory registered (pinned and mapped)
 * with the NIC, so a larger VM takes longer to set up; no source gives a figure: our assumption, 50 ms per GiB
 * (a 64 GB VM: ~3 s more), the simulator's parameter simulator.rdmaSetupPerGB.
 */
export const defaultRdmaSetupMsPerGB = 50;
/**
 * The writable working set: pre-copy finds dirty only pages the VM rewrites, a hot part of its memory far smaller
 * than all of it for server workloads (Clark et al., "Live Migration of Virtual Machines", NSDI 2005, which named
 * it [CLARK-WWS]). No published Hyper-V figure: our assumption, a quarter of the VM's memory when the cluster
 * description gives no workingSetGB.
 */
export const defaultWorkingSetFraction = 0.25;
/** 2×10 GbE LACP team, TCP ≈ 17 Gbps of 20 with several migrations, each on one member (lab §3). */
const teamEfficiency = 0.85;

/**
 * Usable fraction of one NIC for a single TCP stream (lab §3 table).
 * 1 GbE: ~95 % steady, 99 % with tuned power settings. 10 GbE and faster: ~20 % with power-saving defaults,
 * 35–45 % with jumbo frames + full power, 55–65 % with jumbo + C-states/C1E disabled; jumbo frames alone
 * add 15–20 % (taken as ×1.175, so the power-only bases are 0.34 and 0.51).
 */
export function tcpLinkFraction(nicGbps: number, jumboFrames = false, powerProfile: PowerProfile = 'balanced'): number {
  if (nicGbps <= 1) return powerProfile === 'balanced' ? 0.95 : 0.99;
  const base = { balanced: 0.2, 'high-performance': 0.34, 'c-states-disabled': 0.51 }[powerProfile];
  return Math.min(1, jumboFrames ? base * 1.175 : base);
}

/** The most one TCP connection carries, bounded by one core; more with C-states off (lab §3). */
export function perCoreCeilingGbps(powerProfile: PowerProfile = 'balanced'): number {
  return powerProfile === 'c-states-disabled' ? perCoreTcpGbps * cStatesDisabledCoreGain : perCoreTcpGbps;
}

/**
 * Wire rate in Gbps one migration gets when `sharing` migrations (itself included) use the hosts' links, the
 * transport that actually carries it, and the line rate of the links it may use (its share of them).
 */
export function liveMigrationWireGbps(
  network: LiveMigrationNetwork,
  host: LiveMigrationHost,
  sharing = 1,
): { gbps: number; transportUsed: LiveMigrationTransport; ceilingGbps: number } {
  const { nics, nicGbps, transport } = network;
  const lineGbps = nics * nicGbps; // every fraction ≤ 1: nothing exceeds ~1.25 GB/s per 10 Gbps link (lab §3)
  // Every link at line rate, shared equally: no transport beats the wire (lab §3: ~1.25 GB/s per 10 Gbps)
  const share = (lineGbps * lineRateFraction) / sharing;
  if (transport === 'SMB') {
    // Multichannel spreads even one migration over every NIC [ITPRO-SMB]
    return { gbps: Math.min(lineGbps * smbLinkFraction, share), transportUsed: 'SMB', ceilingGbps: lineGbps / sharing };
  }
  if (transport === 'SMBDirect') {
    return { gbps: Math.min(lineGbps * rdmaLinkFraction(network.jumboFrames), share), transportUsed: 'SMBDirect', ceilingGbps: lineGbps / sharing };
  }
  // TCPIP and Compression: one TCP connection per migration, so one NIC — one team member — however many
  // there are ("each migration used a single network connection, even with several networks or a team", lab §3,
  // [LM-SETUP]); a team lets several migrations use different members [AF14907].
  const transportUsed = transport === 'Compression' && host.idleCpuCores < compressionMinIdleCores ? 'TCPIP' : transport;
  const stream = Math.min(nicGbps * tcpLinkFraction(nicGbps, network.jumboFrames, network.powerProfile), perCoreCeilingGbps(network.powerProfile));
  // Several migrations use different connections: over a team's members, at teamEfficiency together (17 of 20
  // Gbps, lab §3), or over several live-migration networks' NICs
  const together = network.teaming && nics > 1 ? nics * nicGbps * teamEfficiency : share * sharing;
  const links = Math.min(sharing, nics); // NICs the migrations spread over
  return { gbps: Math.min(stream, together / sharing, share), transportUsed, ceilingGbps: Math.min(nicGbps, (links * nicGbps) / sharing) };
}

/**
 * Plan one live migration of `vm` over `network` from `host`: pass 1 copies all memory, each next pass what
 * the VM dirtied during the previous one, until the remainder fits in `convergedRemainderMs` of transfer or
 * the OS's pass limit forces the switch-over; the blackout then copies the remainder plus device state.
 */
export function planLiveMigration(vm: LiveMigrationVm, network: LiveMigrationNetwork, host: LiveMigrationHost, options: LiveMigrationOptions = {}): LiveMigrationPlan {
  validate(vm, network, host, options);
  const wire = liveMigrationWireGbps(network, host, options.sharing ?? 1);
  const { transportUsed, gbps } = wire;
  const wirePerByte = transportUsed === 'Compression' ? compressionRatio : 1;
  const bytesPerMs = (gbps * 1e9) / 8 / 1000 / wirePerByte; // memory bytes moved per ms
  const memoryBytes = vm.memoryGB * GiB;
  const dirtyBytesPerMs = (vm.dirtyMBps * MiB) / 1000;
  const workingSet = (vm.workingSetGB ?? vm.memoryGB * defaultWorkingSetFraction) * GiB;
  const convergedBytes = (options.convergedRemainderMs ?? defaultConvergedRemainderMs) * bytesPerMs;
  const limit = options.maximumPasses ?? maximumCopyPasses[host.os];

  const passes: LiveMigrationPass[] = [];
  let remaining = memoryBytes; // pass 1 copies everything (lab §2 step 5)
  do {
    const ms = remaining / bytesPerMs;
    passes.push({ bytes: remaining, ms });
    // Pages written during this pass are dirty again (lab §2 step 6). The VM writes within its working set, so
    // the distinct pages dirtied in a pass are those of the working set hit at least once: W·(1 − e^(−rate·t/W)),
    // about rate·t for a short pass and never more than the working set [CLARK-WWS].
    remaining = dirtied(workingSet, dirtyBytesPerMs * ms);
  } while (remaining > convergedBytes && passes.length < limit);

  const blackoutBytes = remaining + (options.deviceStateBytes ?? defaultDeviceStateBytes);
  const blackoutMs = blackoutBytes / bytesPerMs; // VM paused on the source (lab §2 step 7)
  const bytes = passes.reduce((sum, p) => sum + p.bytes, 0) + blackoutBytes;
  const transferMs = passes.reduce((sum, p) => sum + p.ms, 0) + blackoutMs;
  // SMB Direct registers the VM's memory with the NICs before copying it
  const rdmaSetupMs = transportUsed === 'SMBDirect' ? vm.memoryGB * (options.rdmaSetupMsPerGB ?? defaultRdmaSetupMsPerGB) : 0;
  const setupMs = liveMigrationSetupMs + rdmaSetupMs;
  return {
    setupMs,
    passes,
    blackoutMs,
    cleanupMs: liveMigrationCleanupMs,
    totalMs: setupMs + transferMs + liveMigrationCleanupMs,
    bytes,
    wireBytes: bytes * wirePerByte,
    effectiveGbps: (bytes * 8) / (transferMs * 1e6),
    transportUsed,
    wireCeilingGbps: wire.ceilingGbps,
  };
}

/** Distinct bytes of a working set of `workingSet` bytes hit by `written` bytes of writes spread over it. */
function dirtied(workingSet: number, written: number): number {
  if (workingSet <= 0 || written <= 0) return 0;
  return workingSet * -Math.expm1(-written / workingSet);
}

function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`live migration: ${name} must be a finite number > 0, got ${value}`);
}

function nonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`live migration: ${name} must be a finite number ≥ 0, got ${value}`);
}

function validate(vm: LiveMigrationVm, network: LiveMigrationNetwork, host: LiveMigrationHost, options: LiveMigrationOptions): void {
  positive('vm.memoryGB', vm.memoryGB);
  nonNegative('vm.dirtyMBps', vm.dirtyMBps);
  if (vm.workingSetGB !== undefined && !(Number.isFinite(vm.workingSetGB) && vm.workingSetGB > 0 && vm.workingSetGB <= vm.memoryGB)) {
    throw new RangeError(`live migration: vm.workingSetGB must be a number > 0 and at most vm.memoryGB (${vm.memoryGB}), got ${vm.workingSetGB}`);
  }
  if (!(Number.isInteger(network.nics) && network.nics >= 1)) throw new RangeError(`live migration: network.nics must be a whole number ≥ 1, got ${network.nics}`);
  positive('network.nicGbps', network.nicGbps);
  if (!['TCPIP', 'Compression', 'SMB', 'SMBDirect'].includes(network.transport)) {
    throw new RangeError(`live migration: network.transport must be TCPIP, Compression, SMB or SMBDirect, got ${String(network.transport)}`);
  }
  if (network.powerProfile !== undefined && !['balanced', 'high-performance', 'c-states-disabled'].includes(network.powerProfile)) {
    throw new RangeError(`live migration: network.powerProfile must be balanced, high-performance or c-states-disabled, got ${String(network.powerProfile)}`);
  }
  if (!(host.os in maximumCopyPasses)) throw new RangeError(`live migration: host.os must be 2008R2 or 2012R2+, got ${String(host.os)}`);
  nonNegative('host.idleCpuCores', host.idleCpuCores);
  if (options.convergedRemainderMs !== undefined) nonNegative('options.convergedRemainderMs', options.convergedRemainderMs);
  if (options.deviceStateBytes !== undefined) nonNegative('options.deviceStateBytes', options.deviceStateBytes);
  if (options.maximumPasses !== undefined && !(Number.isInteger(options.maximumPasses) && options.maximumPasses >= 1)) {
    throw new RangeError(`live migration: options.maximumPasses must be a whole number ≥ 1, got ${options.maximumPasses}`);
  }
  if (options.rdmaSetupMsPerGB !== undefined) nonNegative('options.rdmaSetupMsPerGB', options.rdmaSetupMsPerGB);
  if (options.sharing !== undefined && !(Number.isInteger(options.sharing) && options.sharing >= 1)) {
    throw new RangeError(`live migration: options.sharing must be a whole number ≥ 1, got ${options.sharing}`);
  }
}
