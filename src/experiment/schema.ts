/**
 * The experiment's JSON Schema, built from the catalogues: method steps are told apart by their `fault:`
 * name (each fault brings the schema of its parameters), settings are named integer properties with the
 * catalogue's range. `additionalProperties: false` everywhere, so a typo is an error, not a silent default.
 *
 * The `x-…` keywords are annotations for error messages (see problems.ts), not validation:
 * `x-expected` what a value here must be, in words; `x-hint` what to do when it is wrong;
 * `x-keys` / `x-keys-hint` the same for an unknown key in a mapping; `x-missing` / `x-missing-hint` the
 * same for a mapping that lacks what tells it apart (a step with neither `fault:` nor `wait:`);
 * `x-key-hints` advice for particular unknown keys (what a Chaos Toolkit user might write);
 * `x-unit` the unit of a setting, to suggest a plain number when a duration was written.
 */
import type { SchemaObject } from 'ajv';
import { describeSetting, type FaultCatalogue, type SettingsCatalogueEntry } from './catalogues.js';
import { DURATION_EXAMPLES, DURATION_HINT } from './duration.js';

export const ANNOTATION_KEYWORDS = ['x-expected', 'x-hint', 'x-keys', 'x-keys-hint', 'x-missing', 'x-missing-hint', 'x-key-hints', 'x-unit'];

/** What a Chaos Toolkit user may write, and where it goes here. */
const CHAOS_TOOLKIT_KEYS: Record<string, string> = {
  'steady-state-hypothesis': 'Did you mean "steady-state"? Here it holds only a timeout: every node Up and every VM Running.',
  rollbacks: 'Faults revert themselves: each registers its revert before it injects, and reverts run on every exit path.',
  tags: 'Put it in the description.',
  contributions: 'Put it in the description.',
  configuration: 'Put cluster properties and model settings under "settings:".',
};

const UINT32_MAX = 0xffffffff;

/** Names of nodes and VMs: liberal (real clusters hold odd names); only empty names and control characters are refused. */
const NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f]+$';

const duration = (): SchemaObject => ({
  type: 'string',
  format: 'duration',
  'x-expected': DURATION_EXAMPLES,
  'x-hint': DURATION_HINT,
});

const range = (example: string): SchemaObject => ({
  type: 'array',
  items: duration(),
  minItems: 2,
  maxItems: 2,
  'x-expected': `a [min, max] pair of durations, e.g. ${example}`,
});

/** An optional mapping; written with nothing under it, it is the same as left out. */
const section = (name: string, properties: Record<string, SchemaObject>, expected: string): SchemaObject => ({
  type: ['object', 'null'],
  properties,
  additionalProperties: false,
  'x-expected': expected,
  'x-keys': `one of the keys of ${name} (${Object.keys(properties).join(', ')})`,
});

function clusterSchema(): SchemaObject {
  const name = (what: string): SchemaObject => ({
    type: 'string',
    pattern: NAME_PATTERN,
    'x-expected': `a ${what} name (text, not empty, without control characters)`,
  });
  const vm = section(
    'a VM',
    {
      name: name('VM'),
      owner: { type: 'string', 'x-expected': 'the name of the node that owns the VM when the run starts' },
      storage: {
        enum: ['smb', 'csv-block'],
        'x-expected': 'smb or csv-block',
        'x-hint': 'smb = file storage (SMB 3 / Scale-Out File Server); csv-block = a VHDX on a Cluster Shared Volume over block storage.',
      },
      memoryGB: { type: 'number', exclusiveMinimum: 0, 'x-expected': 'a number of GB greater than 0' },
      resiliencyPeriod: {
        type: 'integer',
        minimum: 0,
        maximum: UINT32_MAX,
        'x-expected': `an integer number of seconds from 0 to ${UINT32_MAX}`,
        'x-unit': 's',
      },
      version: {
        type: 'string',
        pattern: '^[0-9]+\\.[0-9]+$',
        'x-expected': 'a VM configuration version such as "8.0" (Get-VM .Version), in quotes',
      },
    },
    'a VM such as { name: web01, owner: N1, storage: smb }',
  );
  vm.type = 'object';
  vm.required = ['name', 'owner', 'storage'];
  const cluster = section(
    'cluster',
    {
      name: name('cluster'),
      nodes: {
        type: 'array',
        items: name('node'),
        minItems: 1,
        maxItems: 64,
        'x-expected': 'a list of 1 to 64 node names, e.g. [N1, N2, N3, N4]',
      },
      vms: { type: ['array', 'null'], items: vm, 'x-expected': 'a list of VMs, each such as { name: web01, owner: N1, storage: smb }' },
    },
    'a mapping with the cluster name, its nodes and its VMs',
  );
  cluster.type = 'object';
  cluster.required = ['nodes'];
  return cluster;
}

function settingsSchema(settings: readonly SettingsCatalogueEntry[]): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const s of settings) {
    const p: SchemaObject = {
      type: 'integer',
      minimum: s.min,
      maximum: s.max,
      'x-expected': describeSetting(s),
      'x-unit': s.unit,
    };
    if (s.values && s.values.length > 0) {
      p.enum = [...s.values];
      p['x-hint'] = `${s.name}: ${s.description.replace(/\.?$/, '.')}`;
    }
    properties[s.name] = p;
  }
  return {
    type: ['object', 'null'],
    properties,
    additionalProperties: false,
    'x-expected': 'a mapping of setting names to integers, e.g. ResiliencyDefaultPeriod: 60',
    'x-keys': 'a setting from the catalogue',
    'x-keys-hint': "Run 'clusterchaos list settings'.",
  };
}

/** A fault step: `fault: <name>` and the fault's own parameters beside it. */
function faultStepSchema(name: string, params: Record<string, unknown>): SchemaObject {
  const { $schema: _s, $id: _i, ...rest } = params;
  const paramProps = (rest.properties ?? {}) as Record<string, SchemaObject>;
  const names = Object.keys(paramProps);
  return {
    ...rest,
    type: 'object',
    properties: { fault: {}, ...paramProps },
    additionalProperties: rest.additionalProperties ?? false,
    'x-keys': names.length > 0 ? `a parameter of ${name} (${names.join(', ')})` : `no parameters for ${name}`,
    'x-keys-hint': "Run 'clusterchaos list faults'.",
  };
}

function stepSchema(faults: FaultCatalogue): SchemaObject {
  const names = [...faults.keys()];
  return {
    type: 'object',
    'x-expected': 'a step: "fault: <name>" with its parameters, or "wait: <duration>"',
    if: { required: ['wait'] },
    then: {
      properties: { wait: duration() },
      additionalProperties: false,
      'x-keys': 'only "wait" in a wait step',
      'x-keys-hint': 'Put a fault in a step of its own.',
    },
    else: {
      required: ['fault'],
      properties: {
        fault: {
          enum: names,
          'x-expected': `one of the catalogue's faults (${names.join(', ')})`,
          'x-hint': "Run 'clusterchaos list faults'.",
        },
      },
      'x-missing': 'a step: "fault: <name>" with its parameters, or "wait: <duration>"',
      'x-missing-hint': 'Start the step with "- fault: <name>" or "- wait: <duration>".',
      allOf: [...faults].map(([name, f]) => ({
        if: { properties: { fault: { const: name } }, required: ['fault'] },
        then: faultStepSchema(name, f.params),
      })),
    },
  };
}

export function experimentSchema(settings: readonly SettingsCatalogueEntry[], faults: FaultCatalogue): SchemaObject {
  const properties: Record<string, SchemaObject> = {
    title: { type: 'string', minLength: 1, 'x-expected': 'a one-line title (text)' },
    description: { type: ['string', 'null'], 'x-expected': 'text saying what the experiment does and what should happen' },
    seed: {
      type: 'integer',
      minimum: 0,
      maximum: UINT32_MAX,
      'x-expected': `an integer seed from 0 to ${UINT32_MAX}`,
    },
    cluster: clusterSchema(),
    simulator: section(
      'simulator',
      { scmRestartDelay: duration(), vmStart: range('[5s, 20s]'), vmIoInterval: range('[100ms, 2s]'), liveMigration: range('[2s, 8s]') },
      'a mapping with the simulator timings (scmRestartDelay, vmStart, vmIoInterval, liveMigration)',
    ),
    settings: settingsSchema(settings),
    'steady-state': section(
      'steady-state',
      {
        timeout: duration(),
        'down-after': {
          type: 'array',
          items: { type: 'string' },
          uniqueItems: true,
          'x-expected': 'a list of nodes expected to stay down after the method, such as [N2]',
        },
      },
      'a mapping such as { timeout: 120s }',
    ),
    method: {
      type: 'array',
      items: stepSchema(faults),
      minItems: 1,
      'x-expected': 'a list of at least one step, each "- fault: <name>" with its parameters or "- wait: <duration>"',
    },
    observe: section('observe', { interval: duration() }, 'a mapping such as { interval: 1s }'),
    check: section('check', { tolerance: duration() }, 'a mapping such as { tolerance: 2s }'),
  };
  return {
    type: 'object',
    properties,
    required: ['title', 'cluster', 'method'],
    additionalProperties: false,
    'x-expected': 'a mapping with title, cluster, method and the other sections of an experiment',
    'x-keys': `one of the experiment's sections (${Object.keys(properties).join(', ')})`,
    'x-key-hints': CHAOS_TOOLKIT_KEYS,
  };
}
