import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

/** Readable lines on a terminal; JSON lines when asked (`--log-format json`) or in CI. Always on stderr. */
export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.CI ? 'json' : 'pretty';
}

/**
 * A log line that cannot be written (stderr on a full disk, a terminal closed under a run: EIO after SIGHUP) is
 * dropped: logging must never stand between the cluster and a revert.
 */
export function createLogger(format: LogFormat, level = 'info'): Logger {
  if (format === 'json') {
    const destination = pino.destination({ dest: 2, sync: true });
    destination.on('error', () => undefined);
    return pino({ level, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  }
  return pino(
    { level },
    PinoPretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }),
  );
}
