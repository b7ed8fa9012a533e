import { expect } from 'chai';
import fc from 'fast-check';
import { UnsafeValueError } from '../../src/targets/powershell/quote.js';
import * as scripts from '../../src/targets/powershell/scripts.js';
import { MUTATING_OPS, SCRIPT_OPS, isMutatingScript, scriptOp, type ScriptOp } from '../../src/targets/powershell/scripts.js';
import { DANGEROUS_UNITS, type HeaderValue, parseScriptHeader, readScriptHeader } from './ps-tokenizer.js';

/** The values one script carries. Strings are names (cluster, node, VM, peers, settings). */
interface Names {
  cluster: string;
  node: string;
  vm: string;
  peers: string[];
  settings: string[];
}

/**
 * Every script builder, with the values it is called with and the header it must produce. Non-name values
 * (times, tags, booleans, transports) are fixed per case; `alt` gives them other values for the check that
 * the body does not depend on them.
 */
interface Case {
  op: ScriptOp;
  build(n: Names, alt: boolean): string;
  header(n: Names, alt: boolean): Record<string, HeaderValue>;
  /** Cmdlets and parameters the body must use (windows-cluster-facts §2, §3). */
  uses: RegExp[];
}

const TAG = 'clusterchaos-6f1d2c3a-0b7e-4f4c-9a51-1d2e3f405060';
const TAG2 = 'clusterchaos-run.2_b';

const CASES: Case[] = [
  {
    op: 'poll',
    build: (n) => scripts.poll({ cluster: n.cluster }),
    header: (n) => ({ cluster: n.cluster }),
    uses: [
      /Get-ClusterNode -Cluster \$cluster/,
      /Get-ClusterGroup -Cluster \$cluster/,
      /GroupType -eq 'VirtualMachine'/,
      /Invoke-Command -ComputerName \$owners/,
      /Get-VM/,
      /\[string\]\$_\.State/,
      /OwnerNode\.Name/,
      /-ne 'Normal'/,
    ],
  },
  {
    op: 'events',
    build: (n, alt) => scripts.events({ cluster: n.cluster }, [n.node, ...n.peers], alt ? '2026-11-22T02:00:00.123+01:00' : '1970-01-01T00:00:00.000Z'),
    header: (n, alt) => ({ cluster: n.cluster, nodes: [n.node, ...n.peers], since: alt ? '2026-11-22T02:00:00.123+01:00' : '1970-01-01T00:00:00.000Z' }),
    uses: [
      /Invoke-Command -ComputerName \$nodes/,
      /Get-WinEvent -FilterHashtable \$filter/,
      /LogName = 'System'; ProviderName = 'Microsoft-Windows-FailoverClustering'; StartTime = \$start/,
      /ProviderName = 'Service Control Manager'/,
      /'Microsoft-Windows-Hyper-V-High-Availability-Admin', 'Microsoft-Windows-Hyper-V-Worker-Admin', 'Microsoft-Windows-Hyper-V-VMMS-Admin'/,
      /FullyQualifiedErrorId -notlike 'NoMatchingEventsFound\*'/,
      /LevelDisplayName/,
      /TimeCreated\.ToUniversalTime\(\)\.ToString\('o'\)/,
      /\.Message/,
    ],
  },
  {
    op: 'get-settings',
    build: (n) => scripts.getSettings({ cluster: n.cluster }, n.settings),
    header: (n) => ({ cluster: n.cluster, names: n.settings }),
    uses: [/Get-Cluster -Name \$cluster/, /\$clusterObject\.\$name/],
  },
  {
    op: 'set-settings',
    build: (n, alt) => scripts.setSettings({ cluster: n.cluster }, Object.fromEntries(n.settings.map((s, i) => [s, alt ? i : 100 + i]))),
    header: (n, alt) => ({ cluster: n.cluster, names: n.settings, values: n.settings.map((_, i) => (alt ? i : 100 + i)) }),
    uses: [/Get-Cluster -Name \$cluster/, /\$clusterObject\.\(\$names\[\$i\]\) = \$values\[\$i\]/],
  },
  {
    op: 'kill-clussvc',
    build: (n) => scripts.killClusterService({ cluster: n.cluster }, n.node),
    header: (n) => ({ cluster: n.cluster, node: n.node }),
    uses: [/Invoke-Command -ComputerName \$node/, /Stop-Process -Name clussvc -Force/],
  },
  {
    op: 'hold-down-clussvc',
    build: (n, alt) => scripts.holdDownClusterService({ cluster: n.cluster }, n.node, alt ? 1 : 120000),
    header: (n, alt) => ({ cluster: n.cluster, node: n.node, holdDownMs: alt ? 1 : 120000 }),
    uses: [
      /Invoke-Command -ComputerName \$node/,
      /Set-Service -Name clussvc -StartupType Disabled/,
      /Register-ScheduledTask -TaskName 'clusterchaos-clussvc-holddown'/,
      /New-ScheduledTaskTrigger -Once -At \$deadline/,
      /AddMilliseconds\(\$using:holdDownMs\)/,
      /Set-Service -Name clussvc -StartupType Automatic; Start-Service -Name clussvc/,
      /Stop-Process -Name clussvc -Force/,
    ],
  },
  {
    op: 'start-clussvc',
    build: (n) => scripts.startClusterService({ cluster: n.cluster }, n.node),
    header: (n) => ({ cluster: n.cluster, node: n.node }),
    uses: [
      /Invoke-Command -ComputerName \$node/,
      /Unregister-ScheduledTask/,
      /Set-Service -Name clussvc -StartupType Automatic/,
      /Start-Service -Name clussvc/,
    ],
  },
  {
    op: 'stop-cluster-node',
    build: (n) => scripts.stopClusterNode({ cluster: n.cluster }, n.node),
    header: (n) => ({ cluster: n.cluster, node: n.node }),
    uses: [/Stop-ClusterNode -Name \$node -Cluster \$cluster/],
  },
  {
    op: 'start-cluster-node',
    build: (n, alt) => scripts.startClusterNode({ cluster: n.cluster }, n.node, { clearQuarantine: alt }),
    header: (n, alt) => ({ cluster: n.cluster, node: n.node, clearQuarantine: alt }),
    uses: [/Start-ClusterNode -Name \$node -Cluster \$cluster -ClearQuarantine:\$clearQuarantine/],
  },
  {
    op: 'isolate-network',
    build: (n, alt) =>
      scripts.isolateNetwork({ cluster: n.cluster }, n.node, alt ? { healAfterMs: 5, tag: TAG2 } : { peers: n.peers, healAfterMs: 30000, tag: TAG }),
    header: (n, alt) =>
      alt
        ? { cluster: n.cluster, node: n.node, peers: [], healAfterMs: 5, tag: TAG2 }
        : { cluster: n.cluster, node: n.node, peers: n.peers, healAfterMs: 30000, tag: TAG },
    uses: [
      /Invoke-Command -ComputerName \$node/,
      /New-NetFirewallRule @rule/,
      /Group = \$tag/,
      /foreach \(\$direction in 'Inbound', 'Outbound'\)/,
      /foreach \(\$protocol in 'UDP', 'TCP'\)/,
      /LocalPort = 3343/,
      /RemotePort = 3343/,
      /RemoteAddress = \$remote/,
      /Action = 'Block'/,
      /\[System\.Net\.Dns\]::GetHostAddresses\(\$peer\)/,
      /Register-ScheduledTask -TaskName \$healTask/,
      /AddMilliseconds\(\$using:healAfterMs\)/,
      /'Get-NetFirewallRule -Group ' \+ \(Quote \$tag\) \+ ' -ErrorAction SilentlyContinue \| Remove-NetFirewallRule; '/,
      /EscapeSingleQuotedStringContent/,
      /-EncodedCommand/,
    ],
  },
  {
    op: 'restore-network',
    build: (n, alt) => scripts.restoreNetwork({ cluster: n.cluster }, n.node, alt ? TAG2 : TAG),
    header: (n, alt) => ({ cluster: n.cluster, node: n.node, tag: alt ? TAG2 : TAG }),
    uses: [
      /Invoke-Command -ComputerName \$node/,
      /Get-NetFirewallRule -Group \$tag -ErrorAction SilentlyContinue \| Where-Object \{ \$_\.Group -eq \$tag \} \| Remove-NetFirewallRule/,
      /Get-ScheduledTask -TaskName \(\$tag \+ '-heal'\) -ErrorAction SilentlyContinue \| Unregister-ScheduledTask -Confirm:\$false/,
    ],
  },
  {
    op: 'live-migrate',
    build: (n, alt) => scripts.liveMigrate({ cluster: n.cluster }, n.vm, n.node, alt ? { transport: 'SMBDirect' } : {}),
    header: (n, alt) => ({ cluster: n.cluster, vm: n.vm, node: n.node, transport: alt ? 'SMBDirect' : '' }),
    uses: [
      /Move-ClusterVirtualMachineRole -Name \$vm -Node \$node -MigrationType Live -Cluster \$cluster/,
      /\[Diagnostics\.Stopwatch\]::StartNew\(\)/,
      /Set-VMHost -VirtualMachineMigrationPerformanceOption \$using:option/,
      /Set-VMHost -VirtualMachineMigrationPerformanceOption \$using:own/,
      /if \(\$option -eq 'SMBDirect'\) \{ \$option = 'SMB' \}/,
      /vm = \$vm; source = \$source; target = \$owner; totalMs = \$clock\.ElapsedMilliseconds/,
    ],
  },
  {
    op: 'cancel-live-migration',
    build: (n) => scripts.cancelLiveMigration({ cluster: n.cluster }, n.vm),
    header: (n) => ({ cluster: n.cluster, vm: n.vm }),
    uses: [/Move-ClusterVirtualMachineRole -Name \$vm -Cancel -Cluster \$cluster/],
  },
  {
    op: 'suspend-node',
    build: (n, alt) => scripts.suspendNode({ cluster: n.cluster }, n.node, alt ? { drain: false, transport: 'Compression' } : { drain: true }),
    header: (n, alt) => ({ cluster: n.cluster, node: n.node, drain: !alt, transport: alt ? 'Compression' : '' }),
    uses: [
      /Suspend-ClusterNode -Name \$node -Cluster \$cluster -Drain:\$drain -Wait/,
      /DrainStatus/,
      /node = \$node; totalMs = \$clock\.ElapsedMilliseconds/,
    ],
  },
  {
    op: 'resume-node',
    build: (n, alt) => scripts.resumeNode({ cluster: n.cluster }, n.node, alt ? { failback: false, transport: 'TCPIP' } : { failback: true }),
    header: (n, alt) => ({ cluster: n.cluster, node: n.node, failback: !alt, transport: alt ? 'TCPIP' : '' }),
    uses: [
      /Resume-ClusterNode -Name \$node -Failback \$failbackType -Cluster \$cluster/,
      /\$failbackType = 'NoFailback'/,
      /\$failbackType = 'Immediate'/,
      /node = \$node; totalMs = \$clock\.ElapsedMilliseconds/,
    ],
  },
  {
    op: 'read-configuration',
    build: (n) => scripts.readConfiguration({ cluster: n.cluster }),
    header: (n) => ({ cluster: n.cluster }),
    uses: [
      /Get-VMHostCluster -ClusterName \$cluster/,
      /\.SharedStoragePath/,
      /Test-Path -LiteralPath \$using:sharedPath/,
      /Get-VMHost -ComputerName/,
      /MaximumVirtualMachineMigrations/,
      /\[string\]\$vmHost\.VirtualMachineMigrationPerformanceOption/,
      /Get-VM -ComputerName/,
      /\.Version/,
      /Get-VMHostSupportedVersion/,
    ],
  },
  {
    op: 'residue',
    build: (n, alt) => scripts.residue({ cluster: n.cluster }, { tag: alt ? TAG2 : TAG, settings: Object.fromEntries(n.settings.map((s) => [s, 1])) }),
    header: (n, alt) => ({ cluster: n.cluster, tag: alt ? TAG2 : TAG, names: n.settings }),
    uses: [
      /Get-ClusterNode -Cluster \$cluster/,
      /Get-NetFirewallRule -Group \$tag/,
      /Get-ScheduledTask -TaskName \(\$tag \+ '-heal'\), 'clusterchaos-clussvc-holddown'/,
      /Get-Cluster -Name \$cluster/,
      /firewallRules = \$rules/,
      /unchecked = \$unchecked/,
    ],
  },
];

const PLAIN: Names = { cluster: 'HVCLUSTER01', node: 'N2', vm: 'web01', peers: ['N1', 'N3'], settings: ['ResiliencyDefaultPeriod', 'QuarantineDuration'] };
const OTHER: Names = { cluster: 'LAB', node: 'hv-07', vm: 'sql 02', peers: ['x'], settings: ['QuarantineThreshold'] };

/** The body: everything after the header's empty line. */
const bodyOf = (script: string): string => script.slice(readScriptHeader(script).end);

/** PowerShell's automatic and preference variables a header must never assign (about_Automatic_Variables). */
const AUTOMATIC = new Set(
  [
    '_', 'args', 'consolefilename', 'enabledexperimentalfeatures', 'error', 'event', 'eventargs', 'eventsubscriber',
    'executioncontext', 'false', 'foreach', 'home', 'host', 'input', 'iscoreclr', 'islinux', 'ismacos', 'iswindows',
    'lastexitcode', 'matches', 'myinvocation', 'nestedpromptlevel', 'null', 'ofs', 'pid', 'profile',
    'psboundparameters', 'pscmdlet', 'pscommandpath', 'psculture', 'psdebugcontext', 'psedition', 'pshome',
    'psitem', 'psscriptroot', 'pssenderinfo', 'psuiculture', 'psversiontable', 'pwd', 'sender', 'shellid',
    'stacktrace', 'switch', 'this', 'true', 'erroractionpreference', 'warningpreference', 'confirmpreference',
    'verbosepreference', 'debugpreference', 'informationpreference', 'progresspreference', 'whatifpreference',
  ].map((s) => s.toLowerCase()),
);

describe('PowerShell scripts: the contract every script follows', () => {
  it('has one builder per operation in SCRIPT_OPS, each writing its own op on the first line', () => {
    expect(CASES.map((c) => c.op)).to.have.members([...SCRIPT_OPS]);
    for (const c of CASES) {
      const script = c.build(PLAIN, false);
      expect(script.split('\n')[0]).to.equal(`# clusterchaos ${c.op}`);
      expect(scriptOp(script)).to.equal(c.op);
    }
  });

  for (const c of CASES) {
    describe(c.op, () => {
      it('carries its values in the header, each on one assignment line, exactly as given', () => {
        for (const alt of [false, true]) {
          for (const n of [PLAIN, OTHER]) {
            const script = c.build(n, alt);
            expect(parseScriptHeader(script)).to.deep.equal({ op: c.op, values: c.header(n, alt) });
          }
        }
      });

      it('has a body that does not depend on the values: it refers to them only through the variables', () => {
        const body = bodyOf(c.build(PLAIN, false));
        expect(bodyOf(c.build(OTHER, false))).to.equal(body);
        expect(bodyOf(c.build(PLAIN, true))).to.equal(body);
        expect(bodyOf(c.build(OTHER, true))).to.equal(body);
      });

      it('uses every header variable, and none that PowerShell reserves', () => {
        const script = c.build(PLAIN, false);
        const body = bodyOf(script);
        for (const name of Object.keys(parseScriptHeader(script).values)) {
          expect(AUTOMATIC.has(name.toLowerCase()), `$${name} is an automatic variable`).to.equal(false);
          if (name === 'cluster') continue; // every header names the cluster, even where the body works on one node
          expect(body, `$${name} unused`).to.match(new RegExp(`\\$(using:)?${name}\\b`));
        }
      });

      it('uses the documented cmdlets and parameters', () => {
        const body = bodyOf(c.build(PLAIN, false));
        for (const re of c.uses) expect(body).to.match(re);
      });

      it('ends its output with exactly one ConvertTo-Json -Compress -Depth 5, inside the try, errors to Write-Error', () => {
        const body = bodyOf(c.build(PLAIN, false));
        expect(body.match(/ConvertTo-Json/g)).to.have.length(1);
        const lines = body.trimEnd().split('\n');
        const catchAt = lines.indexOf('  } catch {');
        expect(catchAt).to.be.greaterThan(0);
        // The JSON is the try block's last statement (it may span lines, as residue's object does).
        const statements = lines.slice(0, catchAt).filter((l) => /^ {4}[^\s})]/.test(l));
        const jsonLine = statements[statements.length - 1]!;
        expect(jsonLine.trim()).to.match(/^ConvertTo-Json -Compress -Depth 5 -InputObject /);
        expect(body).to.include(`Write-Error -Message ('clusterchaos ${c.op}: ' + $_.Exception.Message) -ErrorAction Continue`);
        expect(body).to.include("$ErrorActionPreference = 'Stop'");
        expect(body.startsWith('# In a child scope')).to.equal(true);
      });

      it('is one statement after the header, without empty lines, ending with a newline (stdin REPL, see wrap)', () => {
        // pwsh -Command - runs a multi-line statement only at the next whitespace-only line
        // (ConsoleHost.cs InputLoop.Run): node-powershell's end-of-line after our final newline makes it.
        const script = c.build(PLAIN, false);
        expect(script.endsWith('\n}\n')).to.equal(true);
        const body = bodyOf(script).split('\n').slice(0, -1); // drop what follows the final newline
        expect(body.filter((l) => l.trim() === ''), 'empty lines in the body').to.have.length(0);
        expect(body.filter((l) => /^\S/.test(l) && !l.startsWith('#'))).to.deep.equal(['& {', '}']);
      });

      it('is classified as mutating or read-only', () => {
        const readOnly = ['poll', 'events', 'get-settings', 'residue', 'read-configuration'].includes(c.op);
        expect(MUTATING_OPS.has(c.op)).to.equal(!readOnly);
        expect(isMutatingScript(c.build(PLAIN, false))).to.equal(!readOnly);
      });
    });
  }

  it('treats a script that is not one of ours as mutating', () => {
    expect(scriptOp('Stop-Computer')).to.equal(undefined);
    expect(isMutatingScript('Stop-Computer')).to.equal(true);
    expect(isMutatingScript('# clusterchaos not-an-op\n')).to.equal(true);
    expect(isMutatingScript('# clusterchaos poll\n$cluster = \'x\'\n')).to.equal(false);
  });
});

describe('PowerShell scripts: values from hostile names', () => {
  /** Names made of quote characters, `$(`, backticks, newlines…, bracketed by ⟦ ⟧ so they can be spotted. */
  const name = fc
    .array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...DANGEROUS_UNITS) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2 }) }), {
      maxLength: 16,
    })
    .map((parts) => `\u27E6${parts.join('')}\u27E7`);
  const REFUSED = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const names = fc.record({
    cluster: name,
    node: name,
    vm: name,
    peers: fc.array(name, { maxLength: 3 }),
    // Unique: setSettings and residue take a record, whose keys are.
    settings: fc.uniqueArray(name, { maxLength: 3 }),
  });

  for (const c of CASES) {
    it(`${c.op}: are refused, or come back unchanged through the header and never appear in the body`, () => {
      fc.assert(
        fc.property(names, fc.boolean(), (n, alt) => {
          const all = [n.cluster, n.node, n.vm, ...n.peers, ...n.settings];
          const refused = all.some((s) => REFUSED.test(s));
          let script: string;
          try {
            script = c.build(n, alt);
          } catch (e) {
            // Only a refused character may stop a script from being built, and only with UnsafeValueError.
            expect(e).to.be.instanceOf(UnsafeValueError);
            expect(refused, (e as Error).message).to.equal(true);
            return;
          }
          const header = readScriptHeader(script);
          expect({ op: header.op, values: header.values }).to.deep.equal({ op: c.op, values: c.header(n, alt) });
          // Not a trace of any value after the header: not the brackets, not the text.
          const body = script.slice(header.end);
          expect(body).not.to.match(/[\u27E6\u27E7]/);
          // The header has exactly one line per value.
          expect(script.slice(0, header.end).split('\n').filter((l) => l !== '')).to.have.length(1 + Object.keys(header.values).length);
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('PowerShell scripts: values refused before anything is built', () => {
  const a = { cluster: 'C' };
  it('refuses a tag that is not clusterchaos-<letters, digits, . _ ->, since rule groups are looked up by pattern', () => {
    for (const tag of ['clusterchaos-*', 'clusterchaos-[ab]', 'other-1', 'clusterchaos-', "clusterchaos-a'b", 'clusterchaos-a b']) {
      expect(() => scripts.isolateNetwork(a, 'N1', { healAfterMs: 1000, tag }), tag).to.throw(UnsafeValueError, /run tag/);
      expect(() => scripts.restoreNetwork(a, 'N1', tag), tag).to.throw(UnsafeValueError);
      expect(() => scripts.residue(a, { tag, settings: {} }), tag).to.throw(UnsafeValueError);
    }
  });

  it('refuses durations that are not positive whole milliseconds', () => {
    for (const ms of [0, -1, 1.5, NaN, Infinity]) {
      expect(() => scripts.isolateNetwork(a, 'N1', { healAfterMs: ms, tag: TAG }), String(ms)).to.throw(UnsafeValueError);
      expect(() => scripts.holdDownClusterService(a, 'N1', ms), String(ms)).to.throw(UnsafeValueError);
    }
  });

  it('refuses an unknown transport, a time that is not ISO 8601, empty names and fractional settings', () => {
    expect(() => scripts.liveMigrate(a, 'vm', 'N1', { transport: 'RDMA' as never })).to.throw(UnsafeValueError, /transport/);
    for (const since of ['yesterday', '2026-11-22', '2026-11-22T02:00:00', "2026-11-22T02:00:00Z'; x"]) {
      expect(() => scripts.events(a, ['N1'], since), since).to.throw(UnsafeValueError, /ISO 8601/);
    }
    expect(() => scripts.killClusterService(a, '')).to.throw(UnsafeValueError, /empty/);
    expect(() => scripts.poll({ cluster: '' })).to.throw(UnsafeValueError, /empty/);
    expect(() => scripts.liveMigrate(a, '', 'N1')).to.throw(UnsafeValueError, /empty/);
    expect(() => scripts.setSettings(a, { QuarantineDuration: 1.5 })).to.throw(UnsafeValueError, /whole number/);
    expect(() => scripts.killClusterService(a, 'N1\nStop-Computer')).to.throw(UnsafeValueError, /control character/);
  });
});
