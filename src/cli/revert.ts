/**
 * `clusterchaos revert <out>`: finish the reverts of a run on a real cluster that clusterchaos itself could not
 * finish (killed, the management host rebooted, the power went): the run's undo journal (`<out>/undo.ndjson`,
 * each revert written and synced before its fault was injected, and marked done once it ran) names what is
 * still to undo; each is run now, newest first, through the same faults and the same PowerShell target, then
 * the residue scan says whether the cluster is as it was (review R12).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingDefinitions } from '../../machines/index.js';
import type { JournalLine } from '../engine/runner.js';
import { ExperimentError, loadExperiment } from '../experiment/load.js';
import { faults } from '../faults/catalogue.js';
import { AllowlistError } from '../safety/allowlist.js';
import { BlastRadiusError } from '../safety/blast-radius.js';
import { formatResidue, scanResidue } from '../safety/residue.js';
import { OperationError } from '../targets/target.js';
import { readTrace, TraceFormatError } from '../trace/reader.js';
import type { HeaderRecord } from '../trace/records.js';
import { confirmChanges, NotConfirmedError, refuseUnattended } from './confirm.js';
import { readCredential, type CredentialHow } from './credentials.js';
import { createLogger, type LogFormat } from './log.js';
import { FolderBusyError, lockFolder, UsageError, type FolderLock } from './out-dir.js';
import { describeWriteError } from '../trace/output.js';
import { consent, powerShellTargetFor } from './powershell.js';
import { runTag } from './powershell-dry-run.js';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface RevertFlags {
  allowlist?: string;
  credential?: CredentialHow;
  vault?: string;
  /** Run the reverts without asking Proceed? [y/N] first (CI). */
  yes?: boolean;
  logFormat: LogFormat;
}

/** A revert the journal registered and never marked done. */
export interface PendingRevert {
  id: number;
  fault: string;
  args: Record<string, unknown>;
  label: string;
}

/** The journal's reverts not marked done, newest first. Throws UsageError naming the file and line of a bad line. */
export function pendingReverts(file: string): PendingRevert[] {
  const registered = new Map<number, PendingRevert>();
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    let line: JournalLine;
    try {
      line = JSON.parse(text) as JournalLine;
    } catch {
      // a line cut short by the crash itself is the last one: what it would have said did not happen
      if (i >= lines.length - 2) return;
      throw new UsageError(`${file}:${i + 1}: not a line of an undo journal (expected JSON); the journal is damaged: revert by hand (see the trace's op lines)`);
    }
    if (line.type === 'revert') registered.set(line.id, { id: line.id, fault: line.fault, args: line.args, label: line.label });
    else if (line.type === 'done' && line.outcome === 'ok') registered.delete(line.id);
  });
  return [...registered.values()].sort((a, b) => b.id - a.id);
}

async function headerOf(trace: string): Promise<HeaderRecord> {
  for await (const { record } of readTrace(trace)) {
    if (record.type === 'header') return record;
    break;
  }
  throw new UsageError(`${trace}: the trace has no header line; it was not written by clusterchaos run`);
}

export async function revertCommand(out: string, flags: RevertFlags, io: Io): Promise<number> {
  const bad = (message: string): number => {
    io.err(message);
    io.out('revert: not run — bad input, nothing was done to any cluster');
    return 2;
  };
  const trace = join(out, 'trace.ndjson');
  if (!existsSync(trace)) return bad(`${out}: no trace.ndjson there; give the folder a run on a real cluster wrote its results to (its --out folder)`);
  // never beside the run itself: if it still runs, it reverts its own faults when it ends
  let lock: FolderLock;
  try {
    lock = lockFolder(out, `clusterchaos revert ${out}`);
  } catch (e) {
    if (e instanceof FolderBusyError) return bad(`${e.message}\n(a run that is still going reverts its own faults when it ends: stop it with Ctrl-C rather than revert beside it)`);
    throw e;
  }
  try {
    return await revertHolding(out, flags, io, bad);
  } finally {
    lock.release();
  }
}

async function revertHolding(out: string, flags: RevertFlags, io: Io, bad: (message: string) => number): Promise<number> {
  const journal = join(out, 'undo.ndjson');
  const trace = join(out, 'trace.ndjson');
  let header: HeaderRecord;
  let pending: PendingRevert[];
  try {
    header = await headerOf(trace);
    if (header.target !== 'powershell') return bad(`${out}: that run was on the simulator; there is nothing on a cluster to revert`);
    if (header.facts?.powershell.rehearsal) return bad(`${out}: that run was a rehearsal; its lab ended with it, so there is nothing to revert`);
    if (!existsSync(journal)) return bad(`${out}: no undo.ndjson there: the run wrote no journal (an older clusterchaos, or it changed nothing); check the cluster by hand`);
    pending = pendingReverts(journal);
  } catch (e) {
    if (e instanceof UsageError || e instanceof TraceFormatError) return bad(e.message);
    throw e;
  }
  // nothing owed: the cluster is still read (never changed) to say whether the dead run left anything behind
  const scanOnly = pending.length === 0;
  if (scanOnly) io.out(`revert: nothing to revert — every revert in ${journal} ran; a residue scan (read-only) says whether the cluster is as it was before the run`);
  const inv = header.invocation;
  if (!inv) return bad(`${trace}: the header does not say how the run was started, so its cluster cannot be opened; revert by hand: ${pending.map((p) => p.label).join('; ')}`);
  let experiment;
  try {
    experiment = loadExperiment(inv.file, { sets: inv.sets, seed: inv.seed, settings: settingDefinitions, faults });
  } catch (e) {
    if (e instanceof ExperimentError) return bad(`${e.message}\n(the experiment of the run in ${out}; revert by hand: ${pending.map((p) => p.label).join('; ')})`);
    throw e;
  }
  let allowed;
  try {
    allowed = consent(experiment, flags.allowlist);
  } catch (e) {
    if (e instanceof AllowlistError || e instanceof BlastRadiusError || e instanceof UsageError) return bad(e.message);
    throw e;
  }
  try {
    if (!scanOnly) refuseUnattended({ yes: flags.yes === true }, 'clusterchaos revert');
  } catch (e) {
    if (e instanceof UsageError) return bad(e.message);
    throw e;
  }
  const log = createLogger(flags.logFormat);
  if (!scanOnly) io.out(`revert: ${pending.length} revert${pending.length === 1 ? '' : 's'} of run ${header.runId} on ${experiment.cluster.name} did not run: ${pending.map((p) => p.label).join('; ')}`);
  // the allowlist's power controls: a node a dead run left powered off is powered on by its power-off-node's revert
  let real;
  try {
    real = await powerShellTargetFor(experiment, { credential: await readCredential(flags.credential, process.env, process.stdin, process.stderr, { vault: flags.vault }), log, runId: header.runId, allowed, vault: flags.vault });
  } catch (e) {
    if (e instanceof UsageError) return bad(e.message);
    throw e;
  }
  const { target } = real;
  // nothing has been sent yet (the target sends on first use): the question comes before the first revert
  if (!scanOnly) {
    try {
      const plan = [
        `about to run ${pending.length} revert${pending.length === 1 ? '' : 's'} on the cluster ${experiment.cluster.name} (nodes ${experiment.cluster.nodes.join(', ')}) through PowerShell, newest first:`,
        ...pending.map((p, i) => `  ${i + 1}. ${p.label}`),
        '  then a residue scan (read-only) says whether the cluster is as it was before the run',
      ];
      await confirmChanges(plan, { yes: flags.yes === true }, 'clusterchaos revert');
    } catch (e) {
      await target.close().catch(() => undefined);
      if (e instanceof NotConfirmedError) {
        io.err(e.message);
        io.out('revert: not run — not confirmed, nothing was done to the cluster');
        return 3;
      }
      if (e instanceof UsageError) return bad(e.message);
      throw e;
    }
  }
  let failed = 0;
  try {
    for (const p of pending) {
      try {
        if (p.fault === 'set-cluster-settings') await target.setSettings(p.args as Record<string, number>);
        else if (p.fault === 'set-vm-resiliency-period') await target.setVmResiliencyPeriod(String(p.args.vm), Number(p.args.seconds));
        else {
          const fault = faults.get(p.fault);
          if (!fault?.revert) throw new OperationError(`clusterchaos has no revert for ${p.fault}`);
          await fault.revert(target, p.args as never);
        }
      } catch (e) {
        failed++;
        io.out(`  FAIL  ${p.label}: ${(e as Error).message}`);
        continue;
      }
      io.out(`  ok    ${p.label}`);
      try {
        appendFileSync(journal, JSON.stringify({ type: 'done', id: p.id, outcome: 'ok', t: -1 } satisfies JournalLine) + '\n');
      } catch (e) {
        // the revert ran; only its record is missing (a second `clusterchaos revert` would run it again, harmlessly)
        io.err(`could not record in ${journal} that ${p.label} was reverted: ${describeWriteError(e)}`);
      }
    }
    const residue = await scanResidue(target, {
      tag: runTag(header.runId),
      settingsBefore: Object.fromEntries(pending.filter((p) => p.fault === 'set-cluster-settings').flatMap((p) => Object.entries(p.args as Record<string, number>))),
      nodes: experiment.cluster.nodes.filter((n) => !experiment.steadyState.downAfter.includes(n)),
      settleMs: experiment.steadyState.timeoutMs,
      intervalMs: experiment.observe.intervalMs,
    });
    for (const line of formatResidue(residue)) io.out(line);
    const ok = failed === 0 && residue.clean;
    io.out(ok ? 'revert: done — the cluster is as it was before the run' : `revert: unknown — ${failed ? `${failed} revert(s) failed` : 'the residue scan found something'}; check the cluster by hand`);
    return ok ? 0 : 3;
  } finally {
    await target.close().catch(() => undefined);
  }
}
