# The cluster service on one node: killed (an ungraceful exit), held down by a Disabled service with a
# dead-man task that lifts it, started again; and the node stopped and started through FailoverClusters.

function Stop-ClusterChaosService {
    <#
    .SYNOPSIS
    Kills clussvc on the node (op `kill-clussvc`), or, with -HoldDownMs, keeps it down that long (op
    `hold-down-clussvc`).
    .DESCRIPTION
    Kill: Stop-Process -Name clussvc -Force, which the service control manager records as a crash (7031) and
    the cluster as an ungraceful exit; its recovery action restarts it.
    Hold-down: the lift task first (SYSTEM, on the node, so it happens even if clusterchaos is gone): a Once
    trigger at the absolute deadline with its UTC offset (review N9) and an AtStartup trigger, started when
    available (review R5); it restores the StartType recorded now (review N3) and starts the service, and
    only then unregisters itself. Then Disabled (nothing, not even the recovery action, starts it), then
    the kill. A deadline already passed once all that is done is refused and undone.
    .OUTPUTS
    Kill: { at }. Hold-down: { at, startType, liftAt }. `at`: the node's time after the kill.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [ValidateRange(1, [long]::MaxValue)] [long] $HoldDownMs
    )
    $holdDown = $PSBoundParameters.ContainsKey('HoldDownMs')
    Invoke-ClusterChaosOperation {
        if (-not $holdDown) {
            $killBlock = {
                $ErrorActionPreference = 'Stop'
                $WarningPreference = 'SilentlyContinue'
                Stop-Process -Name clussvc -Force
                [pscustomobject]@{ at = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture) }
            }
            $answer = @(Invoke-ClusterChaosOnNode -Node $Node -ScriptBlock $killBlock)
            return [ordered]@{ at = [string]$answer[$answer.Count - 1].at }
        }
        $holdDownBlock = {
            param($holdDownMs)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $taskName = 'clusterchaos-clussvc-holddown'
            $invariant = [Globalization.CultureInfo]::InvariantCulture
            $service = Get-Service -Name clussvc
            $startType = [string]$service.StartType
            $wasRunning = [string]$service.Status -eq 'Running'
            # N3: the lift puts back what was there; a Disabled service cannot be told from a hold-down in place.
            if ($startType -eq 'Disabled') { throw 'clussvc is already Disabled on this node (a hold-down in place?); nothing was changed' }
            if (@('Automatic', 'Manual') -notcontains $startType) { throw ('clussvc starts ' + $startType + ' on this node; nothing was changed') }
            function Quote($text) { "'" + [System.Management.Automation.Language.CodeGeneration]::EscapeSingleQuotedStringContent($text) + "'" }
            # The lift: start type back, service started, and only once both hold, the task removes itself.
            # A lift that cannot finish keeps its task (AtStartup tries again; the residue scan lists it).
            $lift = '$ErrorActionPreference = ''Continue''; $startType = ' + (Quote $startType) + '; $task = ' + (Quote $taskName) + '; ' +
                'for ($i = 0; $i -lt 60; $i++) { ' +
                'try { Set-Service -Name clussvc -StartupType $startType -ErrorAction Stop; Start-Service -Name clussvc -ErrorAction Stop -WarningAction SilentlyContinue } catch { } ' +
                '$service = Get-Service -Name clussvc -ErrorAction SilentlyContinue; ' +
                'if ($service -and [string]$service.StartType -eq $startType -and [string]$service.Status -eq ''Running'') { Unregister-ScheduledTask -TaskName $task -Confirm:$false -ErrorAction SilentlyContinue; break } ' +
                'Start-Sleep -Seconds 5 }'
            $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($lift))
            # A failure undoes what was changed: the task, the start type, the service running if it was.
            $undo = {
                Get-ScheduledTask -TaskName $taskName -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false -ErrorAction SilentlyContinue
                Set-Service -Name clussvc -StartupType $startType -ErrorAction SilentlyContinue
                if ($wasRunning) { Start-Service -Name clussvc -ErrorAction SilentlyContinue -WarningAction SilentlyContinue }
            }
            $registered = $false
            try {
                $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -EncodedCommand ' + $encoded)
                $deadline = (Get-Date).AddMilliseconds($holdDownMs)
                $once = New-ScheduledTaskTrigger -Once -At $deadline
                # N9: an absolute time with its offset, not wall-clock time re-read after a DST change.
                $once.StartBoundary = $deadline.ToString('yyyy-MM-ddTHH:mm:sszzz', $invariant)
                # R5: a node rebooted past the deadline still lifts it.
                $startup = New-ScheduledTaskTrigger -AtStartup
                $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
                $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
                Register-ScheduledTask -TaskName $taskName -Action $action -Trigger @($once, $startup) -Settings $settings -Principal $principal -Force | Out-Null
                $registered = $true
                Set-Service -Name clussvc -StartupType Disabled
                Stop-Process -Name clussvc -Force
                $at = Get-Date
                # R5: a lift that already ran (deadline passed) would leave clussvc Disabled for good.
                if ($at -ge $deadline -or $null -eq (Get-ScheduledTask -TaskName $taskName -ErrorAction SilentlyContinue)) {
                    throw ('the hold-down deadline passed before it was in place (hold-down ' + $holdDownMs + ' ms is too short); it was undone')
                }
            } catch {
                $problem = $_.Exception.Message
                if ($registered) { & $undo }
                throw $problem
            }
            [pscustomobject]@{
                at = $at.ToUniversalTime().ToString('o', $invariant)
                startType = $startType
                liftAt = $deadline.ToUniversalTime().ToString('o', $invariant)
            }
        }
        $answer = @(Invoke-ClusterChaosOnNode -Node $Node -ScriptBlock $holdDownBlock -ArgumentList @($HoldDownMs))
        $last = $answer[$answer.Count - 1]
        [ordered]@{ at = [string]$last.at; startType = [string]$last.startType; liftAt = [string]$last.liftAt }
    }
}

function Start-ClusterChaosService {
    <#
    .SYNOPSIS
    Makes sure clussvc runs on the node (op `start-clussvc`): removes a hold-down's lift task, sets the start
    type (default Automatic; a hold-down's answer says what it was), starts the service and waits for it to
    run (Start-Service's "Waiting for service" warnings silenced: review B3).
    .OUTPUTS
    { at, status }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [ValidateSet('Automatic', 'Manual')] [string] $StartType = 'Automatic'
    )
    Invoke-ClusterChaosOperation {
        $startBlock = {
            param($startType)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            Get-ScheduledTask -TaskName 'clusterchaos-clussvc-holddown' -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false
            Set-Service -Name clussvc -StartupType $startType
            # Returns once the service runs (nothing happens if it already does).
            Start-Service -Name clussvc -WarningAction SilentlyContinue
            [pscustomobject]@{
                at = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
                status = [string](Get-Service -Name clussvc).Status
            }
        }
        $answer = @(Invoke-ClusterChaosOnNode -Node $Node -ScriptBlock $startBlock -ArgumentList @($StartType))
        $last = $answer[$answer.Count - 1]
        [ordered]@{ at = [string]$last.at; status = [string]$last.status }
    }
}

function Stop-ClusterChaosNode {
    <#
    .SYNOPSIS
    Stop-ClusterNode: a graceful stop of the node's cluster service (op `stop-cluster-node`).
    .OUTPUTS
    { at } - the management host's time once the cmdlet returned.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node
    )
    Invoke-ClusterChaosOperation {
        $stopBlock = {
            param($cluster, $node)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            # R11 (left as it is): Stop-ClusterNode is documented to stop the cluster service, not to drain
            # by live migration; its roles may be quick-migrated. The experiment that uses it says so.
            Stop-ClusterNode -Name $node -Cluster $cluster -WarningAction SilentlyContinue | Out-Null
            [pscustomobject]@{ kind = 'done' }
        }
        Invoke-ClusterChaosCluster -ScriptBlock $stopBlock -ArgumentList @($Cluster, $Node) | Out-Null
        [ordered]@{ at = Get-ClusterChaosUtcNow }
    }
}

function Start-ClusterChaosNode {
    <#
    .SYNOPSIS
    Start-ClusterNode, with -ClearQuarantine to let a quarantined node join at once (op `start-cluster-node`).
    .OUTPUTS
    { at }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [switch] $ClearQuarantine
    )
    Invoke-ClusterChaosOperation {
        $startBlock = {
            param($cluster, $node, $clearQuarantine)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            Start-ClusterNode -Name $node -Cluster $cluster -ClearQuarantine:$clearQuarantine -WarningAction SilentlyContinue | Out-Null
            [pscustomobject]@{ kind = 'done' }
        }
        Invoke-ClusterChaosCluster -ScriptBlock $startBlock -ArgumentList @($Cluster, $Node, [bool]$ClearQuarantine) | Out-Null
        [ordered]@{ at = Get-ClusterChaosUtcNow }
    }
}
