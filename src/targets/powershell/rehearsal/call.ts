/**
 * One stand-in call as the lab serves it (README.md "One request per stand-in call"): the request, the answer
 * being built (output, warnings, non-terminating errors) and the bound parameters read the way PowerShell
 * bound them.
 */
import type { WaitEnd } from './clock.js';
import type { LabWorld } from './world.js';

export interface LabRequest {
  process: string;
  node: string | null;
  compat: boolean;
  command: string;
  parameterSet?: string;
  parameters: Record<string, unknown>;
}

/** An error record: FullyQualifiedErrorId and ErrorCategory as the real cmdlet gives them. */
export interface LabErrorRecord {
  message: string;
  id: string;
  category: string;
  target?: unknown;
}

export interface LabAnswer {
  output: unknown[];
  warnings: string[];
  errors: LabErrorRecord[];
  terminating?: LabErrorRecord;
}

/** Thrown by a command: the call fails with this terminating error (ThrowTerminatingError). */
export class Terminating extends Error {
  override name = 'Terminating';
  constructor(
    message: string,
    readonly id: string,
    readonly category = 'NotSpecified',
    readonly target?: unknown,
  ) {
    super(message);
  }

  record(): LabErrorRecord {
    return { message: this.message, id: this.id, category: this.category, ...(this.target !== undefined ? { target: this.target } : {}) };
  }
}

/** A value the lab cannot honour: refused with a terminating error that says so, never approximated. */
export function unsupported(command: string, what: string): Terminating {
  return new Terminating(`${command} ${what} is not supported by the rehearsal lab (src/targets/powershell/rehearsal/COMMANDS.md).`, `NotSupportedByRehearsalLab,${command}`, 'NotImplemented');
}

export class Call {
  readonly output: unknown[] = [];
  readonly warnings: string[] = [];
  readonly errors: LabErrorRecord[] = [];
  /** The node the call runs on (its canonical name), null on the management host. */
  readonly node: string | null;

  constructor(
    readonly world: LabWorld,
    readonly request: LabRequest,
    node: string | null,
    /** Aborts when the request's connection closes before its answer (its process died). */
    readonly signal?: AbortSignal,
  ) {
    this.node = node;
  }

  get command(): string {
    return this.request.command;
  }

  /** The node the call runs on; a node-side command on the management host is refused. */
  requireNode(): string {
    if (this.node === null) throw unsupported(this.command, 'on the management host (it is a node-side stand-in; run it inside Invoke-Command)');
    return this.node;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** A bound parameter by name (PowerShell's names are case-insensitive). */
  raw(name: string): unknown {
    const p = this.request.parameters;
    if (Object.hasOwn(p, name)) return p[name] ?? undefined;
    const lower = name.toLowerCase();
    for (const [k, v] of Object.entries(p)) if (k.toLowerCase() === lower) return v ?? undefined;
    return undefined;
  }

  str(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
    return typeof v === 'object' ? String((v as { Name?: unknown }).Name ?? '') : String(v);
  }

  /** A [string[]] / StringCollection parameter (a single value counts as a list of one). */
  strings(name: string): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    return (Array.isArray(v) ? v : [v]).filter((x) => x !== null && x !== undefined).map((x) => String(x));
  }

  /** A switch or [bool] parameter. */
  flag(name: string): boolean {
    const v = this.raw(name);
    return v === true || v === 'True' || v === 'true';
  }

  num(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) throw new Terminating(`Cannot convert value "${String(v)}" of parameter -${name} to a number.`, `ParameterArgumentTransformationError,${this.command}`, 'InvalidData');
    return n;
  }

  /** Pipeline objects as their identity ({ $type, Name, ... }); a bare string is a name. */
  objects(name: string): { type: string | undefined; name: string; raw: Record<string, unknown> }[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    return (Array.isArray(v) ? v : [v])
      .filter((x) => x !== null && x !== undefined)
      .map((x) => {
        if (typeof x !== 'object') return { type: undefined, name: String(x), raw: { Name: x } };
        const o = x as Record<string, unknown>;
        const type = typeof o['$type'] === 'string' ? (o['$type'] as string) : undefined;
        return { type, name: String(o.Name ?? o.TaskName ?? ''), raw: o };
      });
  }

  /** A non-terminating error (WriteError). */
  error(message: string, id: string, category: string, target?: unknown): void {
    this.errors.push({ message, id, category, ...(target !== undefined ? { target } : {}) });
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** The calling process waits here (it does not run meanwhile): a duration, or a condition (48 h at most). */
  wait(o: { ms?: number; ready?: () => boolean }): Promise<WaitEnd> {
    return this.world.co.wait(this.request.process, { ...o, ...(this.signal ? { signal: this.signal } : {}) });
  }

  answer(): LabAnswer {
    return { output: this.output, warnings: this.warnings, errors: this.errors };
  }
}

/** PowerShell's wildcard matching (* ? [a-z], backtick escapes), case-insensitive. */
export function wildcard(pattern: string): (text: string) => boolean {
  if (!/[*?[]/.test(pattern)) {
    const plain = pattern.replace(/`(.)/g, '$1').toLowerCase();
    return (text) => text.toLowerCase() === plain;
  }
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '`' && i + 1 < pattern.length) re += escape(pattern[++i]);
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += escape(c);
  }
  const compiled = new RegExp(`^${re}$`, 'is');
  return (text) => compiled.test(text);
}

export function hasWildcard(pattern: string): boolean {
  return /[*?[]/.test(pattern.replace(/`./g, ''));
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export { Settlement } from '../../sim/outcome.js';
