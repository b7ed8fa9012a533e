import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialHow, readCredential, readSecret } from '../../src/cli/credentials.js';
import { powerCredentialsFromVaults } from '../../src/cli/powershell.js';
import { missingPowerCredentials, parseAllowlist } from '../../src/safety/allowlist.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { settingDefinitions } from '../../machines/index.js';
import { UsageError } from '../../src/cli/out-dir.js';
import { ROOT } from '../helpers/cli.js';
import { pwsh, PWSH_ENV } from '../helpers/pwsh.js';
import { runClusterchaos, tmp } from '../helpers/rehearse-cli.js';

/**
 * `--credential secret:<name>`: a PSCredential read with Get-Secret (Microsoft.PowerShell.SecretManagement) in
 * real PowerShell 7 on the management host. The real module is not on this machine: test/fixtures/secret-management
 * holds a stand-in with its name, its cmdlets' parameters and output types, over a JSON file of vaults.
 */
const STAND_IN = join(ROOT, 'test/fixtures/secret-management');
const PASSWORD = 'Vault-S3cret-never-shown';
const BMC_PASSWORD = 'Bmc-S3cret-never-shown';
const SECRETS = join(tmp(), 'secrets.json');
writeFileSync(
  SECRETS,
  JSON.stringify({
    vaults: [
      { name: 'LabVault', default: true, secrets: { ClusterAdmin: { type: 'PSCredential', user: 'LAB\\chaos', password: PASSWORD }, Token: { type: 'String', value: 'just-a-token' } } },
      { name: 'Other', secrets: {} },
      { name: 'Bmcs', secrets: { LAB_BMC: { type: 'PSCredential', user: 'root', password: BMC_PASSWORD } } },
    ],
  }),
);
const NO_VAULTS = join(tmp(), 'none.json');
writeFileSync(NO_VAULTS, JSON.stringify({ vaults: [] }));

/** The environment of a management host with the module (the stand-in) and the vaults of `file`; without `module`, neither. */
const host = (o: { module?: boolean; file?: string } = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  ...PWSH_ENV,
  CLUSTERCHAOS_PWSH: pwsh(),
  PSModulePath: o.module === false ? join(tmp(), 'no-modules') : STAND_IN,
  CLUSTERCHAOS_TEST_SECRETS: o.file ?? SECRETS,
});

const refusal = async (p: Promise<unknown>): Promise<string> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).to.be.instanceOf(UsageError);
  const message = (e as Error).message;
  expect(message).to.include('Nothing was done to any cluster').and.not.include(PASSWORD);
  return message;
};

describe('credentials from the management host\'s SecretManagement vaults (--credential secret:<name>)', function () {
  this.timeout(300_000);

  it('reads a PSCredential as user and password, from every vault (the default first) or from the one --vault names', async () => {
    expect(await readSecret({ secret: 'ClusterAdmin' }, { env: host() })).to.deep.equal({ username: 'LAB\\chaos', password: PASSWORD });
    expect(await readCredential('secret:ClusterAdmin', host(), undefined, undefined, { vault: 'LabVault' })).to.deep.equal({ username: 'LAB\\chaos', password: PASSWORD });
  });

  it('a secret no vault holds: exit-2 error naming it, the vaults there are, and how to store it', async () => {
    const message = await refusal(readSecret({ secret: 'Nope' }, { env: host() }));
    expect(message).to.include('Get-Secret found no secret Nope (registered vaults: LabVault, Other, Bmcs; it said: The secret Nope was not found.)');
    expect(message).to.include('Set-Secret -Name Nope -Secret (Get-Credential)');
    // in another vault than the one named
    expect(await refusal(readSecret({ secret: 'ClusterAdmin', vault: 'Other' }, { env: host() }))).to.include('no secret ClusterAdmin in vault Other');
  });

  it('a vault that is not registered, or none at all: says which there are and to Register-SecretVault', async () => {
    expect(await refusal(readSecret({ secret: 'ClusterAdmin', vault: 'CredMan' }, { env: host() }))).to.include('--vault CredMan: no such secret vault on this host (registered vaults: LabVault, Other, Bmcs');
    expect(await refusal(readSecret({ secret: 'ClusterAdmin' }, { env: host({ file: NO_VAULTS }) }))).to.include('no secret vault is registered on this host').and.include('Register-SecretVault');
  });

  it('the module missing: says what to install', async () => {
    expect(await refusal(readSecret({ secret: 'ClusterAdmin' }, { env: host({ module: false }) }))).to.include(
      'the PowerShell module Microsoft.PowerShell.SecretManagement is not installed on this host',
    ).and.include('Install-Module Microsoft.PowerShell.SecretManagement');
  });

  it('a secret that is not a PSCredential (a string): refused, naming its type, without showing it', async () => {
    const message = await refusal(readSecret({ secret: 'Token' }, { env: host() }));
    expect(message).to.include('the secret Token is a System.Security.SecureString, not a PSCredential').and.not.include('just-a-token');
  });

  it('--credential takes prompt or secret:<name>, and --vault only with a secret', async () => {
    expect(credentialHow('secret:ClusterAdmin')).to.equal('secret:ClusterAdmin');
    expect(() => credentialHow('vault')).to.throw(UsageError, /expected prompt .* or secret:<name>/);
    expect(() => credentialHow('secret:')).to.throw(UsageError);
    const e = await readCredential(undefined, {}, undefined, undefined, { vault: 'LabVault' }).catch((x: unknown) => x);
    expect((e as Error).message).to.include('--vault LabVault says where --credential secret:<name> is looked up');
  });

  it('clusterchaos run --target powershell --credential secret:<name>: the session runs as the secret\'s user; the password is nowhere on the console or in the output folder', async () => {
    const allow = join(tmp(), 'allow.yaml');
    writeFileSync(allow, 'clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc, live-migrate]\n');
    const out = join(tmp(), 'out');
    // a real cluster's run: this machine has none, so first contact fails (no FailoverClusters) and nothing is done
    const r = await runClusterchaos(
      ['run', 'test/rehearsal/fixtures/experiments/short-resiliency.yaml', '--target', 'powershell', '--yes', '--allowlist', allow, '--out', out, '--credential', 'secret:ClusterAdmin', '--vault', 'LabVault'],
      { env: host() },
    );
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.include('PowerShell session started').and.include('as LAB\\\\chaos');
    expect(r.stdout + r.stderr).not.to.include(PASSWORD);
    if (existsSync(out)) for (const f of readdirSync(out)) expect(readFileSync(join(out, f), 'utf8'), f).not.to.include(PASSWORD);
    // the module missing: refused before any session, with what to install
    const missing = await runClusterchaos(
      ['run', 'test/rehearsal/fixtures/experiments/short-resiliency.yaml', '--target', 'powershell', '--yes', '--allowlist', allow, '--out', join(tmp(), 'out'), '--credential', 'secret:ClusterAdmin'],
      { env: host({ module: false }) },
    );
    expect(missing.code, missing.stdout + missing.stderr).to.equal(2);
    expect(missing.stderr).to.include('Install-Module Microsoft.PowerShell.SecretManagement').and.not.include('PowerShell session started');
    expect(missing.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
  });

  it("a BMC's account missing from the environment is read from the vaults (a PSCredential of the credential's name), else the refusal says what they answered", async () => {
    const env = host();
    delete env.LAB_BMC_USERNAME;
    delete env.LAB_BMC_PASSWORD;
    expect(await powerCredentialsFromVaults([{ credential: 'LAB_BMC' }], env, undefined)).to.deep.equal(new Map());
    expect([env.LAB_BMC_USERNAME, env.LAB_BMC_PASSWORD]).to.deep.equal(['root', BMC_PASSWORD]);
    // --vault names the one to read: another vault does not hold it
    const elsewhere = host();
    const notes = await powerCredentialsFromVaults([{ credential: 'LAB_BMC' }], elsewhere, 'Other');
    expect(elsewhere.LAB_BMC_PASSWORD).to.equal(undefined);
    expect(notes.get('LAB_BMC')).to.include('no secret LAB_BMC in vault Other');
    // what the run then refuses with: the variables, or Set-Secret, and what the vaults said
    const allowlist = parseAllowlist('lab.yaml', 'clusters:\n  - name: HVCLUSTER01\n    faults: [power-off-node, power-on-node, restart-node]\n    power:\n      N2: { redfish: https://bmc-n2/redfish/v1/Systems/1, credential: LAB_BMC }\n', 'x', [...faults.keys()]);
    const experiment = loadExperiment(join(ROOT, 'experiments/power-loss.yaml'), { settings: settingDefinitions });
    const [problem] = missingPowerCredentials(allowlist, allowlist.clusters[0]!, experiment, elsewhere, notes);
    expect(problem!.found).to.include('LAB_BMC_USERNAME and LAB_BMC_PASSWORD not set; the vaults: Get-Secret found no secret LAB_BMC in vault Other');
    expect(problem!.hint).to.include('Set-Secret -Name LAB_BMC -Secret (Get-Credential)');
    expect(JSON.stringify(problem)).to.not.include(BMC_PASSWORD);
  });

  it('a BMC account already in the environment is not looked up (no PowerShell started)', async () => {
    const env = { ...host(), CLUSTERCHAOS_PWSH: '/nonexistent/pwsh', NODE_POWERSHELL: '/nonexistent/pwsh', LAB_BMC_USERNAME: 'admin', LAB_BMC_PASSWORD: 'from-env' };
    expect(await powerCredentialsFromVaults([{ credential: 'LAB_BMC' }], env, undefined)).to.deep.equal(new Map());
    expect(env.LAB_BMC_PASSWORD).to.equal('from-env');
  });
});
