/** report.html's style sheet, inlined so the page needs nothing else. Colours of states are in states.ts. */
export const REPORT_CSS = `
:root { --pass: #2e7d32; --fail: #c62828; --unknown: #ff8f00; --ink: #1a1a1a; --muted: #546e7a; --rule: #e0e0e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; padding: 0 24px 48px; max-width: 1400px; }
h1 { font-size: 20px; margin: 4px 0 12px; }
h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
code, pre { font: 12.5px/1.4 ui-monospace, "Cascadia Mono", Consolas, monospace; }
.banner { margin: 12px 0 0; padding: 12px 20px; border-radius: 6px; border-left: 10px solid; }
.banner.pass { background: #e8f5e9; border-color: var(--pass); }
.banner.fail { background: #ffebee; border-color: var(--fail); }
.banner.unknown { background: #fff8e1; border-color: var(--unknown); }
.verdict { font-size: 26px; font-weight: 700; letter-spacing: 0.06em; margin: 0; }
.pass .verdict { color: var(--pass); } .fail .verdict { color: var(--fail); } .unknown .verdict { color: #e65100; }
.reason { font-size: 15px; margin: 2px 0 10px; }
.banner h2 { font-size: 15px; border: 0; margin: 12px 0 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
.banner dl.facts { grid-template-columns: max-content 1fr max-content 1fr; }
div.settings { display: flex; flex-wrap: wrap; gap: 0 32px; align-items: flex-start; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.replay-label { margin: 10px 0 2px; color: var(--muted); }
pre { background: #f5f5f5; border: 1px solid var(--rule); border-radius: 4px; padding: 8px 10px; overflow-x: auto; white-space: pre; }
pre.replay { background: #ffffff; user-select: all; }
table { border-collapse: collapse; margin: 4px 0; }
th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: #fafafa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.detail { overflow-wrap: anywhere; min-width: 16em; }
tr.fail td.outcome { color: var(--fail); font-weight: 600; } tr.info td.outcome, tr.open td.outcome { color: #e65100; font-weight: 600; }
tr.level-error td, tr.level-critical td { color: var(--fail); } tr.level-warning td { color: #e65100; }
tr.unexercised td { color: var(--muted); }
.note { color: var(--muted); margin: 4px 0; }
.scroll { overflow-x: auto; border: 1px solid var(--rule); border-radius: 4px; padding: 6px 0; }
svg.timeline { display: block; width: 100%; min-width: 900px; height: auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
svg .tick { font-size: 11px; fill: var(--muted); }
svg .lane-label { font-size: 12px; fill: var(--ink); }
svg .box-text { font-size: 11px; pointer-events: none; }
svg .expected-label { font-size: 9.5px; fill: var(--muted); }
svg .expected-text { font-size: 10px; font-weight: 600; fill: #b71c1c; pointer-events: none; paint-order: stroke; stroke: #ffffff; stroke-width: 2.5px; }
svg .owner-count { font-size: 11px; fill: #ffffff; paint-order: stroke; stroke: #1b5e20; stroke-width: 3px; }
svg .fault-label { font-size: 11px; fill: #4527a0; font-weight: 600; pointer-events: none; }
svg .violation-number { font-size: 10px; font-weight: 700; fill: #ffffff; pointer-events: none; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 8px 0; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 16px; height: 12px; border: 1px solid #b0bec5; }
.swatch.many { background: repeating-linear-gradient(45deg, #37474f 0 2px, #b0bec5 2px 5px); }
.swatch.fault { background: rgba(94, 53, 177, 0.15); border-color: #5e35b1; }
.swatch.owner { width: 3px; background: #212121; border: 0; }
.swatch.violation { width: 12px; border-radius: 50%; background: #d50000; border: 0; }
.swatch.expected-violated { border-color: #d50000; }
.swatch.event { width: 2px; background: #546e7a; border: 0; }
ol.violations { padding-left: 0; list-style: none; }
ol.violations > li { border: 1px solid #ffcdd2; border-left: 6px solid var(--fail); border-radius: 4px; padding: 10px 14px; margin: 10px 0; }
.badge { display: inline-block; min-width: 22px; padding: 0 6px; border-radius: 11px; background: #d50000; color: #fff; text-align: center; }
pre.evidence mark { background: #ffcdd2; }
svg .callout { font-size: 11.5px; fill: #b71c1c; font-weight: 600; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
div.callouts { margin: 8px 0 0; padding: 8px 14px; border: 1px solid #ffcdd2; border-left: 6px solid var(--fail); border-radius: 4px; background: #fff8f8; }
ol.callouts { list-style: none; padding: 0; margin: 4px 0; }
ol.callouts li { margin: 3px 0; }
a.badge { text-decoration: none; font-weight: 700; font-size: 12px; }
.callouts-none { color: var(--pass); margin: 6px 0; }
svg.migrations { display: block; width: 100%; min-width: 900px; height: auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
tr.changed td { font-weight: 600; } .changed-mark { color: #6a1b9a; white-space: nowrap; }
td.source { font-size: 12.5px; color: var(--muted); max-width: 42em; }
a.cite { text-decoration: none; white-space: nowrap; }
td .wall { color: var(--muted); font-size: 11.5px; }
details.model { margin: 6px 0; } details.model table { margin: 6px 0 10px; } details.model summary { cursor: pointer; }
ul.sources { padding-left: 18px; } ul.sources li { margin: 3px 0; overflow-wrap: anywhere; } ul.sources li:target { background: #fff9c4; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;
