/**
 * Text an experiment holds reaches a terminal, a log, the reports and a PowerShell command line, so a name must
 * read the same wherever it appears. Refused in every name (and in all other text but the description's line
 * breaks and tabs): characters a terminal interprets and characters that disguise text. Each is named in the
 * message, as U+hhhh at its position, because most of them cannot be seen.
 */
import { describeRefused, refusedCharacter, type RefusedCharacter } from '../trace/characters.js';
import { describeValue, type Finding } from './finding.js';
import type { Segment } from './path.js';

export { describeRefused, escapeRefused, NAME_PATTERN, refusedCharacter, type RefusedCharacter } from '../trace/characters.js';

/** The longest name: longer than any Windows name it stands for (NetBIOS 15, a DNS label 63, a VM up to 100 characters). */
export const MAX_NAME_LENGTH = 255;
/** A title is one line. */
export const MAX_TITLE_LENGTH = 200;
/** A description is read by people: a few pages at most (the longest shipped one is about 1,000 characters). */
export const MAX_DESCRIPTION_LENGTH = 10_000;

/** Where line breaks and tabs are text, not a disguise: the description (a folded or literal block). */
const MULTILINE: readonly string[] = ['description'];

/**
 * Every key and every text value of the document with a refused character, wherever it is: the names of the
 * cluster, its nodes and VMs, the names a fault's parameters give, the title, and any other text. The loader
 * reports these in place of what the schema says about the same value (that a name is not a node, that a
 * key is unknown), since the character is what to fix first.
 */
export function textFindings(data: unknown): Finding[] {
  const out: Finding[] = [];
  const visit = (value: unknown, path: Segment[]): void => {
    if (typeof value === 'string') {
      const multiline = path.length === 1 && MULTILINE.includes(String(path[0]));
      const r = refusedCharacter(value, multiline ? '\n\t' : '');
      if (r) out.push(refusedFinding(path, 'value', value, r, multiline));
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const r = refusedCharacter(key);
        if (r) out.push(refusedFinding([...path, key], 'key', key, r, false));
        else visit(item, [...path, key]);
      }
    }
  };
  visit(data, []);
  return out;
}

function refusedFinding(path: Segment[], at: 'value' | 'key', text: string, r: RefusedCharacter, multiline: boolean): Finding {
  return {
    path,
    at,
    expected: multiline
      ? 'text without control characters (line breaks and tabs aside), bidirectional controls or invisible characters'
      : `${at === 'key' ? 'a key' : 'text'} without control characters, bidirectional controls or invisible characters`,
    found: `${describeValue(text)}, with ${describeRefused(r)}`,
    hint: 'Retype it: such a character often comes with a copy and paste, and a name must read the same on a terminal, in the reports and on the cluster.',
  };
}
