# First contact: the sessions opened, and what each node is - its Windows build, its language mode, its
# clock against ours, and what the service control manager does when clussvc dies.

function ConvertFrom-ClusterChaosFailureActions {
    <#
    .SYNOPSIS
    The registry value FailureActions of a service (review R6): SERVICE_FAILURE_ACTIONS - DWORD reset period
    (s), two pointer-sized fields (reboot message, command), DWORD count, a pointer-sized field (the actions),
    then count x SC_ACTION (DWORD type, DWORD delay ms); type 0 none, 1 restart, 2 reboot, 3 run command.
    .DESCRIPTION
    The pointer fields are 4 bytes in what Windows stores, whatever its bitness; 8-byte layouts (packed, or
    with the count aligned to 8) are accepted too. The layout is the one whose length matches its own count
    exactly, so a blob of another shape is refused rather than misread. Little-endian, read byte by byte.
    .OUTPUTS
    { resetPeriodS, actions: [{ type, delayMs }] }
    #>
    param([Parameter(Mandatory = $true)] [AllowEmptyCollection()] [byte[]] $Bytes)
    function Read-Dword([int] $offset) {
        [long]$Bytes[$offset] + 256L * $Bytes[$offset + 1] + 65536L * $Bytes[$offset + 2] + 16777216L * $Bytes[$offset + 3]
    }
    # (offset of the count, length of the fixed part) for pointers of 4 bytes, 8 bytes packed, 8 bytes aligned
    $layouts = @(@(12, 20), @(20, 32), @(24, 40))
    foreach ($layout in $layouts) {
        $countAt = $layout[0]
        $header = $layout[1]
        if ($Bytes.Length -lt $header) { continue }
        $count = Read-Dword $countAt
        if ($Bytes.Length -ne $header + 8 * $count) { continue }
        $actions = @(for ($i = 0; $i -lt $count; $i++) {
                $at = $header + 8 * $i
                [ordered]@{ type = [int](Read-Dword $at); delayMs = [long](Read-Dword ($at + 4)) }
            })
        return [pscustomobject]@{ resetPeriodS = [long](Read-Dword 0); actions = $actions }
    }
    throw ('FailureActions of ' + $Bytes.Length + ' bytes is not a SERVICE_FAILURE_ACTIONS this module can read')
}

function Get-ClusterChaosRecoveryDelay {
    <#
    .SYNOPSIS
    How long after a crash the service control manager restarts the service: the first action's delay when
    it is a restart (type 1), else $null (no restart is configured).
    #>
    param([AllowNull()] $FailureActions)
    if ($null -eq $FailureActions) { return $null }
    $actions = @($FailureActions.actions)
    if ($actions.Count -eq 0) { return $null }
    if ([int]$actions[0].type -ne 1) { return $null }
    [long]$actions[0].delayMs
}

function Connect-ClusterChaosCluster {
    <#
    .SYNOPSIS
    First contact (op `connect`). Read-only. Opens the sessions (the Windows PowerShell one for
    FailoverClusters under PowerShell 7, one per node) and reads each node.
    .OUTPUTS
    { psVersion, edition, failoverClusters: 'native'|'compat', nodes: [{ name, reached, osVersion,
      languageMode, clockOffsetMs, offsetUncertaintyMs, clussvcRecoveryMs, clussvcRecovery, clussvcStartType, timeZone?, error? }] }
    osVersion 'major.minor.build'; languageMode as the node's sessions run (review N5: the TypeScript side
    refuses ConstrainedLanguage); clockOffsetMs the node's clock minus ours (review R15); clussvcRecoveryMs
    from clussvc's FailureActions (review R6), null when no restart is configured; clussvcRecovery the whole
    FailureActions { resetPeriodS, actions: [{ type, delayMs }] } (type 0 none, 1 restart, 2 reboot, 3 run), null
    when it could not be read; timeZone { id, utcOffsetMinutes } the node's (Get-TimeZone; the offset now, daylight
    saving included), absent when it could not be read.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string[]] $Node
    )
    Invoke-ClusterChaosOperation {
        $mode = Get-ClusterChaosFailoverClustersMode
        if ($mode -eq 'compat') { Get-ClusterChaosCompatSession | Out-Null }
        $edition = [string]$PSVersionTable.PSEdition
        if (-not $edition) { $edition = 'Desktop' }

        # Each line on its own: a node in ConstrainedLanguage still reports its mode (N5).
        $nodeBlock = {
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $languageMode = [string]$ExecutionContext.SessionState.LanguageMode
            $osVersion = $null
            $startType = $null
            $failureActions = $null
            $problems = @()
            try {
                $version = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
                if ($null -ne $version.CurrentMajorVersionNumber) {
                    $osVersion = [string]$version.CurrentMajorVersionNumber + '.' + [string]$version.CurrentMinorVersionNumber + '.' + [string]$version.CurrentBuildNumber
                } else {
                    $osVersion = [string]$version.CurrentVersion + '.' + [string]$version.CurrentBuildNumber
                }
            } catch { $problems += ('Windows version: ' + $_.Exception.Message) }
            try { $startType = [string](Get-Service -Name clussvc).StartType } catch { $problems += ('clussvc: ' + $_.Exception.Message) }
            # The node's time zone and its offset now, daylight saving included: reports give each moment in the
            # cluster's local time beside UTC. Not knowing it is no problem for the run: the report says so.
            $timeZone = $null
            try {
                $now = Get-Date
                $timeZone = @{ id = [string](Get-TimeZone).Id; utcOffsetMinutes = [int][Math]::Round(($now - $now.ToUniversalTime()).TotalMinutes) }
            } catch { $timeZone = $null }
            try {
                $failureActions = [byte[]](Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\ClusSvc' -Name 'FailureActions').FailureActions
            } catch { $problems += ('clussvc FailureActions: ' + $_.Exception.Message) }
            # A hashtable, not [pscustomobject]: ConstrainedLanguage refuses that conversion (PowerShell
            # issue 20767), and this is the answer that must say the node is in ConstrainedLanguage (N5).
            @{
                kind = 'node'
                languageMode = $languageMode
                osVersion = $osVersion
                clussvcStartType = $startType
                timeZone = $timeZone
                failureActions = $failureActions
                problems = [string[]]$problems
            }
        }
        $asked = Invoke-ClusterChaosNode -Node $Node -ScriptBlock $nodeBlock
        $nodes = @(foreach ($name in $Node) {
                $facts = [ordered]@{ name = $name; reached = $false }
                if (-not $asked.output.Contains($name)) {
                    $facts.error = [string]$asked.failed[$name]
                    $facts
                    continue
                }
                $found = @($asked.output[$name])
                $record = $found[$found.Count - 1]
                $facts.reached = $true
                $facts.osVersion = $record.osVersion
                $facts.languageMode = $record.languageMode
                $problems = @(ConvertTo-ClusterChaosStringList $record.problems)
                try {
                    $offset = Measure-ClusterChaosClockOffset -Node $name
                    $facts.clockOffsetMs = $offset.clockOffsetMs
                    $facts.offsetUncertaintyMs = $offset.offsetUncertaintyMs
                } catch { $problems += ('clock: ' + $_.Exception.Message) }
                $facts.clussvcRecoveryMs = $null
                $facts.clussvcRecovery = $null
                if ($null -ne $record.failureActions) {
                    try {
                        $recovery = ConvertFrom-ClusterChaosFailureActions -Bytes ([byte[]]$record.failureActions)
                        $facts.clussvcRecoveryMs = Get-ClusterChaosRecoveryDelay -FailureActions $recovery
                        # The whole structure (item 8): the reset period and each failure's action with its delay
                        $facts.clussvcRecovery = [ordered]@{ resetPeriodS = $recovery.resetPeriodS; actions = @($recovery.actions) }
                    } catch { $problems += ('clussvc FailureActions: ' + $_.Exception.Message) }
                }
                $facts.clussvcStartType = $record.clussvcStartType
                if ($null -ne $record.timeZone) { $facts.timeZone = [ordered]@{ id = [string]$record.timeZone.id; utcOffsetMinutes = [int]$record.timeZone.utcOffsetMinutes } }
                if ($problems.Count -gt 0) { $facts.error = $problems -join '; ' }
                $facts
            })
        [ordered]@{
            psVersion = [string]$PSVersionTable.PSVersion
            edition = $edition
            failoverClusters = $mode
            nodes = $nodes
        }
    }
}
