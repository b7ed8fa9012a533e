import type { FaultDefinition } from './fault.js';

/** One parameter of a fault as `clusterchaos list faults` shows it. */
export interface ParamListing {
  name: string;
  /** The kind of value it takes, said as a person writes it in YAML: `duration (e.g. 90s, 2m)`, `TCPIP | SMB`. */
  type: string;
  required: boolean;
  description: string;
}

type Schema = Record<string, unknown>;

/** A parameter's kind from its JSON Schema (the subset the catalogue uses), said for a person. */
export function typeOf(schema: Schema): string {
  if (typeof schema['x-expected'] === 'string' && (schema.type === undefined || Array.isArray(schema.type))) return schema['x-expected'];
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(' | ');
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  const said = types.map((t) => {
    if (t === 'string') return schema.format === 'duration' ? 'duration (e.g. 500ms, 90s, 2m, 1h)' : 'text';
    if (t === 'array') {
      const items = (schema.items as Schema | undefined) ?? {};
      return `list of ${typeOf(items)}`;
    }
    if (t === 'integer' || t === 'number') {
      const bounds = [schema.minimum !== undefined ? `≥ ${schema.minimum}` : '', schema.maximum !== undefined ? `≤ ${schema.maximum}` : ''].filter(Boolean).join(', ');
      return `${t === 'integer' ? 'whole number' : 'number'}${bounds ? ` (${bounds})` : ''}`;
    }
    if (t === 'boolean') return 'true | false';
    return t;
  });
  return said.length ? said.join(' or ') : 'any';
}

/** Every parameter of a fault, required ones first, in the order its schema declares them. */
export function paramListing(fault: FaultDefinition<any>): ParamListing[] {
  const schema = fault.params as Schema;
  const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const all = Object.entries(properties).map(([name, p]) => ({
    name,
    type: typeOf(p),
    required: required.has(name),
    description: typeof p.description === 'string' ? p.description : '',
  }));
  return [...all.filter((p) => p.required), ...all.filter((p) => !p.required)];
}

/** The lines `clusterchaos list faults` prints for one fault: its summary, then one line per parameter. */
export function faultListing(fault: FaultDefinition<any>, indent = ''): string[] {
  const params = paramListing(fault);
  const width = Math.max(0, ...params.map((p) => p.name.length));
  return [
    `${indent}${fault.name.padEnd(28)} ${fault.summary}`,
    ...(params.length ? params : []).map(
      (p) => `${indent}    ${p.name.padEnd(width)}  ${p.required ? 'required' : 'optional'}, ${p.type}: ${p.description}`,
    ),
    ...(params.length ? [] : [`${indent}    (no parameters)`]),
  ];
}
