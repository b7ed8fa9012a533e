# The quorum witness taken away from every node (op `fail-witness`): Windows Firewall rules on each node
# blocking the witness's traffic, with a dead-man task on each node that removes them, and the rules removed
# again (op `restore-witness`). As Network.ps1 does for the cluster's own port; the rules share the run tag
# as their group (so the residue scan finds them) and are named '<tag>-witness-...'.
#
# - a file share witness: SMB, TCP 445, to its file server (SharePath '\\server\share');
# - a cloud witness: HTTPS, TCP 443, to its storage account ('<AccountName>.blob.<EndpointInfo>');
# - a disk witness: refused (its path is the node's storage path; blocking it would cut the CSVs too).

function Get-ClusterChaosWitnessTarget {
    <#
    .SYNOPSIS
    What to block for a witness: { type, port, host } from its resource type and private properties.
    .PARAMETER Witness
    { name, resourceType, parameters: { <Name>: <Value> } } as read from Get-ClusterQuorum's QuorumResource.
    #>
    param([Parameter(Mandatory = $true)] [object] $Witness)
    $type = [string]$Witness.resourceType
    $parameters = $Witness.parameters
    switch ($type) {
        'File Share Witness' {
            $share = [string]$parameters.SharePath
            if ($share -notmatch '^\\\\([^\\]+)\\') { throw ("the file share witness '" + $Witness.name + "' has no share path of the form \\server\share (SharePath '" + $share + "'); nothing was changed") }
            return [pscustomobject]@{ type = 'fileshare'; port = 445; host = $Matches[1] }
        }
        'Cloud Witness' {
            $account = [string]$parameters.AccountName
            $endpoint = [string]$parameters.EndpointInfo
            if (-not $endpoint) { $endpoint = 'core.windows.net' }
            if (-not $account) { throw ("the cloud witness '" + $Witness.name + "' names no storage account (AccountName); nothing was changed") }
            return [pscustomobject]@{ type = 'cloud'; port = 443; host = ($account + '.blob.' + $endpoint) }
        }
        'Physical Disk' {
            throw ("the witness '" + $Witness.name + "' is a disk witness: fail-witness blocks a file share or cloud witness's traffic only (a disk witness's path is the nodes' storage path, and blocking it would cut their CSVs too); nothing was changed")
        }
        default {
            throw ("the cluster has no witness to fail (its quorum resource is '" + [string]$Witness.name + "', of type '" + $type + "'); nothing was changed")
        }
    }
}

function Disconnect-ClusterChaosWitness {
    <#
    .SYNOPSIS
    Takes the quorum witness away from every node (op `fail-witness`): on each node a dead-man task first
    ('<tag>-witness-heal', SYSTEM, at the absolute deadline and at startup), then an outbound Block rule for
    TCP to the witness's addresses as the node resolves them, then a check that the rule is in the ActiveStore.
    A node where that fails has its rule and task removed, and so has every node done before: an error.
    .OUTPUTS
    { effectiveAt, healAt, witness, port, nodes: string[] }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [ValidateRange(1, [long]::MaxValue)] [long] $HealAfterMs,
        [Parameter(Mandatory = $true)] [string] $Tag
    )
    Invoke-ClusterChaosOperation {
        Assert-ClusterChaosRunTag -Tag $Tag
        $readBlock = {
            param($cluster)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $quorum = Get-ClusterQuorum -Cluster $cluster
            $resource = $quorum.QuorumResource
            $parameters = @{}
            if ($null -ne $resource) {
                foreach ($p in @(Get-ClusterParameter -InputObject $resource)) { $parameters[[string]$p.Name] = [string]$p.Value }
            }
            [pscustomobject]@{
                kind = 'witness'
                name = if ($null -ne $resource) { [string]$resource.Name } else { '' }
                resourceType = if ($null -ne $resource) { [string]$resource.ResourceType.Name } else { '' }
                parameters = [pscustomobject]$parameters
            }
            foreach ($node in @(Get-ClusterNode -Cluster $cluster)) { [pscustomobject]@{ kind = 'node'; name = [string]$node.Name } }
        }
        $read = @(Invoke-ClusterChaosCluster -ScriptBlock $readBlock -ArgumentList @($Cluster))
        $witness = @($read | Where-Object { [string]$_.kind -eq 'witness' })[0]
        $target = Get-ClusterChaosWitnessTarget -Witness $witness
        $nodes = [string[]]@($read | Where-Object { [string]$_.kind -eq 'node' } | ForEach-Object { [string]$_.name })

        $blockBlock = {
            param($tag, $hostName, $port, $healAfterMs)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $invariant = [Globalization.CultureInfo]::InvariantCulture
            $prefix = $tag + '-witness-'
            $healTask = $tag + '-witness-heal'
            function Quote($text) { "'" + [System.Management.Automation.Language.CodeGeneration]::EscapeSingleQuotedStringContent($text) + "'" }
            $undo = {
                Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) } | Remove-NetFirewallRule -ErrorAction SilentlyContinue
                Get-ScheduledTask -TaskName $healTask -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false -ErrorAction SilentlyContinue
            }
            try {
                # The witness's addresses as this node resolves them (no link-local ones, no zone index: review N4)
                $addresses = New-Object System.Collections.ArrayList
                foreach ($record in @(Resolve-DnsName -Name $hostName -ErrorAction Stop)) {
                    $ip = $null
                    if (-not $record.IPAddress -or -not [System.Net.IPAddress]::TryParse(([string]$record.IPAddress -replace '%.*$', ''), [ref]$ip)) { continue }
                    if ($ip.IsIPv6LinkLocal -or ([string]$ip).StartsWith('169.254.')) { continue }
                    if (-not $addresses.Contains($ip.ToString())) { [void]$addresses.Add($ip.ToString()) }
                }
                if ($addresses.Count -eq 0) { throw ('no address found for the witness ' + $hostName + '; nothing was changed') }
                & $undo
                # The heal first (R5): removes this fault's rules only, checks, then unregisters itself.
                $heal = '$ErrorActionPreference = ''Continue''; $tag = ' + (Quote $tag) + '; $prefix = ' + (Quote $prefix) + '; $task = ' + (Quote $healTask) + '; ' +
                    'for ($i = 0; $i -lt 120; $i++) { ' +
                    'Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) } | Remove-NetFirewallRule -ErrorAction SilentlyContinue; ' +
                    'if (@(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) }).Count -eq 0) { Unregister-ScheduledTask -TaskName $task -Confirm:$false -ErrorAction SilentlyContinue; break } ' +
                    'Start-Sleep -Seconds 5 }'
                $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($heal))
                $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -EncodedCommand ' + $encoded)
                $deadline = (Get-Date).AddMilliseconds($healAfterMs)
                $once = New-ScheduledTaskTrigger -Once -At $deadline
                $once.StartBoundary = $deadline.ToString('yyyy-MM-ddTHH:mm:sszzz', $invariant)
                $startup = New-ScheduledTaskTrigger -AtStartup
                $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
                $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
                $rule = @{
                    Name = $prefix + 'Outbound-TCP'
                    DisplayName = $tag + ' witness Outbound TCP ' + $port
                    Group = $tag
                    Direction = 'Outbound'
                    Protocol = 'TCP'
                    RemotePort = $port
                    RemoteAddress = [string[]]$addresses.ToArray()
                    Action = 'Block'
                }
                Register-ScheduledTask -TaskName $healTask -Action $action -Trigger @($once, $startup) -Settings $settings -Principal $principal -Force | Out-Null
                New-NetFirewallRule @rule | Out-Null
                # R4: enforced now, not only stored
                $active = @(Get-NetFirewallRule -PolicyStore ActiveStore -Name $rule.Name -ErrorAction SilentlyContinue)
                if ($active.Count -eq 0) {
                    & $undo
                    return [pscustomobject]@{ kind = 'notEffective'; message = ('the rule ' + $rule.Name + ' is not in the ActiveStore (is Windows Firewall on and are local rules applied?); it was removed') }
                }
                if ((Get-Date) -ge $deadline) { throw ('the heal deadline passed before the rule was in place (heal after ' + $healAfterMs + ' ms is too short); it was removed') }
            } catch {
                $problem = $_.Exception.Message
                & $undo
                throw $problem
            }
            [pscustomobject]@{ kind = 'blocked'; effectiveAt = (Get-Date).ToUniversalTime().ToString('o', $invariant); healAt = $deadline.ToUniversalTime().ToString('o', $invariant) }
        }
        $restoreBlock = $script:ClusterChaosWitnessRestoreBlock
        $done = New-Object System.Collections.ArrayList
        $last = $null
        try {
            foreach ($node in $nodes) {
                $answer = @(Invoke-ClusterChaosOnNode -Node $node -ScriptBlock $blockBlock -ArgumentList @($Tag, [string]$target.host, [int]$target.port, $HealAfterMs))
                $last = $answer[$answer.Count - 1]
                if ([string]$last.kind -eq 'notEffective') {
                    throw (New-ClusterChaosException -NotEffective -Message ('fault not effective: on ' + $node + ', ' + [string]$last.message))
                }
                [void]$done.Add($node)
            }
        } catch {
            # a witness blocked from some nodes only is no fault we meant: undo the others
            foreach ($node in @($done)) { $null = Invoke-ClusterChaosOnNode -Node $node -ScriptBlock $restoreBlock -ArgumentList @($Tag) }
            throw
        }
        [ordered]@{ effectiveAt = [string]$last.effectiveAt; healAt = [string]$last.healAt; witness = [string]$witness.name; port = [int]$target.port; nodes = [string[]]$nodes }
    }
}

# The node-side undo of fail-witness: this fault's rules and its heal task removed (nothing there is fine).
$script:ClusterChaosWitnessRestoreBlock = {
    param($tag)
    $ErrorActionPreference = 'Stop'
    $WarningPreference = 'SilentlyContinue'
    $ProgressPreference = 'SilentlyContinue'
    $prefix = $tag + '-witness-'
    $rules = @(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) })
    $names = [string[]]@($rules | ForEach-Object { [string]$_.Name })
    if ($rules.Count -gt 0) { $rules | Remove-NetFirewallRule }
    Get-ScheduledTask -TaskName ($tag + '-witness-heal') -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false
    $left = @(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) })
    if ($left.Count -gt 0) { throw ('the rules ' + (@($left | ForEach-Object { [string]$_.Name }) -join ', ') + ' are still there') }
    [pscustomobject]@{ at = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture); removed = $names }
}

function Connect-ClusterChaosWitness {
    <#
    .SYNOPSIS
    Gives the witness back (op `restore-witness`): on every node, the fail-witness rules and heal task removed.
    .OUTPUTS
    { at, removed: string[] } - '<node>/<rule>' of the rules removed.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Tag
    )
    Invoke-ClusterChaosOperation {
        Assert-ClusterChaosRunTag -Tag $Tag
        $nodesBlock = {
            param($cluster)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            foreach ($node in @(Get-ClusterNode -Cluster $cluster)) { [string]$node.Name }
        }
        $nodes = [string[]]@(Invoke-ClusterChaosCluster -ScriptBlock $nodesBlock -ArgumentList @($Cluster))
        $restoreBlock = $script:ClusterChaosWitnessRestoreBlock
        $removed = New-Object System.Collections.ArrayList
        $at = ''
        foreach ($node in $nodes) {
            $answer = @(Invoke-ClusterChaosOnNode -Node $node -ScriptBlock $restoreBlock -ArgumentList @($Tag))
            $last = $answer[$answer.Count - 1]
            $at = [string]$last.at
            foreach ($rule in @(ConvertTo-ClusterChaosStringList $last.removed)) { [void]$removed.Add($node + '/' + $rule) }
        }
        [ordered]@{ at = $at; removed = [string[]]$removed.ToArray() }
    }
}
