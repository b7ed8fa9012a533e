import { runPwshServer } from '../helpers/pwsh.js';

/**
 * The Windows PowerShell 5.1 syntax gate. Windows PowerShell cannot run here, so PowerShell 7's own parser
 * (`[System.Management.Automation.Language.Parser]::ParseInput`) reads every text and a walk of its syntax tree
 * reports what 5.1 cannot parse or run. All texts go to ONE pwsh process (base64 JSON in, base64 JSON out).
 *
 * Two kinds of rule:
 * - Syntax 5.1 cannot parse, or reads differently (`allowable: false`): nothing can guard it, since 5.1 fails
 *   on the whole file before running any of it.
 * - Commands, parameters and variables 5.1 does not have (`allowable: true`): they fail only when the line
 *   runs, so a line that runs only under PowerShell 7 (behind `if ($PSVersionTable.PSEdition -eq 'Core')`)
 *   may say so with a comment on that line or the line before:
 *       # syntax-gate: allow parameter-7 (only under PowerShell 7: opens the Windows PowerShell session)
 *
 * Classes and enums parse in 5.1, but this project's module must not define them (rule class-or-enum): a
 * module's classes are not exported by Import-Module (only by `using module`), a loaded class cannot be
 * redefined in a live session (Import-Module -Force keeps the first definition), and a class resolves every
 * type it names when the file is parsed, so one that mentions a FailoverClusters type fails to load where
 * that module is absent (the rehearsal lab, a management host without RSAT). Use functions and
 * [pscustomobject]. `using namespace` is fine in 5.1 and is not flagged.
 *
 * What it cannot see: parameters passed by splatting (`@params`), commands named at run time (`& $name`),
 * .NET APIs missing from .NET Framework 4.x, and behaviour that differs without an error (ConvertTo-Json's
 * enums as numbers, its depth, Get-Content's encoding).
 */

export type GateRule =
  | 'parse-error'
  | 'ternary'
  | 'null-coalescing'
  | 'null-conditional'
  | 'pipeline-chain'
  | 'clean-block'
  | 'escape-sequence'
  | 'cmdlet-7'
  | 'parameter-7'
  | 'encoding-7'
  | 'action-break'
  | 'psstyle'
  | 'class-or-enum';

/** Every rule, whether a `# syntax-gate: allow <rule>` comment can excuse it, and what it catches. */
export const GATE_RULES: Record<GateRule, { allowable: boolean; catches: string }> = {
  'parse-error': { allowable: false, catches: 'any parse error PowerShell 7 reports (5.1 would fail too)' },
  'ternary': { allowable: false, catches: '`$a ? $b : $c` (TernaryExpressionAst, PowerShell 7.0)' },
  'null-coalescing': { allowable: false, catches: '`??` and `??=` (PowerShell 7.0)' },
  'null-conditional': { allowable: false, catches: '`${a}?.b` and `${a}?[0]` (PowerShell 7.1)' },
  'pipeline-chain': { allowable: false, catches: '`&&` and `||` between pipelines (PipelineChainAst, PowerShell 7.0)' },
  'clean-block': { allowable: false, catches: '`clean { }` blocks (PowerShell 7.3)' },
  'escape-sequence': { allowable: false, catches: '`e and `u{…} in double-quoted strings (PowerShell 6.0; 5.1 reads them as the letter)' },
  'cmdlet-7': { allowable: true, catches: 'cmdlets 5.1 does not have: Join-String, Get-Error, Test-Json, …' },
  'parameter-7': { allowable: true, catches: 'parameters 5.1 does not have: ForEach-Object -Parallel, ConvertTo-Json -AsArray/-EnumsAsStrings, ConvertFrom-Json -AsHashtable/-Depth, Get-Content -AsByteStream, -ProgressAction, …' },
  'encoding-7': { allowable: true, catches: '-Encoding utf8NoBOM / utf8BOM / ansi (PowerShell 6+ names)' },
  'action-break': { allowable: true, catches: '-ErrorAction Break (any -*Action) and $*Preference = Break (PowerShell 7.0)' },
  'psstyle': { allowable: true, catches: '$PSStyle (PowerShell 7.2)' },
  'class-or-enum': { allowable: true, catches: 'class and enum definitions (5.1 parses them; this project\'s module does not use them)' },
};

export interface GateSource {
  /** What to call the text in findings: a path relative to the project, or a sample's name. */
  name: string;
  text: string;
}

export interface GateFinding {
  file: string;
  line: number;
  column: number;
  rule: GateRule;
  /** The construct, e.g. "ternary operator", "ConvertTo-Json -EnumsAsStrings". */
  what: string;
  /** Why 5.1 cannot take it, and what to write instead. */
  why: string;
  /** The offending source line (trimmed, at most 120 characters). */
  text: string;
  /** True when a `# syntax-gate: allow <rule>` comment excuses it. */
  allowed: boolean;
}

/**
 * Check texts against Windows PowerShell 5.1. Resolves to every finding, sorted by file, line and column;
 * those a comment allows are included with `allowed: true`.
 */
export async function checkWindowsPowerShell51(sources: readonly GateSource[], o: { timeoutMs?: number } = {}): Promise<GateFinding[]> {
  if (sources.length === 0) return [];
  const server = runPwshServer(GATE_SCRIPT, { timeoutMs: o.timeoutMs ?? 120_000 });
  try {
    const answer = (await server.request({ sources, allowable: Object.keys(GATE_RULES).filter((r) => GATE_RULES[r as GateRule].allowable) })) as GateFinding[];
    return answer.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  } finally {
    await server.close();
  }
}

/** The start of GATE_SCRIPT that defines $cmdlets7 and $params7, for the test that checks them against PowerShell 7. */
export function gateTables(): string {
  const end = GATE_SCRIPT.indexOf('# ---- end of the tables ----');
  if (end < 0) throw new Error('GATE_SCRIPT has lost its "end of the tables" marker');
  return GATE_SCRIPT.slice(0, end);
}

/** Findings as a reader wants them: `file:line:column  what: why` and the line itself, allowed ones left out. */
export function describeFindings(findings: readonly GateFinding[]): string {
  return findings
    .filter((f) => !f.allowed)
    .map((f) => `${f.file}:${f.line}:${f.column}  [${f.rule}] ${f.what}: ${f.why}\n    ${f.text}`)
    .join('\n');
}

/**
 * The walker. It runs in PowerShell 7 here but is itself written for 5.1 (the gate's own test checks it), so
 * it can run under Windows PowerShell on a Windows host: AST types are compared by name, and properties that
 * 5.1's AST lacks (NullConditional, CleanBlock) simply read as $null.
 */
export const GATE_SCRIPT = String.raw`
$ErrorActionPreference = 'Stop'
Set-StrictMode -Off

$cmdlets7 = @{
  'Join-String' = 'PowerShell 7.0; join with -join or [string]::Join()'
  'Get-Error' = 'PowerShell 7.0; read $Error[0] and its .Exception'
  'Test-Json' = 'PowerShell 6.1; parse with ConvertFrom-Json inside try/catch'
  'ConvertFrom-Markdown' = 'PowerShell 6.1'
  'Show-Markdown' = 'PowerShell 6.1'
  'Get-MarkdownOption' = 'PowerShell 6.1'
  'Set-MarkdownOption' = 'PowerShell 6.1'
  'Get-Uptime' = 'PowerShell 6.0; use (Get-CimInstance Win32_OperatingSystem).LastBootUpTime'
  'Remove-Alias' = 'PowerShell 6.0; use Remove-Item Alias:\name'
  'Remove-Service' = 'PowerShell 6.0; use sc.exe delete'
  'Get-ExperimentalFeature' = 'PowerShell 6.2'
  'Enable-ExperimentalFeature' = 'PowerShell 6.2'
  'Disable-ExperimentalFeature' = 'PowerShell 6.2'
  'ConvertTo-CliXml' = 'PowerShell 7.5; use [System.Management.Automation.PSSerializer]::Serialize()'
  'ConvertFrom-CliXml' = 'PowerShell 7.5; use [System.Management.Automation.PSSerializer]::Deserialize()'
}

$params7 = @{
  'ForEach-Object' = @{ 'Parallel' = 'PowerShell 7.0; loop sequentially, or Start-Job/runspaces'; 'ThrottleLimit' = 'PowerShell 7.0 (with -Parallel)'; 'TimeoutSeconds' = 'PowerShell 7.0 (with -Parallel)'; 'AsJob' = 'PowerShell 7.0 (with -Parallel)'; 'UseNewRunspace' = 'PowerShell 7.1 (with -Parallel)' }
  'ConvertTo-Json' = @{ 'AsArray' = 'PowerShell 6.2; pass -InputObject @($x) instead'; 'EnumsAsStrings' = 'PowerShell 6.2; project enums with [string] before converting'; 'EscapeHandling' = 'PowerShell 6.2' }
  'ConvertFrom-Json' = @{ 'AsHashtable' = 'PowerShell 6.0; read the PSCustomObject properties instead'; 'Depth' = 'PowerShell 6.2 (5.1 has no depth limit to set)'; 'NoEnumerate' = 'PowerShell 7.0'; 'DateKind' = 'PowerShell 7.5' }
  'Get-Content' = @{ 'AsByteStream' = 'PowerShell 6.0; 5.1 writes -Encoding Byte' }
  'Set-Content' = @{ 'AsByteStream' = 'PowerShell 6.0; 5.1 writes -Encoding Byte' }
  'Add-Content' = @{ 'AsByteStream' = 'PowerShell 6.0; 5.1 writes -Encoding Byte' }
  'Get-Date' = @{ 'AsUTC' = 'PowerShell 7.1; use (Get-Date).ToUniversalTime()'; 'UnixTimeSeconds' = 'PowerShell 7.1' }
  'Start-Sleep' = @{ 'Duration' = 'PowerShell 7.3; use -Milliseconds' }
  'Split-Path' = @{ 'LeafBase' = 'PowerShell 6.0; use [IO.Path]::GetFileNameWithoutExtension()'; 'Extension' = 'PowerShell 6.0; use [IO.Path]::GetExtension()' }
  'Sort-Object' = @{ 'Top' = 'PowerShell 6.1; pipe to Select-Object -First'; 'Bottom' = 'PowerShell 6.1; pipe to Select-Object -Last'; 'Stable' = 'PowerShell 6.1' }
  'Where-Object' = @{ 'Not' = 'PowerShell 6.1' }
  'Join-Path' = @{ 'AdditionalChildPath' = 'PowerShell 6.0; nest Join-Path calls' }
  'New-PSSession' = @{ 'UseWindowsPowerShell' = 'PowerShell 7.0 (only meaningful under PowerShell 7)' }
  'Import-Module' = @{ 'UseWindowsPowerShell' = 'PowerShell 7.0'; 'SkipEditionCheck' = 'PowerShell 6.0' }
  'Select-String' = @{ 'Raw' = 'PowerShell 7.0'; 'NoEmphasis' = 'PowerShell 7.0' }
  'Get-ChildItem' = @{ 'FollowSymlink' = 'PowerShell 6.0' }
}

# ---- end of the tables ----

# 5.1's aliases for the commands above (module-qualified names are stripped before this).
$aliases = @{
  '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object'; '?' = 'Where-Object'; 'where' = 'Where-Object'
  'gc' = 'Get-Content'; 'cat' = 'Get-Content'; 'type' = 'Get-Content'; 'sc' = 'Set-Content'; 'ac' = 'Add-Content'
  'sleep' = 'Start-Sleep'; 'sort' = 'Sort-Object'; 'sls' = 'Select-String'; 'gci' = 'Get-ChildItem'; 'ls' = 'Get-ChildItem'
  'dir' = 'Get-ChildItem'; 'nsn' = 'New-PSSession'; 'ipmo' = 'Import-Module'
}

# Common parameters that are PowerShell 7, and the *Action parameters whose value may not be Break.
$commonAliases = @{ 'ea' = 'ErrorAction'; 'wa' = 'WarningAction'; 'infa' = 'InformationAction'; 'proga' = 'ProgressAction' }
$actionParameters = @('ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction')
$preferences = @('ErrorActionPreference', 'WarningPreference', 'InformationPreference', 'ProgressPreference', 'VerbosePreference', 'DebugPreference', 'ConfirmPreference')
$encodings7 = @('utf8NoBOM', 'utf8BOM', 'ansi')

$metadata = @{}
function Get-Metadata([string]$command) {
  if (-not $metadata.ContainsKey($command)) {
    $m = $null
    try { $m = Get-Command -Name $command -CommandType Cmdlet, Function -ErrorAction Stop | Select-Object -First 1 } catch { $m = $null }
    $metadata[$command] = $m
  }
  return $metadata[$command]
}

# The full name PowerShell would bind a written parameter name to: exact name, alias, or unique prefix.
function Resolve-Parameter($meta, [string]$written) {
  if ($commonAliases.ContainsKey($written)) { return $commonAliases[$written] }
  if ($null -eq $meta) { return $written }
  $prefixed = New-Object System.Collections.Generic.List[string]
  foreach ($p in $meta.Parameters.Values) {
    if ($p.Name -ieq $written) { return $p.Name }
    foreach ($a in $p.Aliases) { if ($a -ieq $written) { return $p.Name } }
    if ($p.Name.StartsWith($written, [StringComparison]::OrdinalIgnoreCase)) { $prefixed.Add($p.Name) }
  }
  if ($prefixed.Count -eq 1) { return $prefixed[0] }
  return $written
}

function Test-Switch($meta, [string]$name) {
  if ($null -eq $meta -or -not $meta.Parameters.ContainsKey($name)) { return $false }
  return $meta.Parameters[$name].SwitchParameter
}

$findings = New-Object System.Collections.ArrayList
$script:file = ''
$script:lines = @()
$script:allow = @{}

function Add-Finding($extent, [string]$rule, [string]$what, [string]$why) {
  $line = $extent.StartLineNumber
  $source = ''
  if ($line -ge 1 -and $line -le $script:lines.Count) { $source = $script:lines[$line - 1].Trim() }
  if ($source.Length -gt 120) { $source = $source.Substring(0, 117) + '...' }
  $allowed = $false
  if ($allowable -contains $rule -and $script:allow.ContainsKey($line)) { $allowed = $script:allow[$line] -contains $rule }
  [void]$findings.Add([pscustomobject]@{ file = $script:file; line = $line; column = $extent.StartColumnNumber; rule = $rule; what = $what; why = $why; text = $source; allowed = $allowed })
}

function Test-BreakValue($ast) {
  if ($null -eq $ast) { return $false }
  $text = $ast.Extent.Text.Trim()
  return ($text -match '^[''"]?Break[''"]?$') -or ($text -match '::\s*Break\)?$')
}

function Test-Command($cmd) {
  $name = $cmd.GetCommandName()
  if ($null -eq $name) { return }
  if ($name.Contains('\')) { $name = $name.Substring($name.LastIndexOf('\') + 1) }
  if ($aliases.ContainsKey($name)) { $name = $aliases[$name] }
  foreach ($k in $cmdlets7.Keys) {
    if ($k -ieq $name) { Add-Finding $cmd.Extent 'cmdlet-7' $k ('not in Windows PowerShell 5.1: ' + $cmdlets7[$k]) }
  }
  $rules = $null
  foreach ($k in $params7.Keys) { if ($k -ieq $name) { $rules = $params7[$k]; $name = $k } }
  $meta = $null
  if ($null -ne $rules) { $meta = Get-Metadata $name }
  $elements = $cmd.CommandElements
  $positional = 0
  for ($i = 1; $i -lt $elements.Count; $i++) {
    $e = $elements[$i]
    if ($e.GetType().Name -ne 'CommandParameterAst') { $positional++; continue }
    $full = Resolve-Parameter $meta $e.ParameterName
    $value = $e.Argument
    $takesNext = ($null -eq $value) -and -not (Test-Switch $meta $full) -and ($i + 1 -lt $elements.Count) -and ($elements[$i + 1].GetType().Name -ne 'CommandParameterAst')
    if ($null -eq $value -and $takesNext) { $value = $elements[$i + 1] }
    if ($takesNext -and $null -ne $meta) { $i++ }
    $shown = '-' + $e.ParameterName
    if ($e.ParameterName -ine $full) { $shown = $shown + ' (-' + $full + ')' }
    if ($null -ne $rules -and $rules.ContainsKey($full)) {
      Add-Finding $e.Extent 'parameter-7' ($name + ' ' + $shown) ('not in Windows PowerShell 5.1: ' + $rules[$full])
    }
    if ($full -ieq 'ProgressAction') {
      Add-Finding $e.Extent 'parameter-7' ($name + ' ' + $shown) 'the common parameter -ProgressAction is PowerShell 7.4; set $ProgressPreference instead'
    }
    if ($actionParameters -contains $full -and (Test-BreakValue $value)) {
      Add-Finding $e.Extent 'action-break' ($name + ' ' + $shown + ' Break') 'ActionPreference.Break is PowerShell 7.0; 5.1 rejects the value'
    }
    if ($full -ieq 'Encoding' -and $null -ne $value) {
      $v = $value.Extent.Text.Trim().Trim('''', '"')
      foreach ($enc in $encodings7) {
        if ($v -ieq $enc) { Add-Finding $value.Extent 'encoding-7' ($name + ' -Encoding ' + $v) 'an encoding name of PowerShell 6+; 5.1 knows Unicode, UTF8 (with BOM), ASCII, Default, OEM, ...' }
      }
    }
  }
  if ($name -ieq 'Join-Path' -and $positional -gt 2) {
    Add-Finding $cmd.Extent 'parameter-7' 'Join-Path with more than one child path' 'a third positional path binds -AdditionalChildPath (PowerShell 6.0); nest Join-Path calls'
  }
}

function Test-Escapes($ast) {
  # Backtick pairs left to right (an escaped backtick consumes its pair); \x60 is the backtick.
  $tick = [char]96
  foreach ($m in [regex]::Matches($ast.Extent.Text, '\x60(e|u\{|.)', 'Singleline')) {
    $escape = $m.Groups[1].Value
    if ($escape -ceq 'e') { Add-Finding $ast.Extent 'escape-sequence' ('escape ' + $tick + 'e') '5.1 reads it as the letter e, not ESC; use [char]27' }
    if ($escape -ceq 'u{') { Add-Finding $ast.Extent 'escape-sequence' ('escape ' + $tick + 'u{...}') '5.1 reads it as u{...}, not the character; use [char]0x2019 and -join' }
  }
}

# FindAll's predicate as a compiled delegate, ast => true (a script block predicate is called per node, slowly).
$E = [System.Linq.Expressions.Expression]
$astParameter = $E::Parameter([System.Management.Automation.Language.Ast], 'ast')
$everyNode = $E::Lambda([Func[System.Management.Automation.Language.Ast, bool]], $E::Constant($true), [System.Linq.Expressions.ParameterExpression[]]@($astParameter)).Compile()

function Test-Text([string]$name, [string]$text) {
  $script:file = $name
  $script:lines = $text -split '\r\n|\n|\r'
  $script:allow = @{}
  $tokens = $null
  $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, $name, [ref]$tokens, [ref]$errors)
  foreach ($t in $tokens) {
    if ([string]$t.Kind -ne 'Comment') { continue }
    $m = [regex]::Match($t.Text, '#\s*syntax-gate:\s*allow\s+([a-z0-9-]+(\s*,\s*[a-z0-9-]+)*)')
    if (-not $m.Success) { continue }
    $rules = @($m.Groups[1].Value -split '\s*,\s*')
    foreach ($l in @($t.Extent.StartLineNumber, ($t.Extent.EndLineNumber + 1))) {
      if (-not $script:allow.ContainsKey($l)) { $script:allow[$l] = @() }
      $script:allow[$l] = $script:allow[$l] + $rules
    }
  }
  foreach ($e in $errors) {
    Add-Finding $e.Extent 'parse-error' ('parse error ' + $e.ErrorId) ($e.Message + ' (Windows PowerShell 5.1 cannot load the file)')
  }
  $nodes = $ast.FindAll($everyNode, $true)
  foreach ($n in $nodes) {
    switch ($n.GetType().Name) {
      'TernaryExpressionAst' { Add-Finding $n.Extent 'ternary' 'ternary operator ?:' 'PowerShell 7.0; 5.1 cannot parse the file. Use if/else' }
      'BinaryExpressionAst' { if ([string]$n.Operator -eq 'QuestionQuestion') { Add-Finding $n.Extent 'null-coalescing' 'null-coalescing operator ??' 'PowerShell 7.0; 5.1 cannot parse the file. Use if ($null -eq $x)' } }
      'AssignmentStatementAst' {
        if ([string]$n.Operator -eq 'QuestionQuestionEquals') { Add-Finding $n.Extent 'null-coalescing' 'null-coalescing assignment ??=' 'PowerShell 7.0; 5.1 cannot parse the file. Use if ($null -eq $x) { $x = ... }' }
        if ($n.Left.GetType().Name -eq 'VariableExpressionAst' -and $preferences -contains $n.Left.VariablePath.UserPath -and (Test-BreakValue $n.Right)) {
          Add-Finding $n.Extent 'action-break' ('$' + $n.Left.VariablePath.UserPath + ' = Break') 'ActionPreference.Break is PowerShell 7.0; 5.1 rejects the value'
        }
      }
      'MemberExpressionAst' { if ($n.NullConditional) { Add-Finding $n.Extent 'null-conditional' 'null-conditional member access ?.' 'PowerShell 7.1; 5.1 cannot parse the file. Test for $null first' } }
      'InvokeMemberExpressionAst' { if ($n.NullConditional) { Add-Finding $n.Extent 'null-conditional' 'null-conditional method call ?.' 'PowerShell 7.1; 5.1 cannot parse the file. Test for $null first' } }
      'IndexExpressionAst' { if ($n.NullConditional) { Add-Finding $n.Extent 'null-conditional' 'null-conditional index ?[]' 'PowerShell 7.1; 5.1 cannot parse the file. Test for $null first' } }
      'PipelineChainAst' { Add-Finding $n.Extent 'pipeline-chain' ('pipeline chain ' + [string]$n.Operator) 'PowerShell 7.0 (&& and ||); 5.1 cannot parse the file. Use if ($?) or try/catch' }
      'NamedBlockAst' { if ([string]$n.BlockKind -eq 'Clean') { Add-Finding $n.Extent 'clean-block' 'clean block' 'PowerShell 7.3; 5.1 cannot parse the file. Use try/finally in end' } }
      'TypeDefinitionAst' {
        $kind = 'class'
        if ($n.IsEnum) { $kind = 'enum' } elseif ($n.IsInterface) { $kind = 'interface' }
        Add-Finding $n.Extent 'class-or-enum' ($kind + ' ' + $n.Name) 'not allowed in this project''s module: Import-Module does not export classes, a live session cannot reload them, and they resolve every type they name at parse time (a FailoverClusters type fails where that module is absent). Use functions and [pscustomobject]'
      }
      'VariableExpressionAst' { if ($n.VariablePath.UserPath -ieq 'PSStyle' -or $n.VariablePath.UserPath -match '^(global|script):PSStyle$') { Add-Finding $n.Extent 'psstyle' '$PSStyle' 'PowerShell 7.2; it is $null in 5.1' } }
      'CommandAst' { Test-Command $n }
      'ExpandableStringExpressionAst' { Test-Escapes $n }
      'StringConstantExpressionAst' { if ([string]$n.StringConstantType -like 'DoubleQuoted*') { Test-Escapes $n } }
    }
  }
}

$request = ConvertFrom-Json ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([Console]::In.ReadLine())))
$allowable = @($request.allowable)
foreach ($s in @($request.sources)) { Test-Text $s.name $s.text }
$seen = @{}
$unique = New-Object System.Collections.ArrayList
foreach ($f in $findings) {
  $key = $f.file + '|' + $f.line + '|' + $f.column + '|' + $f.rule + '|' + $f.what
  if (-not $seen.ContainsKey($key)) { $seen[$key] = $true; [void]$unique.Add($f) }
}
$json = ConvertTo-Json -InputObject @($unique) -Depth 4 -Compress
[Console]::Out.WriteLine('@@answer ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($json)))
`;
