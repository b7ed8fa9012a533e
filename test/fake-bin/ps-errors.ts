/**
 * Errors as a clusterchaos script reports them. Every script body runs in `& { try { … } catch {
 * Write-Error -Message ('clusterchaos <op>: ' + $_.Exception.Message) -ErrorAction Continue } }`
 * (src/targets/powershell/scripts.ts), so what reaches stderr is one Write-Error record carrying the
 * exception message of the cmdlet that failed, rendered by the host: Windows PowerShell 5.1's NormalView
 * (the invocation, " : ", the message, then CategoryInfo and FullyQualifiedErrorId), or pwsh 7's ConciseView.
 *
 * The exception messages are Microsoft's: the FailoverClusters module's "was not found", WinRM's "Cannot
 * find the computer", PowerShell's "cannot be found on this object".
 */

export type ErrorView = 'NormalView' | 'ConciseView';

/** What stderr shows for a script whose catch block wrote `clusterchaos <op>: <message>`. */
export function renderWriteError(op: string, message: string, view: ErrorView = 'NormalView'): string {
  const text = `clusterchaos ${op}: ${message}`;
  if (view === 'ConciseView') return `Write-Error: ${text}\n`;
  return [
    `& { : ${text}`,
    '    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException',
    '    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException',
    ' ',
    '',
  ].join('\n');
}

/** A cmdlet error the session's host writes directly (no catch block): NormalView with the position. */
export function renderCmdletError(
  e: { cmdlet: string; message: string; category: string; fullyQualifiedErrorId: string },
  script: string,
  view: ErrorView = 'NormalView',
): string {
  if (view === 'ConciseView') return `${e.cmdlet}: ${e.message}\n`;
  const lines = script.split('\n');
  const index = lines.findIndex((l) => l.includes(e.cmdlet));
  const out = [`${e.cmdlet} : ${e.message}`];
  if (index >= 0) {
    const line = lines[index]!;
    const col = line.indexOf(e.cmdlet);
    const statement = line.slice(col).trimEnd();
    out.push(`At line:${index + 1} char:${col + 1}`, `+ ${line.slice(0, col)}${statement}`, `+ ${' '.repeat(col)}${'~'.repeat(Math.max(1, statement.length))}`);
  }
  out.push(`    + CategoryInfo          : ${e.category}`, `    + FullyQualifiedErrorId : ${e.fullyQualifiedErrorId}`, ' ', '');
  return out.join('\n');
}

/** Get-ClusterNode / Stop-ClusterNode … for a name the cluster does not have. */
export const nodeNotFound = (node: string): string => `The cluster node '${node}' was not found.`;

/** Get-ClusterGroup / Move-ClusterVirtualMachineRole for a role the cluster does not have. */
export const groupNotFound = (group: string): string => `The cluster group '${group}' was not found.`;

/** Invoke-Command -ComputerName for a name neither DNS nor Kerberos knows (the exception's own message). */
export const computerNotFound = (computer: string): string =>
  `Connecting to remote server ${computer} failed with the following error message : WinRM cannot process the request. ` +
  `The following error occurred while using Kerberos authentication: Cannot find the computer ${computer}. ` +
  `Verify that the computer exists on the network and that the name provided is spelled correctly. ` +
  `For more information, see the about_Remote_Troubleshooting Help topic.`;

/** `$clusterObject.Foo = 1` for a property the cluster object does not have. */
export const propertyNotFound = (name: string): string =>
  `The property '${name}' cannot be found on this object. Verify that the property exists and can be set.`;
