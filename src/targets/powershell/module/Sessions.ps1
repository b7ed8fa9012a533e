# Where the module's PowerShell runs: FailoverClusters where its objects are live (this session under
# Windows PowerShell 5.1, one Windows PowerShell session under PowerShell 7: review B1), and one remote
# session per node, opened once and reused (review R2). The sessions and the credential are the module's
# only state (ClusterChaos.psm1 makes them; review N6).
#
# Node-side and cluster-side script blocks are self-contained: they call no function of this module (the
# other side does not have it), take their values through -ArgumentList (no $using:), set their own
# preferences (a remote session does not inherit ours), and emit flat objects (properties that are strings,
# numbers, booleans or lists of those: remoting serializes one level deep). Every node-side block emits at
# least one object, so a node that answered is told apart from one that did not.

function Initialize-ClusterChaosSession {
    <#
    .SYNOPSIS
    Keeps the credential for the node sessions the module opens (the session's set-up calls this). Sessions
    opened before, with another identity, are closed.
    #>
    [CmdletBinding()]
    param([AllowNull()] [System.Management.Automation.PSCredential] $Credential)
    Close-ClusterChaosSession
    $script:ClusterChaosCredential = $Credential
}

function Close-ClusterChaosSession {
    <#
    .SYNOPSIS
    Closes every session the module opened (the node sessions and the compatibility session).
    #>
    foreach ($session in @($script:ClusterChaosNodeSessions.Values)) {
        Remove-PSSession -Session $session -ErrorAction SilentlyContinue
    }
    $script:ClusterChaosNodeSessions.Clear()
    if ($null -ne $script:ClusterChaosCompatSession) {
        Remove-PSSession -Session $script:ClusterChaosCompatSession -ErrorAction SilentlyContinue
        $script:ClusterChaosCompatSession = $null
    }
}

function Get-ClusterChaosFailoverClustersMode {
    <#
    .SYNOPSIS
    'native' (Windows PowerShell 5.1: FailoverClusters loads in this session) or 'compat' (PowerShell 7:
    every cluster call runs in one Windows PowerShell session; review B1). $env:CLUSTERCHAOS_FAILOVERCLUSTERS
    overrides.
    #>
    $override = [string]$env:CLUSTERCHAOS_FAILOVERCLUSTERS
    if ($override) {
        if ($override -eq 'native') { return 'native' }
        if ($override -eq 'compat') { return 'compat' }
        throw ("CLUSTERCHAOS_FAILOVERCLUSTERS is '" + $override + "'; it must be native or compat (or unset)")
    }
    if ([string]$PSVersionTable.PSEdition -eq 'Core') { return 'compat' }
    'native'
}

function Get-ClusterChaosCompatSession {
    <#
    .SYNOPSIS
    The Windows PowerShell session FailoverClusters runs in under PowerShell 7 (review B1): opened on first
    use, reused, reopened when it is no longer Opened. Implicit WinCompat would hand back copies serialized
    one level deep (OwnerNode.Name empty, a property set on a copy goes nowhere) and print a warning.
    #>
    $session = $script:ClusterChaosCompatSession
    if ($null -ne $session -and [string]$session.State -eq 'Opened') { return $session }
    if ($null -ne $session) { Remove-PSSession -Session $session -ErrorAction SilentlyContinue }
    $script:ClusterChaosCompatSession = $null
    # syntax-gate: allow parameter-7 (only under PowerShell 7: under 5.1 FailoverClusters runs in the session itself)
    $session = New-PSSession -UseWindowsPowerShell -Name 'clusterchaos-failoverclusters' -ErrorAction Stop
    $script:ClusterChaosCompatSession = $session
    $session
}

function Invoke-ClusterChaosCluster {
    <#
    .SYNOPSIS
    Runs a cluster-side block (FailoverClusters calls and every projection of their objects) where the
    objects are live: here under 5.1, in the compatibility session under 7 (review B1).
    #>
    param(
        [Parameter(Mandatory = $true)] [scriptblock] $ScriptBlock,
        [object[]] $ArgumentList = @()
    )
    if ((Get-ClusterChaosFailoverClustersMode) -eq 'native') {
        return (& $ScriptBlock @ArgumentList)
    }
    $session = Get-ClusterChaosCompatSession
    Invoke-Command -Session $session -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList -ErrorAction Stop -WarningAction SilentlyContinue
}

function Get-ClusterChaosNodeSession {
    <#
    .SYNOPSIS
    The node's remote session (review R2): opened on first use with the module's credential (review R17),
    reused, reopened when its State is not Opened (a broken session is replaced on the next call, not
    retried now: review R1).
    #>
    param([Parameter(Mandatory = $true)] [string] $Node)
    $session = $script:ClusterChaosNodeSessions[$Node]
    if ($null -ne $session -and [string]$session.State -eq 'Opened') { return $session }
    if ($null -ne $session) {
        Remove-PSSession -Session $session -ErrorAction SilentlyContinue
        $script:ClusterChaosNodeSessions.Remove($Node)
    }
    $parameters = @{ ComputerName = $Node; Name = 'clusterchaos-' + $Node; ErrorAction = 'Stop' }
    # A node that does not answer is reported within seconds, not after WinRM's 3 minutes (review R1).
    # (-OpenTimeout is WinRM's: PowerShell 7 off Windows, as in the rehearsal lab, has no such option.)
    $options = Get-Command -Name New-PSSessionOption -ErrorAction SilentlyContinue
    if ($null -ne $options -and $options.Parameters.ContainsKey('OpenTimeout')) {
        $parameters.SessionOption = New-PSSessionOption -OpenTimeout 15000
    }
    if ($null -ne $script:ClusterChaosCredential) { $parameters.Credential = $script:ClusterChaosCredential }
    $session = New-PSSession @parameters
    $script:ClusterChaosNodeSessions[$Node] = $session
    $session
}

function Get-ClusterChaosErrorNode {
    <#
    .SYNOPSIS
    The computer an error from Invoke-Command came from, when it says so.
    #>
    param($ErrorRecord)
    $origin = $ErrorRecord.OriginInfo
    if ($null -ne $origin -and $origin.PSComputerName) { return [string]$origin.PSComputerName }
    $target = $ErrorRecord.TargetObject
    if ($target -is [string]) { return $target }
    if ($null -ne $target -and $target.ComputerName) { return [string]$target.ComputerName }
    $null
}

function Invoke-ClusterChaosNode {
    <#
    .SYNOPSIS
    Runs a node-side block on several nodes at once, each in its own session.
    .OUTPUTS
    { output: { <node>: object[] }, failed: { <node>: message } } - a node is in exactly one of the two.
    #>
    param(
        [Parameter(Mandatory = $true)] [AllowEmptyCollection()] [string[]] $Node,
        [Parameter(Mandatory = $true)] [scriptblock] $ScriptBlock,
        [object[]] $ArgumentList = @()
    )
    $output = [ordered]@{}
    $failed = [ordered]@{}
    $sessions = @()
    $nodeOfSession = @{}
    $listed = @{}
    foreach ($name in $Node) {
        if (-not $name -or $listed.ContainsKey($name)) { continue }
        $listed[$name] = $true
        try {
            $session = Get-ClusterChaosNodeSession -Node $name
            $sessions += $session
            $nodeOfSession[[string]$session.ComputerName] = $name
        } catch {
            $failed[$name] = [string]$_.Exception.Message
        }
    }
    if ($sessions.Count -gt 0) {
        $remoteErrors = @()
        # All nodes at once: Invoke-Command runs the sessions in parallel.
        $results = @(Invoke-Command -Session $sessions -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList `
                -ErrorAction SilentlyContinue -ErrorVariable remoteErrors -WarningAction SilentlyContinue)
        foreach ($result in $results) {
            $name = $nodeOfSession[[string]$result.PSComputerName]
            if (-not $name) { continue }
            if (-not $output.Contains($name)) { $output[$name] = New-Object System.Collections.ArrayList }
            [void]$output[$name].Add($result)
        }
        $unattributed = @()
        foreach ($errorRecord in @($remoteErrors)) {
            $where = Get-ClusterChaosErrorNode -ErrorRecord $errorRecord
            $name = $null
            if ($where) { $name = $nodeOfSession[$where] }
            $message = [string]$errorRecord.Exception.Message
            if ($name) {
                if (-not $failed.Contains($name)) { $failed[$name] = $message }
            } else {
                $unattributed += $message
            }
        }
        foreach ($session in $sessions) {
            $name = $nodeOfSession[[string]$session.ComputerName]
            if ($failed.Contains($name)) { $output.Remove($name); continue }
            if ($output.Contains($name)) { continue }
            $message = 'no answer'
            if ($unattributed.Count -gt 0) { $message = $unattributed -join '; ' }
            $failed[$name] = $message
        }
    }
    $answered = [ordered]@{}
    foreach ($name in @($output.Keys)) { $answered[$name] = $output[$name].ToArray() }
    [pscustomobject]@{ output = $answered; failed = $failed }
}

function Invoke-ClusterChaosOnNode {
    <#
    .SYNOPSIS
    Runs a node-side block on one node; its objects, or an error naming the node.
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Node,
        [Parameter(Mandatory = $true)] [scriptblock] $ScriptBlock,
        [object[]] $ArgumentList = @()
    )
    $result = Invoke-ClusterChaosNode -Node @($Node) -ScriptBlock $ScriptBlock -ArgumentList $ArgumentList
    if ($result.failed.Contains($Node)) { throw ($Node + ': ' + $result.failed[$Node]) }
    $result.output[$Node]
}

function Measure-ClusterChaosClockOffset {
    <#
    .SYNOPSIS
    The node's clock minus ours (review R15): its Get-Date bracketed by two of ours, taken as the midpoint;
    the uncertainty is half the round trip. Call it once the node's session is open, so the round trip is
    the command alone.
    #>
    param([Parameter(Mandatory = $true)] [string] $Node)
    $clockBlock = {
        $ErrorActionPreference = 'Stop'
        $WarningPreference = 'SilentlyContinue'
        (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
    }
    $before = (Get-Date).ToUniversalTime()
    $answer = @(Invoke-ClusterChaosOnNode -Node $Node -ScriptBlock $clockBlock)
    $after = (Get-Date).ToUniversalTime()
    $theirs = [DateTime]::Parse([string]$answer[$answer.Count - 1], [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime()
    $halfTrip = [long](($after - $before).Ticks / 2)
    $ours = $before.AddTicks($halfTrip)
    [pscustomobject]@{
        clockOffsetMs = [long][math]::Round(($theirs - $ours).TotalMilliseconds)
        offsetUncertaintyMs = [long][math]::Ceiling([TimeSpan]::FromTicks($halfTrip).TotalMilliseconds)
    }
}
