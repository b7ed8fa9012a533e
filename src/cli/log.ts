import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

/** Readable lines on a terminal; JSON lines when asked (`--log-format json`) or in CI. Always on stderr. */
export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.CI ? 'json' : 'pretty';
}

export function createLogger(format: LogFormat, level = 'info'): Logger {
  if (format === 'json') return pino({ level, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
  return pino(
    { level },
    PinoPretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }),
  );
}
