# A shared volume taken away from one node or from every node (ops `fail-storage-path`, `fail-storage`): Windows
# Firewall rules on each node blocking the volume's storage traffic, with a dead-man task on each node that removes
# them, and the rules removed again (op `restore-storage`). As Network.ps1 does for the cluster's own port; the
# rules share the run tag as their group (so the residue scan finds them) and are named '<tag>-storage-<key>-...'.
#
# - a CSV over iSCSI: TCP 3260 to its target portals (the node's iSCSI sessions drop: its path is gone; the cluster
#   redirects its CSV I/O through a node that still has one, 5121, or pauses the volume when none has, 5157/5142);
# - an SMB share: TCP 445 to its file server.
# Where the traffic goes is the experiment's (cluster.storage[].address): the module blocks exactly that.

# The node-side undo: this volume's rules and its heal task removed (nothing there is fine).
$script:ClusterChaosStorageRestoreBlock = {
    param($tag, $key)
    $ErrorActionPreference = 'Stop'
    $WarningPreference = 'SilentlyContinue'
    $ProgressPreference = 'SilentlyContinue'
    $prefix = $tag + '-storage-' + $key + '-'
    $rules = @(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) })
    $names = [string[]]@($rules | ForEach-Object { [string]$_.Name })
    if ($rules.Count -gt 0) { $rules | Remove-NetFirewallRule }
    Get-ScheduledTask -TaskName ($prefix + 'heal') -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false
    $left = @(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) })
    if ($left.Count -gt 0) { throw ('the rules ' + (@($left | ForEach-Object { [string]$_.Name }) -join ', ') + ' are still there') }
    [pscustomobject]@{ at = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture); removed = $names }
}

function Assert-ClusterChaosStorageKey {
    <#
    .SYNOPSIS
    The volume's key names its rules and heal task: letters and digits only (no wildcard can match another's).
    #>
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Key)
    if ($Key -cnotmatch '^[A-Za-z0-9]{1,20}$') { throw ("the storage key must be 1 to 20 letters or digits, got '" + $Key + "'; nothing was changed") }
}

function Disconnect-ClusterChaosStorage {
    <#
    .SYNOPSIS
    Takes a shared volume away from -Node (one node: op `fail-storage-path`; every node: op `fail-storage`): on each
    node a dead-man task first ('<tag>-storage-<key>-heal', SYSTEM, at the absolute deadline and at startup: review
    R5), then an outbound Block rule for TCP -Port to -Address, then a check that the rule is in the ActiveStore
    (review R4). A node where that fails has its rule and task removed, and so has every node done before: an error.
    .OUTPUTS
    { effectiveAt, healAt, storage, port, nodes: string[], rules: string[] }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string[]] $Node,
        [Parameter(Mandatory = $true)] [string] $Storage,
        [Parameter(Mandatory = $true)] [string[]] $Address,
        [Parameter(Mandatory = $true)] [ValidateRange(1, 65535)] [int] $Port,
        [Parameter(Mandatory = $true)] [string] $Key,
        [Parameter(Mandatory = $true)] [ValidateRange(1, [long]::MaxValue)] [long] $HealAfterMs,
        [Parameter(Mandatory = $true)] [string] $Tag
    )
    Invoke-ClusterChaosOperation {
        Assert-ClusterChaosRunTag -Tag $Tag
        Assert-ClusterChaosStorageKey -Key $Key
        # Only addresses a rule can name (review N4): no zone index, no link-local, each once
        $addresses = @(Select-ClusterChaosPeerAddress -Address $Address)
        if ($addresses.Count -eq 0) { throw ("no IP address to block for the storage '" + $Storage + "' (given: " + (@($Address) -join ', ') + '); nothing was changed') }

        $blockBlock = {
            param($tag, $key, $addresses, $port, $healAfterMs, $storage)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $invariant = [Globalization.CultureInfo]::InvariantCulture
            $prefix = $tag + '-storage-' + $key + '-'
            $healTask = $prefix + 'heal'
            function Quote($text) { "'" + [System.Management.Automation.Language.CodeGeneration]::EscapeSingleQuotedStringContent($text) + "'" }
            $undo = {
                Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) } | Remove-NetFirewallRule -ErrorAction SilentlyContinue
                Get-ScheduledTask -TaskName $healTask -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false -ErrorAction SilentlyContinue
            }
            try {
                & $undo
                # The heal first (R5): removes this volume's rules only, checks, then unregisters itself.
                $heal = '$ErrorActionPreference = ''Continue''; $tag = ' + (Quote $tag) + '; $prefix = ' + (Quote $prefix) + '; $task = ' + (Quote $healTask) + '; ' +
                    'for ($i = 0; $i -lt 120; $i++) { ' +
                    'Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) } | Remove-NetFirewallRule -ErrorAction SilentlyContinue; ' +
                    'if (@(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag -and ([string]$_.Name).StartsWith($prefix) }).Count -eq 0) { Unregister-ScheduledTask -TaskName $task -Confirm:$false -ErrorAction SilentlyContinue; break } ' +
                    'Start-Sleep -Seconds 5 }'
                $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($heal))
                $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -EncodedCommand ' + $encoded)
                $deadline = (Get-Date).AddMilliseconds($healAfterMs)
                $once = New-ScheduledTaskTrigger -Once -At $deadline
                # N9: an absolute time with its offset, not wall-clock time re-read after a DST change.
                $once.StartBoundary = $deadline.ToString('yyyy-MM-ddTHH:mm:sszzz', $invariant)
                # R5: a node rebooted past the deadline still heals (the rules persist across a reboot).
                $startup = New-ScheduledTaskTrigger -AtStartup
                $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
                $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
                Register-ScheduledTask -TaskName $healTask -Action $action -Trigger @($once, $startup) -Settings $settings -Principal $principal -Force | Out-Null
                $rule = @{
                    Name = $prefix + 'Outbound-TCP'
                    DisplayName = $tag + ' storage ' + $storage + ' Outbound TCP ' + $port
                    Group = $tag
                    Direction = 'Outbound'
                    Protocol = 'TCP'
                    RemotePort = $port
                    RemoteAddress = [string[]]@($addresses)
                    Action = 'Block'
                }
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
            [pscustomobject]@{ kind = 'blocked'; rule = [string]$rule.Name; effectiveAt = (Get-Date).ToUniversalTime().ToString('o', $invariant); healAt = $deadline.ToUniversalTime().ToString('o', $invariant) }
        }
        $restoreBlock = $script:ClusterChaosStorageRestoreBlock
        $done = New-Object System.Collections.ArrayList
        $rules = New-Object System.Collections.ArrayList
        $last = $null
        try {
            foreach ($one in @($Node)) {
                $answer = @(Invoke-ClusterChaosOnNode -Node $one -ScriptBlock $blockBlock -ArgumentList @($Tag, $Key, [string[]]$addresses, $Port, $HealAfterMs, $Storage))
                $last = $answer[$answer.Count - 1]
                if ([string]$last.kind -eq 'notEffective') {
                    throw (New-ClusterChaosException -NotEffective -Message ('fault not effective: on ' + $one + ', ' + [string]$last.message))
                }
                [void]$done.Add($one)
                [void]$rules.Add($one + '/' + [string]$last.rule)
            }
        } catch {
            # a volume cut on some of the nodes asked only is no fault we meant: undo the others
            foreach ($one in @($done)) { $null = Invoke-ClusterChaosOnNode -Node $one -ScriptBlock $restoreBlock -ArgumentList @($Tag, $Key) }
            throw
        }
        [ordered]@{ effectiveAt = [string]$last.effectiveAt; healAt = [string]$last.healAt; storage = $Storage; port = $Port; nodes = [string[]]@($Node); rules = [string[]]$rules.ToArray() }
    }
}

function Connect-ClusterChaosStorage {
    <#
    .SYNOPSIS
    Gives the volume back (op `restore-storage`): on each of -Node, its fail-storage rules and heal task removed;
    nothing to remove is fine (the heal may have been first). Rules still there afterwards are an error.
    .OUTPUTS
    { at, removed: string[] } - '<node>/<rule>' of the rules removed.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string[]] $Node,
        [Parameter(Mandatory = $true)] [string] $Key,
        [Parameter(Mandatory = $true)] [string] $Tag
    )
    Invoke-ClusterChaosOperation {
        Assert-ClusterChaosRunTag -Tag $Tag
        Assert-ClusterChaosStorageKey -Key $Key
        $restoreBlock = $script:ClusterChaosStorageRestoreBlock
        $removed = New-Object System.Collections.ArrayList
        $at = ''
        foreach ($one in @($Node)) {
            $answer = @(Invoke-ClusterChaosOnNode -Node $one -ScriptBlock $restoreBlock -ArgumentList @($Tag, $Key))
            $last = $answer[$answer.Count - 1]
            $at = [string]$last.at
            foreach ($rule in @(ConvertTo-ClusterChaosStringList $last.removed)) { [void]$removed.Add($one + '/' + $rule) }
        }
        [ordered]@{ at = $at; removed = [string[]]$removed.ToArray() }
    }
}
