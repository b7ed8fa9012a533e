/** The compiled experiment schema, built once per pair of catalogues. */
import { Ajv, type ValidateFunction } from 'ajv';
import type { FaultCatalogue, SettingsCatalogueEntry } from './catalogues.js';
import { isDuration } from './duration.js';
import { ANNOTATION_KEYWORDS, experimentSchema } from './schema.js';

const cache = new WeakMap<readonly SettingsCatalogueEntry[], WeakMap<FaultCatalogue, ValidateFunction>>();

export function experimentValidator(settings: readonly SettingsCatalogueEntry[], faults: FaultCatalogue): ValidateFunction {
  let byFaults = cache.get(settings);
  if (!byFaults) cache.set(settings, (byFaults = new WeakMap()));
  let validate = byFaults.get(faults);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false });
    ajv.addFormat('duration', { type: 'string', validate: isDuration });
    for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword });
    validate = ajv.compile(experimentSchema(settings, faults));
    byFaults.set(faults, validate);
  }
  return validate;
}
