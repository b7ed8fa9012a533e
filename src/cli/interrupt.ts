import type { Logger } from 'pino';

/**
 * Ctrl-C while faults may be in place: the first press aborts `signal` (the runner stops after its current step
 * and runs every revert); a second one only says that the reverts are running, so they are never cut short.
 * `dispose()` removes the handler.
 */
export function onCtrlC(log: Logger, o: { first: string; again: string }): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const handler = (): void => {
    if (abort.signal.aborted) log.warn(o.again);
    else {
      log.warn(o.first);
      abort.abort();
    }
  };
  process.on('SIGINT', handler);
  return { signal: abort.signal, dispose: () => process.removeListener('SIGINT', handler) };
}
