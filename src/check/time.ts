/** `t` (ms since the run started) as `mm:ss.s`, or `h:mm:ss.s` past an hour. */
export function formatT(t: number): string {
  const total = Math.max(0, t) / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = (total % 60).toFixed(1).padStart(4, '0');
  const mm = String(m).padStart(2, '0');
  return h ? `${h}:${mm}:${s}` : `${mm}:${s}`;
}

/** A span in ms as seconds for a person: `11.0 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
