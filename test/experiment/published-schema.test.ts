import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { settingDefinitions } from '../../machines/settings.js';
import { PUBLISHED_SCHEMA, publishedExperimentSchemaText } from '../../src/experiment/published.js';
import { faults } from '../../src/faults/catalogue.js';
import { ROOT } from '../helpers/cli.js';

const EXPERIMENTS = join(ROOT, 'experiments');
const shippedFiles = readdirSync(EXPERIMENTS).filter((f) => f.endsWith('.yaml'));
const published = (): Record<string, any> => JSON.parse(readFileSync(join(ROOT, PUBLISHED_SCHEMA), 'utf8'));

/** The published file as an editor reads it: plain draft-07, plus VS Code's own hover and message keywords. */
function publishedValidator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  for (const keyword of ['markdownDescription', 'patternErrorMessage']) ajv.addKeyword({ keyword });
  return ajv.compile(published());
}

/** The flagship experiment with `edit` applied to its text. */
function flagshipWith(edit: (text: string) => string): unknown {
  return parse(edit(readFileSync(join(EXPERIMENTS, 'compute-resiliency.yaml'), 'utf8')));
}

describe('the published experiment schema (schema/experiment.schema.json)', () => {
  it('is what the code generates from the catalogues', () => {
    const generated = publishedExperimentSchemaText(settingDefinitions, faults);
    expect(readFileSync(join(ROOT, PUBLISHED_SCHEMA), 'utf8') === generated, `${PUBLISHED_SCHEMA} is stale: run npm run docs`).to.equal(true);
  });

  it('is a valid draft-07 JSON Schema', () => {
    const schema = published();
    expect(schema.$schema).to.equal('http://json-schema.org/draft-07/schema#');
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).to.equal(true);
    expect(JSON.stringify(schema)).not.to.match(/"x-[a-z-]+"|"format":"duration"/);
  });

  it('is named on the first line of every shipped experiment, for the YAML extension', () => {
    for (const f of shippedFiles) {
      expect(readFileSync(join(EXPERIMENTS, f), 'utf8').split('\n')[0], f).to.equal('# yaml-language-server: $schema=../schema/experiment.schema.json');
    }
  });

  it('accepts every shipped experiment', () => {
    const validate = publishedValidator();
    expect(shippedFiles.length).to.be.greaterThan(20);
    for (const f of shippedFiles) {
      const ok = validate(parse(readFileSync(join(EXPERIMENTS, f), 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(validate.errors)}`).to.equal(true);
    }
  });

  it('refuses an unknown fault, a misspelt key, a bad duration, an unknown setting value and host version, as the editor shows as one types', () => {
    const validate = publishedValidator();
    const refused: [string, (t: string) => string][] = [
      ['unknown fault', (t) => t.replace('fault: kill-clussvc', 'fault: kil-clussvc')],
      ['misspelt section', (t) => t.replace(/^settings:/m, 'setings:')],
      ['misspelt setting', (t) => t.replace('ResiliencyDefaultPeriod:', 'ResilencyDefaultPeriod:')],
      ['duration with a space', (t) => t.replace(/^ {2}interval: .*$/m, '  interval: 1 s')],
      ['setting duration in words', (t) => t.replace(/ResiliencyDefaultPeriod: \d+/, 'ResiliencyDefaultPeriod: 4 minutes')],
      ['misspelt level name', (t) => t.replace(/^settings:/m, 'settings:\n  ResiliencyLevel: AlwaysIsolat')],
      ['unknown host version', (t) => t.replace(/^cluster:/m, 'cluster:\n  hostVersion: 2020')],
    ];
    for (const [what, edit] of refused) {
      const doc = flagshipWith(edit);
      expect(JSON.stringify(doc), `${what}: the edit did not apply`).not.to.equal(JSON.stringify(flagshipWith((t) => t)));
      expect(validate(doc), what).to.equal(false);
    }
    const accepted = flagshipWith((t) =>
      t
        .replace(/ResiliencyDefaultPeriod: \d+/, 'ResiliencyDefaultPeriod: 4m')
        .replace(/^settings:/m, 'settings:\n  ResiliencyLevel: AlwaysIsolate\n  SameSubnetDelay: 1s\n  QuarantineDuration: 2h')
        .replace(/^cluster:/m, 'cluster:\n  hostVersion: 2022'),
    );
    expect(validate(accepted), JSON.stringify(validate.errors)).to.equal(true);
  });

  it('gives every setting a title, a description, its default, and its names to complete', () => {
    const settings = published().properties.settings.properties as Record<string, any>;
    expect(Object.keys(settings)).to.deep.equal(settingDefinitions.map((s) => s.name));
    for (const s of settingDefinitions) {
      expect(settings[s.name], s.name).to.include.keys('title', 'description', 'markdownDescription');
      expect(settings[s.name].default, s.name).to.equal(s.default);
    }
    expect(settings.ResiliencyLevel.enum).to.deep.equal([1, 2, 'IsolateOnSpecialHeartbeat', 'AlwaysIsolate']);
    expect(settings.ResiliencyDefaultPeriod.markdownDescription).to.include('a duration such as 4m or 240s');
  });

  it("says every optional fault parameter's default, on hover as in 'clusterchaos list faults'", () => {
    for (const [name, f] of faults) {
      const params = f.params as { properties?: Record<string, { description?: string }>; required?: string[] };
      for (const [param, schema] of Object.entries(params.properties ?? {})) {
        if (params.required?.includes(param)) continue;
        expect(schema.description, `${name}.${param}`).to.match(/default/i);
      }
    }
  });

  it('offers the fault names and describes each fault parameter', () => {
    const schema = published();
    const stepElse = schema.properties.method.items.else.else;
    expect(stepElse.properties.fault.enum).to.deep.equal([...faults.keys()]);
    const kill = stepElse.allOf.find((b: any) => b.if.properties.fault.const === 'kill-clussvc').then;
    expect(kill.properties.node.description).to.equal('The node whose cluster service is killed');
    expect(kill.properties.holdDown.pattern).to.be.a('string');
  });
});
