import type { Logger } from 'pino';

/**
 * Every way a person or a machine asks a run to stop, and how the run names it: Ctrl-C (SIGINT), a CI cancel or
 * a service manager (SIGTERM), a dropped ssh session or a closed terminal (SIGHUP; on Windows also a closed
 * console window), Ctrl-Break on Windows (SIGBREAK). Each is handled as Ctrl-C: stop after the current step and
 * run every revert. SIGKILL cannot be handled: the undo journal and `clusterchaos revert <out>` are for that.
 */
export const STOP_SIGNALS: Readonly<Record<string, string>> = {
  SIGINT: 'Ctrl-C',
  SIGTERM: 'SIGTERM',
  SIGHUP: 'SIGHUP',
  ...(process.platform === 'win32' ? { SIGBREAK: 'Ctrl-Break' } : {}),
};

/**
 * While faults may be in place: the first stop signal aborts `signal` (its reason is the signal's name as
 * people say it, `Ctrl-C` or `SIGTERM`, for the runner's messages; the
 * runner stops after its current step and runs every revert); any later one only says that the reverts are
 * running, so they are never cut short. `first(name)` and `again(name)` word the warnings; `dispose()` removes
 * the handlers (the default, dying at once, applies again).
 */
/** The runs in progress in this process (their stop controllers), for `stopEveryRun`. */
const inProgress = new Set<AbortController>();

/**
 * Stop every run in progress as a stop signal would (after its current step, reverting every fault), for a
 * reason that is not a signal: clusterchaos itself failed somewhere outside the run's own code (an exception
 * thrown by a timer). Returns whether there was a run to stop; when there was none, nothing needs reverting.
 */
export function stopEveryRun(reason: string): boolean {
  for (const c of inProgress) if (!c.signal.aborted) c.abort(reason);
  return inProgress.size > 0;
}

export function onStopSignals(
  log: Logger,
  o: { first: (name: string) => string; again: (name: string) => string },
): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const handlers = Object.keys(STOP_SIGNALS).map((sig) => {
    const handler = (): void => {
      const name = STOP_SIGNALS[sig]!;
      // after SIGHUP the terminal may be gone: a log line that cannot be written must not stop the reverts
      try {
        if (abort.signal.aborted) log.warn(o.again(name));
        else log.warn(o.first(name));
      } catch {
        /* nowhere to say it */
      }
      if (!abort.signal.aborted) abort.abort(name);
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  inProgress.add(abort);
  return {
    signal: abort.signal,
    dispose: () => {
      inProgress.delete(abort);
      for (const [sig, handler] of handlers) process.removeListener(sig, handler);
    },
  };
}
