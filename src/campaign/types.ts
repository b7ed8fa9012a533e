/**
 * Campaigns (issue 16): many seeded runs — experiments × seeds × defects × a settings grid × targets — run on a
 * local pool of worker processes or on BullMQ workers across machines, gathered into one campaign.json,
 * junit.xml and report.html. These types are the contract between the parts:
 *
 *   load.ts      campaign YAML → Campaign (errors with file:line, exit 2) → expand() → RunSpec[]
 *   execute.ts   RunSpec → RunRecord (one whole run through src/run, in this process; a real cluster's through
 *                `clusterchaos run --target powershell` as a child process, its undo journal mirrored)
 *   pool.ts      RunSpec[] on N local worker processes (embedded default)
 *   queue.ts     RunSpec[] as BullMQ jobs; worker.ts takes them on any machine
 *   results.ts   RunRecord[] → campaign.json, junit.xml; report.ts → report.html
 */

/** Where a run goes: the simulator, or a named cluster through the PowerShell target (the worker's allowlist names it). */
export type RunTarget = { kind: 'sim' } | { kind: 'powershell'; cluster: string; rehearse?: boolean };

export interface CampaignExperiment {
  /** The experiment file, resolved by the loader from the experiments folder (experiments/ for experiments/campaigns/x.yaml), relative when the campaign's path is. */
  file: string;
  /** Its name (the file's base name without .yaml), as the experiment itself says it. */
  name: string;
  /** `--set` overrides for this experiment only (e.g. a soak's iterations), applied before the grid's. */
  sets: string[];
  /** The defect columns this entry runs (the baseline first), when it names its own: a long soak for the one defect that needs it. */
  defects?: (string | null)[];
}

/** One axis of the settings grid: a `--set` path and the values it takes, each a cell of the grid. */
export interface GridAxis {
  path: string;
  values: string[];
}

export type StopOn = 'never' | 'first-failure';

export interface Campaign {
  /** The campaign's name: its file's base name. */
  name: string;
  title: string;
  /** The campaign file as given on the command line. */
  file: string;
  experiments: CampaignExperiment[];
  /** Every seed to run, in order (from a range `from..to` or a list); empty: each experiment runs with its own seed. */
  seeds: number[];
  /** Defect columns: `null` = no defect; each string one defect profile (from `none`, a list, or `all`). */
  defects: (string | null)[];
  grid: GridAxis[];
  targets: RunTarget[];
  stopOn: StopOn;
  /** Which runs' evidence (trace, summary.json, report.html) the campaign keeps: the file's `evidence:`. */
  keep: Keep;
}

/**
 * One run of a campaign: what `clusterchaos run <experiment> --seed N --defect D --set … [--target powershell]`
 * would do. `key` identifies it in the campaign (stable across pools, queues and restarts).
 */
export interface RunSpec {
  campaign: string;
  /** The run's position in the expanded matrix (0-based): results are ordered by it. */
  index: number;
  /** `<experiment>/<defect|none>/<cell>/<target>/seed-<n>`, a safe folder path. */
  key: string;
  /** The experiment file, absolute or relative to the campaign machine's working folder. */
  file: string;
  experiment: string;
  seed: number;
  defect: string | null;
  /** Every `--set` of the run: the experiment's own, then the grid cell's. */
  sets: string[];
  /** The grid cell's values (path → value), `{}` without a grid. */
  cell: Record<string, string>;
  target: RunTarget;
}

export type Verdict = 'pass' | 'fail' | 'unknown';

/** What a run found, as the campaign keeps it (the run's own folder keeps the rest). */
export interface RunRecord {
  key: string;
  index: number;
  spec: RunSpec;
  verdict: Verdict;
  reason: string;
  /** The first violations (rule, entity, message), at most 5. */
  violations: { rule: string; entity: string; message: string }[];
  /** The command that replays this run exactly. */
  replay: string;
  /** Measured on the run's trace, for a settings grid: */
  metrics: RunMetrics;
  /** The run's folder under the campaign's output folder, when its evidence was kept (failing and unknown runs). */
  evidence?: string;
  /** Not part of the answer (differs between pools and queues): who ran it, how often it was started, how long it took. */
  ran: { host: string; pid: number; attempts: number; wallMs: number; via: 'process' | 'pool' | 'queue' };
}

export interface RunMetrics {
  /** VMs that failed over (restarted on another node, not live-migrated). */
  vmsFailedOver: number;
  /** Sum over VMs of the time seen Unmonitored, ms of the run's clock. */
  unmonitoredMs: number;
  /** The run's length on its own clock, ms. */
  virtualMs: number;
}

/** What evidence a campaign keeps of its runs: every run's folder, failing and unknown runs' only, or only runs that surprise (a baseline not passing, any unknown run). */
export type Keep = 'all' | 'failing' | 'unexpected';

/** campaign.json: the campaign as expanded, and one record per run in matrix order. */
export interface CampaignResult {
  format: 1;
  campaign: Campaign;
  /** How it ran: in this process, on a local pool of N processes, or through a queue (its URL without credentials). */
  via: { kind: 'process' | 'pool' | 'queue'; workers?: number; queue?: string };
  startedAt: string;
  finishedAt: string;
  /** Why the campaign stopped before its last run (stop-on, Ctrl-C), if it did. */
  stopped?: string;
  /** Runs planned (the expanded matrix); `runs` holds those that ran, in matrix order. */
  planned: number;
  runs: RunRecord[];
  /** The campaign's verdict and why (results.ts: baselines must pass, each defect must be caught on every seed). */
  verdict: Verdict;
  reason: string;
}
