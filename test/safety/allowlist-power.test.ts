/**
 * The allowlist's `power:` (issue 14): how each node's power is cut and restored on a real lab — its BMC's
 * Redfish ComputerSystem with a credential named by environment variables, or the outer Hyper-V host of a
 * nested lab and the VM that is the node. Bad entries are refused at their line; a plan that powers off a node
 * the allowlist gives no power control is refused before anything is done; so is one whose BMC credential is
 * not in the environment.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingDefinitions } from '../../machines/index.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { stepScripts } from '../../src/cli/powershell-dry-run.js';
import type { FaultStep } from '../../src/experiment/types.js';
import { AllowlistError, consentFor, loadAllowlist, missingPowerCredentials, parseAllowlist, powerForNodes } from '../../src/safety/allowlist.js';
import { BIN } from '../helpers/build.js';

const FAULTS = [...faults.keys()];
const powerLoss = () => loadExperiment('experiments/power-loss.yaml', { settings: settingDefinitions });
const ENTRY = 'clusters:\n  - name: HVCLUSTER01\n    faults: [power-off-node, power-on-node, restart-node]\n';

function refused(text: string): string {
  try {
    parseAllowlist('lab.yaml', text, '--allowlist', FAULTS);
  } catch (e) {
    expect(e).to.be.instanceOf(AllowlistError);
    return (e as Error).message;
  }
  expect.fail('the allowlist was accepted');
}

describe('allowlist: power (how a node is powered off and on)', () => {
  it('reads a Redfish BMC (URI, credential name, certificate check) and an outer Hyper-V host with the VM that is the node', () => {
    const a = parseAllowlist(
      'lab.yaml',
      ENTRY +
        '    power:\n' +
        '      N1: { redfish: https://bmc-n1.lab.local/redfish/v1/Systems/1, credential: LAB_BMC }\n' +
        '      N2: { redfish: "https://10.0.0.12:8443/redfish/v1/Systems/System.Embedded.1", credential: IDRAC, skip-certificate-check: true }\n' +
        '      N3: { hyperv-host: OUTER01, vm: LAB-N3 }\n' +
        '      N4: { hyperv-host: OUTER01, vm: LAB-N4, credential: OUTER }\n',
      'x',
      FAULTS,
    );
    expect(a.clusters[0]!.power).to.deep.equal({
      N1: { kind: 'redfish', system: 'https://bmc-n1.lab.local/redfish/v1/Systems/1', credential: 'LAB_BMC' },
      N2: { kind: 'redfish', system: 'https://10.0.0.12:8443/redfish/v1/Systems/System.Embedded.1', credential: 'IDRAC', skipCertificateCheck: true },
      N3: { kind: 'hyperv', host: 'OUTER01', vm: 'LAB-N3' },
      N4: { kind: 'hyperv', host: 'OUTER01', vm: 'LAB-N4', credential: 'OUTER' },
    });
    // keyed by the experiment's spelling of each node (names compared without case, as Windows does)
    expect(Object.keys(powerForNodes(a.clusters[0]!, ['n1', 'N3', 'N9']))).to.deep.equal(['n1', 'N3']);
  });

  it('refuses a power entry that is neither or both kinds, a bad URI, a BMC without a credential, a secret in place of a credential name, a VM name with a wildcard, an unknown key: each at its line', () => {
    const power = (line: string) => refused(`${ENTRY}    power:\n${line}`);
    expect(power('      N1: { host: OUTER01 }\n')).to.match(/^lab\.yaml:5:\d+: clusters\[0\]\.power\.N1: expected exactly one of redfish \(a BMC\) or hyperv-host .*found only host/);
    expect(power('      N1: { redfish: https://b/redfish/v1/Systems/1, hyperv-host: H, credential: C }\n')).to.match(/^lab\.yaml:5:\d+: .*exactly one of redfish .*found both/);
    expect(power('      N1: { redfish: "bmc-n1/redfish/v1/Systems/1", credential: C }\n')).to.match(/^lab\.yaml:5:\d+: clusters\[0\]\.power\.N1\.redfish: expected the URI of the node's Redfish ComputerSystem.*e\.g\. https:\/\/bmc-n1/);
    expect(power('      N1: { redfish: https://bmc-n1/redfish/v1/Systems/1 }\n')).to.match(/^lab\.yaml:5:\d+: clusters\[0\]\.power\.N1: expected a credential for N1's BMC .*<NAME>_USERNAME and <NAME>_PASSWORD/);
    expect(power('      N1: { redfish: https://bmc-n1/redfish/v1/Systems/1, credential: "hunter2!" }\n')).to.match(/credential: expected the name of a credential: letters, digits and _ .*The secret itself never goes in this file/);
    expect(power('      N1: { hyperv-host: OUTER01, vm: "LAB-N*" }\n')).to.match(/^lab\.yaml:5:\d+: clusters\[0\]\.power\.N1\.vm: expected the name of the VM that is N1 on that host, without wildcard characters/);
    expect(power('      N1: { hyperv-host: OUTER01 }\n')).to.match(/^lab\.yaml:5:\d+: clusters\[0\]\.power\.N1: expected the name of the VM that is N1 on that host.*found no vm/);
    expect(power('      N1: { hyperv-host: OUTER01, vm: N1, skip-certificate-check: true }\n')).to.match(/^lab\.yaml:5:\d+: .*expected one of hyperv-host, vm, credential, found "skip-certificate-check"/);
    expect(power('      N1: { redfish: https://b/redfish/v1/Systems/1, credential: C, skip-certificate-check: "yes" }\n')).to.match(/skip-certificate-check: expected true or false/);
    expect(refused(`${ENTRY}    power: [N1]\n`)).to.match(/^lab\.yaml:4:\d+: clusters\[0\]\.power: expected a mapping of node names to each node's power control/);
  });

  it('refuses a plan that powers off a node the allowlist gives no power control, naming the node, the step and what to add', () => {
    const a = parseAllowlist('lab.yaml', `${ENTRY}    power:\n      N3: { hyperv-host: OUTER01, vm: N3 }\n`, 'x', FAULTS);
    let message = '';
    try {
      consentFor(a, powerLoss());
    } catch (e) {
      expect(e).to.be.instanceOf(AllowlistError);
      message = (e as Error).message;
    }
    expect(message).to.match(/^lab\.yaml:2: clusters\[0\]\.power: expected how to cut the power of N2, which experiments\/power-loss\.yaml:\d+ powers off or on \(power-off-node\), found power for N3 only\./);
    expect(message).to.contain('"N2: { redfish: https://<its BMC>/redfish/v1/Systems/<id>, credential: <NAME> }"');
    expect(message).to.contain('"N2: { hyperv-host: <the outer Hyper-V host>, vm: <the VM that is N2> }"');
    expect(message).to.contain('Nothing was done to any cluster.');
    // N2 once, though two steps name it
    expect(message.match(/cut the power of N2/g)).to.have.length(1);
  });

  it('gives consent once the node has a power control (restart-node needs none: it is Restart-Computer)', () => {
    const a = parseAllowlist('lab.yaml', `${ENTRY}    power:\n      n2: { redfish: https://bmc-n2/redfish/v1/Systems/1, credential: LAB_BMC }\n`, 'x', FAULTS);
    expect(consentFor(a, powerLoss()).name).to.equal('HVCLUSTER01');
  });

  it("names a BMC credential whose environment variables are not set (a real run's refusal), and is satisfied once both are", () => {
    const a = parseAllowlist('lab.yaml', `${ENTRY}    power:\n      N2: { redfish: https://bmc-n2/redfish/v1/Systems/1, credential: LAB_BMC }\n`, 'x', FAULTS);
    const entry = a.clusters[0]!;
    const problems = missingPowerCredentials(a, entry, powerLoss(), { LAB_BMC_USERNAME: 'admin' });
    expect(problems).to.have.length(1);
    expect(new AllowlistError(problems).message).to.match(/^lab\.yaml:2: clusters\[0\]\.power\.N2\.credential: expected the environment variables LAB_BMC_USERNAME and LAB_BMC_PASSWORD, or a PSCredential named LAB_BMC in a SecretManagement vault .*found LAB_BMC_PASSWORD not set\./);
    expect(missingPowerCredentials(a, entry, powerLoss(), { LAB_BMC_USERNAME: 'admin', LAB_BMC_PASSWORD: 's3cret' })).to.deep.equal([]);
  });

  it('the dry run shows the power scripts of the allowlist\'s power controls, and the revert of a power-off (power-on)', () => {
    const a = parseAllowlist('lab.yaml', `${ENTRY}    power:\n      N2: { hyperv-host: OUTER01, vm: LAB-N2 }\n`, 'x', FAULTS);
    const experiment = powerLoss();
    const off = experiment.method.find((s) => s.kind === 'fault' && s.fault === 'power-off-node')!;
    const restart = experiment.method.find((s) => s.kind === 'fault' && s.fault === 'restart-node')!;
    const scripted = stepScripts(experiment, off as FaultStep, 'clusterchaos-x', a.clusters[0]!);
    expect(scripted.inject).to.equal("# clusterchaos power-off-node\nStop-ClusterChaosHost -Cluster 'HVCLUSTER01' -Node 'N2' -HyperVHost 'OUTER01' -VmName 'LAB-N2'\n");
    expect(scripted.revert).to.equal("# clusterchaos power-on-node\nStart-ClusterChaosHost -Cluster 'HVCLUSTER01' -Node 'N2' -HyperVHost 'OUTER01' -VmName 'LAB-N2'\n");
    expect(stepScripts(experiment, restart as FaultStep, 'clusterchaos-x', a.clusters[0]!).inject).to.match(/^# clusterchaos restart-node\nRestart-ClusterChaosNode -Cluster 'HVCLUSTER01' -Node 'N3' -TimeoutMs \d+\n$/);
  });

  it('ships example and rehearsal allowlists whose power entries are valid', () => {
    for (const file of ['clusterchaos-allowlist.example.yaml', 'clusterchaos-allowlist.rehearsal.yaml']) {
      const a = loadAllowlist({ file, via: '--allowlist' }, FAULTS);
      expect(Object.keys(a.clusters[0]!.power ?? {}).length, file).to.be.greaterThan(0);
    }
  });

  it('clusterchaos run refuses (exit 2, no PowerShell started) a power-off of a node without power control', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'power-'));
    const file = join(dir, 'allow.yaml');
    writeFileSync(file, 'clusters:\n  - name: HVCLUSTER01\n    faults: [power-off-node, power-on-node, restart-node]\n    max-impaired-nodes: 2\n');
    const r = spawnSync(process.execPath, [BIN, 'run', 'experiments/power-loss.yaml', '--target', 'powershell', '--allowlist', file, '--out', join(dir, 'out')], {
      encoding: 'utf8',
      env: { ...process.env, CLUSTERCHAOS_PWSH: '/nonexistent/pwsh', NODE_POWERSHELL: '/nonexistent/pwsh' },
    });
    expect(r.status, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout + r.stderr).to.match(/expected how to cut the power of N2/);
    expect(r.stdout + r.stderr).to.contain('no PowerShell session was started');
  });
});
