/**
 * `docs/models.md`: every model in the `models` registry (machines/index.ts) with its summary, a Mermaid
 * diagram, its states and transitions, then every setting from machines/settings.ts. Built only from what
 * the machines and the settings catalogue say at run time, so a model change shows up here on `npm run docs`.
 */
import { models, settingDefinitions, type Model, type SettingDefinition } from '../../machines/index.js';
import { allStates, machineGraph, type GraphTransition, type MachineGraph } from '../check/machine-graph.js';
import { blocks, code, generatedBanner, table } from './markdown.js';
import { linkSources } from './sources-doc.js';
import { renderMermaid } from './mermaid.js';

export const MODELS_DOC = 'docs/models.md';

/** The registry's models, in registry order. */
export function registeredModels(): Model[] {
  return Object.values(models) as Model[];
}

export function modelsDoc(list: readonly Model[] = registeredModels(), settings: readonly SettingDefinition[] = settingDefinitions): string {
  const intro = [
    'What the cluster *should* do, as Microsoft documents it: the XState v5 machines in `machines/`, drawn from the',
    'machines themselves. A state is seen as its tags (what `Get-ClusterNode`, `Get-ClusterGroup` and `Get-VM` can',
    'show while the model is in it); a timed transition is `after <Delay>`, the delay named after the setting it',
    'comes from; `[guard]` is the condition under which it is taken, `[otherwise]` the fallback when no earlier',
    'guard for the same event holds. The sources of each transition are in the comments of `machines/*.ts`; a key such',
    'as [PETRI] opens its title and address in [sources.md](sources.md).',
  ].join('\n');
  const contents = [...list.map((m) => `- [${m.name}](#${anchor(m.name)}): ${m.summary}`), '- [Settings](#settings)'].join('\n');
  const doc = blocks(
    '# Models',
    generatedBanner('`machines/` (the `models` registry and `settings.ts`)'),
    intro,
    contents,
    ...list.map((m) => modelSection(m, settings)),
    settingsSection(settings),
  )
    .replace(/\n{3,}/g, '\n\n');
  return linkSources(doc);
}

function modelSection(model: Model, settings: readonly SettingDefinition[]): string {
  const graph = machineGraph(model.machine);
  const used = settingsUsed(graph, settings);
  const facts = [
    `- Machine id ${code(graph.id)}; initial state ${code(graph.root.initial ?? '—')}.`,
    model.spontaneous.length
      ? `- Events the cluster produces on its own (the checker may assume them whenever they are enabled): ${model.spontaneous.map(code).join(', ')}.`
      : '- Every event is a stimulus read from the trace.',
    used.length ? `- Settings in its delays and state meta: ${used.map((s) => `[${s}](#settings)`).join(', ')}.` : '',
  ].filter(Boolean);
  return blocks(
    `## ${model.name}`,
    model.summary,
    facts.join('\n'),
    '```mermaid\n' + renderMermaid(graph) + '```',
    '### States',
    statesTable(graph),
    '### Transitions',
    'In declaration order; for one event, the first transition whose guard holds is taken.',
    transitionsTable(graph),
  ).trimEnd();
}

function statesTable(graph: MachineGraph): string {
  const rows = allStates(graph).map((s) => {
    const notes = [
      s.type === 'compound' ? `compound, starts in ${code(s.initial ?? '?')}` : s.type === 'atomic' ? '' : s.type,
      s.description ?? '',
      ...s.meta.map(code),
    ].filter(Boolean);
    const seen = s.tags.length ? s.tags.join(', ') : s.children.length ? 'as its substates' : 'not observable';
    return [code(s.path), seen, notes.join('; ')];
  });
  return table(['state', 'seen as', 'notes'], rows);
}

function transitionsTable(graph: MachineGraph): string {
  const rows = graph.transitions.map((t) => [
    t.from === '' ? 'any state' : code(t.from),
    code(t.event),
    t.to.length ? t.to.map(code).join(', ') : 'stays (no state change)',
    guardCell(t),
  ]);
  return table(['from', 'event', 'to', 'guard'], rows);
}

function guardCell(t: GraphTransition): string {
  if (t.guard !== undefined) return code(t.guard);
  return t.otherwise ? 'otherwise' : '';
}

/** Settings whose names appear in the machine's delay names or state meta (e.g. `minimumDwell: JoinTakesAtLeast`). */
function settingsUsed(graph: MachineGraph, settings: readonly SettingDefinition[]): string[] {
  const text = [...graph.transitions.map((t) => t.delay ?? ''), ...allStates(graph).flatMap((s) => s.meta)].join(' ');
  return settings.map((s) => s.name).filter((name) => new RegExp(`\\b${name}\\b`).test(text));
}

function settingsSection(settings: readonly SettingDefinition[]): string {
  const rows = settings.map((s) => [
    code(s.name),
    s.kind,
    String(s.default),
    s.unit,
    s.values ? s.values.join(' or ') : `${s.min}–${s.max}`,
    s.description,
    s.source,
    s.conflict ?? '',
  ]);
  return blocks(
    '## Settings',
    [
      'Every setting the models depend on (`machines/settings.ts`, `clusterchaos list settings`). `cluster` settings are',
      'cluster properties (`Get-Cluster` names) that a run sets on the cluster; `model` settings are the models\' own',
      'assumptions where Microsoft documents no number. An experiment sets them under `settings:`, or `--set settings.<Name>=<value>`.',
    ].join('\n'),
    table(['name', 'kind', 'default', 'unit', 'allowed', 'what it is', 'source of the default', 'conflict'], rows),
  ).trimEnd();
}

/** GitHub's heading anchor for a heading text. */
function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replaceAll(' ', '-');
}
