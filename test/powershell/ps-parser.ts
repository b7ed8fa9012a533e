import { runPwshServer, type PwshServer } from '../helpers/pwsh.js';

/**
 * PowerShell's own parser as a test oracle: one long-lived pwsh process (start one per test file, close it in
 * `after`) that parses many script texts per round trip with `[System.Management.Automation.Language.Parser]
 * ::ParseInput` and answers, for each text, what the syntax tree holds:
 *
 * - its parse errors;
 * - every assignment `$name = <expr>` (at any depth) and every command with its arguments, where each value is
 *   described as PowerShell reads it: ONE constant (a single-quoted or bare-word string, a number) and its exact
 *   value; `(ConvertFrom-ClusterChaosBase64 '<b64>')` and the value it decodes to (strict UTF-8); an array
 *   `@(…)` / `a, b` of such values; a variable (`$true`); or anything else, with its AST type and text.
 *
 * Only ASCII crosses the pipes: each text goes as base64 of its UTF-16 code units, the answer as base64 of
 * UTF-8 JSON with every control character and every UTF-16 surrogate written as \uNNNN, so a value comes
 * back exactly, lone surrogates included.
 *
 * So a test can say "this literal is exactly one constant equal to the value" with PowerShell's parser, not a
 * model of it.
 */

export type ParsedValue =
  /** One constant: a single-quoted or bare-word string, or a number (ConstantExpressionAst). */
  | { kind: 'constant'; value: string | number | boolean; type: string; form: 'SingleQuoted' | 'BareWord' | 'Number' | 'Other'; text: string }
  /** `(ConvertFrom-ClusterChaosBase64 '<b64>')`: `value` is the strict UTF-8 decoding of `encoded`. */
  | { kind: 'base64'; encoded: string; value: string }
  /** `@(…)` or `a, b`: each element described the same way. */
  | { kind: 'array'; elements: ParsedValue[] }
  | { kind: 'variable'; name: string }
  /** Anything else (a double-quoted string, an expression, a command, base64 that does not decode…). */
  | { kind: 'other'; ast: string; text: string; why?: string };

export type CommandElement = { kind: 'parameter'; name: string; argument?: ParsedValue } | ParsedValue;

export interface ParseSummary {
  errors: { line: number; column: number; id: string; message: string }[];
  /** Statements at the top of the script (a single assignment is 1; `$a = 'x'; Stop-Computer` is 2). */
  statements: number;
  assignments: { variable: string; operator: string; line: number; value: ParsedValue }[];
  /** Every command (at any depth) but the ConvertFrom-ClusterChaosBase64 calls already read as base64 values. */
  commands: { name: string | null; line: number; elements: CommandElement[] }[];
}

/** How many texts go in one round trip. */
const BATCH = 500;

export class PowerShellParser {
  private constructor(private readonly server: PwshServer) {}

  /** Start the pwsh process (about a second); every parse after that is one round trip per BATCH texts. */
  static start(o: { timeoutMs?: number } = {}): PowerShellParser {
    return new PowerShellParser(runPwshServer(PARSER_SCRIPT, { timeoutMs: o.timeoutMs ?? 120_000 }));
  }

  /** Parse every text; the answers are in the same order. */
  async parse(texts: readonly string[]): Promise<ParseSummary[]> {
    const batches: Promise<ParseSummary[]>[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const encoded = texts.slice(i, i + BATCH).map((t) => Buffer.from(t, 'utf16le').toString('base64'));
      batches.push(this.server.request({ texts: encoded }) as Promise<ParseSummary[]>);
    }
    return (await Promise.all(batches)).flat();
  }

  async parseOne(text: string): Promise<ParseSummary> {
    return (await this.parse([text]))[0]!;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/**
 * The plain value a parsed value stands for — a constant's or base64's value, `$true` / `$false` / `$null`, an
 * array's elements — or undefined when it is not one of those (another variable, an expression): "PowerShell
 * reads exactly this data".
 */
export function plainValue(v: ParsedValue | undefined): unknown {
  if (v === undefined) return undefined;
  switch (v.kind) {
    case 'constant':
    case 'base64':
      return v.value;
    case 'variable': {
      const name = v.name.toLowerCase();
      return name === 'true' ? true : name === 'false' ? false : name === 'null' ? null : undefined;
    }
    case 'array': {
      const elements = v.elements.map(plainValue);
      return elements.includes(undefined) ? undefined : elements;
    }
    default:
      return undefined;
  }
}

/**
 * The server. Like the syntax gate's script it is written for Windows PowerShell 5.1 too (the gate's test
 * checks it): AST types compared by name; the answer is built as JSON by hand, since ConvertTo-Json is slow
 * and differs between 5.1 and 7.
 */
export const PARSER_SCRIPT = String.raw`
$ErrorActionPreference = 'Stop'
Set-StrictMode -Off

# Hot path: few PowerShell function calls (each costs far more than a .NET method call). $J.Invoke($s) is a
# JSON string literal of $s (null for $null), every control character as \uNNNN: a compiled delegate
#   s => s == null ? "null" : "\"" + control.Replace(s.Replace("\\", "\\\\").Replace("\"", "\\\""), escape) + "\""
$E = [System.Linq.Expressions.Expression]
$controlEscape = [System.Text.RegularExpressions.MatchEvaluator]{ param($m) '\u' + ([int][char]$m.Value).ToString('x4') }
$control = New-Object System.Text.RegularExpressions.Regex '[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]'
$sParameter = $E::Parameter([string], 's')
$replace = [string].GetMethod('Replace', [type[]]@([string], [string]))
$escaped = $E::Call($E::Call($sParameter, $replace, $E::Constant('\'), $E::Constant('\\')), $replace, $E::Constant('"'), $E::Constant('\"'))
$escaped = $E::Call($E::Constant($control), [regex].GetMethod('Replace', [type[]]@([string], [System.Text.RegularExpressions.MatchEvaluator])), $escaped, $E::Constant($controlEscape))
$quoted = $E::Call([string].GetMethod('Concat', [type[]]@([string], [string], [string])), $E::Constant('"'), $escaped, $E::Constant('"'))
$body = $E::Condition($E::Equal($sParameter, $E::Constant($null, [string])), $E::Constant('null'), $quoted)
$J = $E::Lambda([Func[string, string]], $body, [System.Linq.Expressions.ParameterExpression[]]@($sParameter)).Compile()

# FindAll's predicate as a compiled delegate (a script block predicate costs milliseconds per text):
# ast => ast is AssignmentStatementAst || ast is CommandAst
$astParameter = $E::Parameter([System.Management.Automation.Language.Ast], 'ast')
$wanted = $E::OrElse($E::TypeIs($astParameter, [System.Management.Automation.Language.AssignmentStatementAst]), $E::TypeIs($astParameter, [System.Management.Automation.Language.CommandAst]))
$assignmentOrCommand = $E::Lambda([Func[System.Management.Automation.Language.Ast, bool]], $wanted, [System.Linq.Expressions.ParameterExpression[]]@($astParameter)).Compile()

$strictUtf8 = New-Object System.Text.UTF8Encoding($false, $true)
$invariant = [Globalization.CultureInfo]::InvariantCulture

# The command of a (ConvertFrom-ClusterChaosBase64 '<b64>') value: one command, one single-quoted argument.
function Test-Base64Call($cmd) {
  if ($cmd.GetType().Name -ne 'CommandAst' -or $cmd.CommandElements.Count -ne 2 -or $cmd.Redirections.Count -ne 0) { return $false }
  if ($cmd.GetCommandName() -ne 'ConvertFrom-ClusterChaosBase64' -or [string]$cmd.InvocationOperator -ne 'Unknown') { return $false }
  $arg = $cmd.CommandElements[1]
  return ($arg.GetType().Name -eq 'StringConstantExpressionAst') -and ([string]$arg.StringConstantType -eq 'SingleQuoted')
}

# A parsed value as JSON (see ParsedValue).
function V($ast) {
  $t = $ast.GetType().Name
  # A pipeline or command expression of one plain expression is that expression (the right side of =).
  while ($t -eq 'PipelineAst' -or $t -eq 'CommandExpressionAst') {
    $inner = $null
    if ($t -eq 'PipelineAst') {
      if ($ast.PipelineElements.Count -eq 1 -and $ast.PipelineElements[0].GetType().Name -eq 'CommandExpressionAst') { $inner = $ast.PipelineElements[0] }
    }
    elseif ($ast.Redirections.Count -eq 0) { $inner = $ast.Expression }
    if ($null -eq $inner) { break }
    $ast = $inner
    $t = $ast.GetType().Name
  }
  if ($t -eq 'StringConstantExpressionAst') {
    $form = [string]$ast.StringConstantType
    if ($form -eq 'SingleQuoted' -or $form -eq 'BareWord') {
      return '{"kind":"constant","value":' + $J.Invoke($ast.Value) + ',"type":"String","form":"' + $form + '","text":' + $J.Invoke($ast.Extent.Text) + '}'
    }
    return '{"kind":"other","ast":"StringConstantExpressionAst","text":' + $J.Invoke($ast.Extent.Text) + ',"why":"a ' + $form + ' string"}'
  }
  if ($t -eq 'ConstantExpressionAst') {
    $v = $ast.Value
    if ($v -is [bool]) { $json = ([string]$v).ToLowerInvariant() }
    elseif ($v -is [double] -or $v -is [single]) {
      if ([double]::IsNaN($v) -or [double]::IsInfinity($v)) { return '{"kind":"other","ast":"ConstantExpressionAst","text":' + $J.Invoke($ast.Extent.Text) + ',"why":"not a finite number"}' }
      $json = ([double]$v).ToString('R', $invariant)
    }
    elseif ($v -is [int] -or $v -is [long] -or $v -is [decimal] -or $v -is [byte] -or $v -is [sbyte] -or $v -is [int16] -or $v -is [uint16] -or $v -is [uint32] -or $v -is [uint64]) { $json = $v.ToString($invariant) }
    else { $json = $J.Invoke([string]$v) }
    return '{"kind":"constant","value":' + $json + ',"type":"' + $v.GetType().Name + '","form":"Number","text":' + $J.Invoke($ast.Extent.Text) + '}'
  }
  if ($t -eq 'VariableExpressionAst') { return '{"kind":"variable","name":' + $J.Invoke($ast.VariablePath.UserPath) + '}' }
  if ($t -eq 'ArrayLiteralAst') {
    $parts = [System.Collections.Generic.List[string]]::new()
    foreach ($e in $ast.Elements) { $parts.Add((V $e)) }
    return '{"kind":"array","elements":[' + [string]::Join(',', $parts) + ']}'
  }
  if ($t -eq 'ArrayExpressionAst') {
    $statements = $ast.SubExpression.Statements
    if ($statements.Count -eq 0) { return '{"kind":"array","elements":[]}' }
    if ($statements.Count -eq 1) {
      $one = V $statements[0]
      if ($one.StartsWith('{"kind":"array"')) { return $one }
      if (-not $one.StartsWith('{"kind":"other"')) { return '{"kind":"array","elements":[' + $one + ']}' }
    }
  }
  if ($t -eq 'ParenExpressionAst') {
    $p = $ast.Pipeline
    if ($p.GetType().Name -eq 'PipelineAst' -and $p.PipelineElements.Count -eq 1 -and (Test-Base64Call $p.PipelineElements[0])) {
      $encoded = $p.PipelineElements[0].CommandElements[1].Value
      try { $decoded = $strictUtf8.GetString([Convert]::FromBase64String($encoded)) }
      catch { return '{"kind":"other","ast":"ParenExpressionAst","text":' + $J.Invoke($ast.Extent.Text) + ',"why":' + $J.Invoke(('base64 that does not decode to UTF-8: ' + $_.Exception.Message)) + '}' }
      return '{"kind":"base64","encoded":' + $J.Invoke($encoded) + ',"value":' + $J.Invoke($decoded) + '}'
    }
    $one = V $p
    if (-not $one.StartsWith('{"kind":"other"')) { return $one }
  }
  return '{"kind":"other","ast":"' + $t + '","text":' + $J.Invoke($ast.Extent.Text) + '}'
}

function Get-Summary([string]$text) {
  $tokens = $null
  $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref]$tokens, [ref]$errors)
  $errs = [System.Collections.Generic.List[string]]::new()
  foreach ($e in $errors) {
    $errs.Add('{"line":' + $e.Extent.StartLineNumber + ',"column":' + $e.Extent.StartColumnNumber + ',"id":' + $J.Invoke($e.ErrorId) + ',"message":' + $J.Invoke($e.Message) + '}')
  }
  $statements = 0
  foreach ($block in @($ast.BeginBlock, $ast.ProcessBlock, $ast.EndBlock)) { if ($null -ne $block) { $statements += $block.Statements.Count } }
  $assignments = [System.Collections.Generic.List[string]]::new()
  $commands = [System.Collections.Generic.List[string]]::new()
  foreach ($n in $ast.FindAll($assignmentOrCommand, $true)) {
    if ($n.GetType().Name -eq 'AssignmentStatementAst') {
      $name = $n.Left.Extent.Text
      if ($n.Left.GetType().Name -eq 'VariableExpressionAst') { $name = $n.Left.VariablePath.UserPath }
      $assignments.Add('{"variable":' + $J.Invoke($name) + ',"operator":"' + [string]$n.Operator + '","line":' + $n.Extent.StartLineNumber + ',"value":' + (V $n.Right) + '}')
      continue
    }
    # A ConvertFrom-ClusterChaosBase64 call that is a value, (… '<b64>'), was read as one: not listed again.
    if ($n.CommandElements.Count -eq 2 -and $n.Parent.Parent -and $n.Parent.Parent.GetType().Name -eq 'ParenExpressionAst' -and $n.Parent.PipelineElements.Count -eq 1 -and (Test-Base64Call $n)) { continue }
    $elements = [System.Collections.Generic.List[string]]::new()
    $all = $n.CommandElements
    for ($i = 1; $i -lt $all.Count; $i++) {
      $e = $all[$i]
      if ($e.GetType().Name -eq 'CommandParameterAst') {
        $p = '{"kind":"parameter","name":' + $J.Invoke($e.ParameterName)
        if ($null -ne $e.Argument) { $p += ',"argument":' + (V $e.Argument) }
        $elements.Add($p + '}')
      }
      else { $elements.Add((V $e)) }
    }
    $commandName = $n.GetCommandName()
    if ($null -eq $commandName) { $commandName = 'null' } else { $commandName = $J.Invoke($commandName) }
    $commands.Add('{"name":' + $commandName + ',"line":' + $n.Extent.StartLineNumber + ',"elements":[' + [string]::Join(',', $elements) + ']}')
  }
  return '{"errors":[' + [string]::Join(',', $errs) + '],"statements":' + $statements + ',"assignments":[' + [string]::Join(',', $assignments) + '],"commands":[' + [string]::Join(',', $commands) + ']}'
}

while ($true) {
  $line = [Console]::In.ReadLine()
  if ($null -eq $line) { break }
  $request = ConvertFrom-Json ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($line)))
  $answers = [System.Collections.Generic.List[string]]::new()
  foreach ($encoded in @($request.texts)) {
    # Each text is base64 of its UTF-16 code units, copied as they are (no decoder to replace a lone surrogate).
    $bytes = [Convert]::FromBase64String($encoded)
    $chars = [char[]]::new($bytes.Length / 2)
    [Buffer]::BlockCopy($bytes, 0, $chars, 0, $bytes.Length)
    $answers.Add((Get-Summary ([string]::new($chars))))
  }
  $json = '[' + [string]::Join(',', $answers) + ']'
  [Console]::Out.WriteLine('@@answer ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($json)))
  [Console]::Out.Flush()
}
`;
