/** How log lines are written, told apart from log.ts so that the command line loads no logger to read it. */
export type LogFormat = 'pretty' | 'json';

/** Readable lines on a terminal; JSON lines when asked (`--log-format json`) or in CI. Always on stderr. */
export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.CI ? 'json' : 'pretty';
}
