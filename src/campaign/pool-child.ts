/**
 * A worker process of the local pool (pool.ts forks it): takes one run at a time over IPC and sends back its
 * record. Ctrl-C at the terminal reaches the whole process group; the pool's parent decides what stops (it hands
 * out no new run), so a run in progress here is never cut short by it. The child ends when its parent goes.
 */
import { executeRun } from './execute.js';
import type { Keep, RunRecord, RunSpec } from './types.js';

export type ToChild = { type: 'run'; spec: RunSpec; outRoot: string; keep: Keep; attempts: number; allowlist?: string };
export type FromChild = { type: 'record'; record: RunRecord } | { type: 'journal'; key: string; line: string };

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);
process.on('disconnect', () => process.exit(0));

const send = (m: FromChild): void => {
  if (process.connected) process.send!(m);
};

process.on('message', (m: ToChild) => {
  if (m?.type !== 'run') return;
  void executeRun(m.spec, {
    outRoot: m.outRoot,
    keep: m.keep,
    via: 'pool',
    attempts: m.attempts,
    ...(m.allowlist !== undefined ? { allowlist: m.allowlist } : {}),
    onJournal: (line) => send({ type: 'journal', key: m.spec.key, line }),
  }).then((record) => send({ type: 'record', record }));
});
