# A host's power and its operating system: the power cut and restored through the node's BMC (Redfish) or,
# for a nested lab, through the outer Hyper-V host whose VM the node is; an OS restart through
# Restart-Computer, waited for until the cluster shows the node back.
#
# Redfish (DMTF DSP0266 and the ComputerSystem schema): GET the ComputerSystem for its PowerState and its
# #ComputerSystem.Reset action (target, ResetType@Redfish.AllowableValues); POST {"ResetType": "ForceOff"}
# (off at once, no shutdown: the power button held down) or {"ResetType": "On"} to the action's target.
# HTTP Basic authentication, the header built here (Windows PowerShell 5.1 sends -Credential only when
# challenged, PowerShell 7 refuses it over plain HTTP). The BMC's user name and password are read from the
# management host's environment, <CredentialVariable>_USERNAME and <CredentialVariable>_PASSWORD: the
# allowlist names the variable, never the secret, and no script carries either.
#
# Hyper-V (Stop-VM -TurnOff: "turns off the virtual machine", as pulling its power; Start-VM; Get-VM State).

function Get-ClusterChaosNamedCredential {
    <#
    .SYNOPSIS
    The credential the allowlist names: <Variable>_USERNAME and <Variable>_PASSWORD from this process's
    environment. An error naming the variable when either is unset.
    #>
    param([Parameter(Mandatory = $true)] [string] $Variable)
    $user = [Environment]::GetEnvironmentVariable($Variable + '_USERNAME')
    $secret = [Environment]::GetEnvironmentVariable($Variable + '_PASSWORD')
    if (-not $user -or -not $secret) {
        throw ('the environment variables ' + $Variable + '_USERNAME and ' + $Variable + '_PASSWORD must both be set on the management host (the allowlist names credential ' + $Variable + ' for this power control)')
    }
    New-Object System.Management.Automation.PSCredential ($user, (ConvertTo-SecureString $secret -AsPlainText -Force))
}

function Invoke-ClusterChaosRedfish {
    <#
    .SYNOPSIS
    One Redfish request: JSON in and out, Basic authentication when a credential is named, certificate checks
    skipped only when the allowlist says so (7: -SkipCertificateCheck; 5.1: the process's validation callback,
    put back afterwards). TLS 1.2 under 5.1, which does not offer it by default.
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Uri,
        [string] $Method = 'Get',
        $Body,
        [string] $CredentialVariable,
        [bool] $SkipCertificateCheck
    )
    $headers = @{ Accept = 'application/json' }
    if ($CredentialVariable) {
        $credential = Get-ClusterChaosNamedCredential -Variable $CredentialVariable
        $pair = $credential.UserName + ':' + $credential.GetNetworkCredential().Password
        $headers.Authorization = 'Basic ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($pair))
    }
    $parameters = @{ Uri = $Uri; Method = $Method; Headers = $headers; UseBasicParsing = $true; ErrorAction = 'Stop' }
    if ($null -ne $Body) {
        $parameters.Body = ConvertTo-Json -InputObject $Body -Compress
        $parameters.ContentType = 'application/json'
    }
    $desktop = $PSVersionTable.PSVersion.Major -lt 6
    $callback = $null
    if ($desktop) {
        [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    }
    if ($SkipCertificateCheck) {
        if ($desktop) {
            $callback = [Net.ServicePointManager]::ServerCertificateValidationCallback
            [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
        } else {
            $parameters.SkipCertificateCheck = $true
        }
    }
    try {
        Invoke-RestMethod @parameters
    } catch {
        throw ($Method.ToUpperInvariant() + ' ' + $Uri + ': ' + $_.Exception.Message)
    } finally {
        if ($desktop -and $SkipCertificateCheck) { [Net.ServicePointManager]::ServerCertificateValidationCallback = $callback }
    }
}

function Get-ClusterChaosRedfishSystem {
    <#
    .SYNOPSIS
    The ComputerSystem: { powerState, resetTarget (absolute URI), allowed: string[] (empty: not stated) }.
    #>
    param([string] $Redfish, [string] $CredentialVariable, [bool] $SkipCertificateCheck)
    $system = Invoke-ClusterChaosRedfish -Uri $Redfish -CredentialVariable $CredentialVariable -SkipCertificateCheck $SkipCertificateCheck
    $target = $Redfish.TrimEnd('/') + '/Actions/ComputerSystem.Reset'
    $allowed = @()
    $actions = $system.Actions
    if ($null -ne $actions) {
        $reset = $actions.'#ComputerSystem.Reset'
        if ($null -ne $reset) {
            if ($reset.target) {
                $target = [string]$reset.target
                # the schema gives the action's URI as a path on the same service
                if ($target.StartsWith('/')) { $target = ([Uri]$Redfish).GetLeftPart([UriPartial]::Authority) + $target }
            }
            $allowed = [string[]]@(ConvertTo-ClusterChaosStringList $reset.'ResetType@Redfish.AllowableValues')
        }
    }
    [pscustomobject]@{ powerState = [string]$system.PowerState; resetTarget = $target; allowed = $allowed }
}

function Get-ClusterChaosHyperVNode {
    <#
    .SYNOPSIS
    The VM that is the node on the outer Hyper-V host, by its exact name: { vm, state, powerState }
    (powerState On or Off, or the VM's state when it is neither running nor off).
    #>
    param([string] $HyperVHost, [string] $VmName, [string] $CredentialVariable)
    $parameters = @{ ComputerName = $HyperVHost; ErrorAction = 'Stop' }
    if ($CredentialVariable) { $parameters.Credential = Get-ClusterChaosNamedCredential -Variable $CredentialVariable }
    elseif ($null -ne $script:ClusterChaosCredential) { $parameters.Credential = $script:ClusterChaosCredential }
    $found = @(Get-VM @parameters | Where-Object { [string]$_.Name -eq $VmName })
    if ($found.Count -eq 0) { throw ('the Hyper-V host ' + $HyperVHost + ' has no VM named ' + $VmName + ' (Get-VM -ComputerName ' + $HyperVHost + '): check the allowlist''s power entry') }
    if ($found.Count -gt 1) { throw ('the Hyper-V host ' + $HyperVHost + ' has ' + $found.Count + ' VMs named ' + $VmName + ': give the node''s VM a name of its own') }
    $state = [string]$found[0].State
    $power = $state
    if ($state -eq 'Running') { $power = 'On' }
    if ($state -eq 'Off') { $power = 'Off' }
    [pscustomobject]@{ parameters = $parameters; state = $state; powerState = $power }
}

function Read-ClusterChaosHostPower {
    <#
    .SYNOPSIS
    The node's power as its power control reports it: On, Off, or what it says otherwise (PoweringOn, ...).
    #>
    param([hashtable] $Control)
    if ($Control.Redfish) {
        return (Get-ClusterChaosRedfishSystem -Redfish $Control.Redfish -CredentialVariable $Control.CredentialVariable -SkipCertificateCheck $Control.SkipCertificateCheck).powerState
    }
    (Get-ClusterChaosHyperVNode -HyperVHost $Control.HyperVHost -VmName $Control.VmName -CredentialVariable $Control.CredentialVariable).powerState
}

function Set-ClusterChaosHostPower {
    <#
    .SYNOPSIS
    Switches the node's power Off (Redfish ForceOff; Stop-VM -TurnOff -Force) or On (Redfish On; Start-VM),
    then waits until its power control reports it so (Start-Sleep 1 between reads), at most TimeoutMs.
    .OUTPUTS
    { node, via, before, powerState, requestedAt, at } (requestedAt null when it was so already: nothing was
    done); an error when the request was made and the state never came (outcomeUnknown: it may yet change).
    #>
    param([string] $Node, [hashtable] $Control, [ValidateSet('Off', 'On')] [string] $To, [long] $TimeoutMs)
    $via = 'hyperv'
    if ($Control.Redfish) { $via = 'redfish' }
    if ($via -eq 'redfish') {
        $system = Get-ClusterChaosRedfishSystem -Redfish $Control.Redfish -CredentialVariable $Control.CredentialVariable -SkipCertificateCheck $Control.SkipCertificateCheck
        $before = $system.powerState
        if ($before -eq $To) { return [ordered]@{ node = $Node; via = $via; before = $before; powerState = $before; requestedAt = $null; at = Get-ClusterChaosUtcNow } }
        $resetType = 'On'
        if ($To -eq 'Off') { $resetType = 'ForceOff' }
        if ($system.allowed.Count -gt 0 -and $system.allowed -notcontains $resetType) {
            throw ('the BMC of ' + $Node + ' (' + $Control.Redfish + ') does not offer ResetType ' + $resetType + ' (it offers ' + ($system.allowed -join ', ') + '); nothing was done')
        }
        $requestedAt = Get-ClusterChaosUtcNow
        Invoke-ClusterChaosRedfish -Uri $system.resetTarget -Method 'Post' -Body @{ ResetType = $resetType } -CredentialVariable $Control.CredentialVariable -SkipCertificateCheck $Control.SkipCertificateCheck | Out-Null
    } else {
        $vm = Get-ClusterChaosHyperVNode -HyperVHost $Control.HyperVHost -VmName $Control.VmName -CredentialVariable $Control.CredentialVariable
        $before = $vm.powerState
        if ($before -eq $To) { return [ordered]@{ node = $Node; via = $via; before = $before; powerState = $before; requestedAt = $null; at = Get-ClusterChaosUtcNow } }
        $requestedAt = Get-ClusterChaosUtcNow
        $parameters = $vm.parameters
        if ($To -eq 'Off') { Stop-VM @parameters -Name $Control.VmName -TurnOff -Force -Confirm:$false | Out-Null }
        else { Start-VM @parameters -Name $Control.VmName -Confirm:$false | Out-Null }
    }
    $since = Get-Date
    $now = $before
    while ($true) {
        try { $now = Read-ClusterChaosHostPower -Control $Control } catch { $now = 'unreadable (' + $_.Exception.Message + ')' }
        if ($now -eq $To) { break }
        if ((Get-ClusterChaosElapsedMs -Since $since) -ge $TimeoutMs) {
            throw (New-ClusterChaosException -Message ('the power of ' + $Node + ' was switched ' + $To + ' (' + $via + ') but it reads ' + $now + ' after ' + ($TimeoutMs / 1000) + ' s: it may yet change; check it') -Extra @{ outcomeUnknown = $true; via = $via })
        }
        Start-Sleep -Seconds 1
    }
    [ordered]@{ node = $Node; via = $via; before = $before; powerState = $now; requestedAt = $requestedAt; at = Get-ClusterChaosUtcNow }
}

function Get-ClusterChaosPowerControl {
    <# .SYNOPSIS The power control a function's parameters name, as one hashtable. #>
    param([System.Collections.IDictionary] $Bound)
    @{
        Redfish = [string]$Bound['Redfish']
        SkipCertificateCheck = [bool]$Bound['SkipCertificateCheck']
        HyperVHost = [string]$Bound['HyperVHost']
        VmName = [string]$Bound['VmName']
        CredentialVariable = [string]$Bound['CredentialVariable']
    }
}

function Stop-ClusterChaosHost {
    <#
    .SYNOPSIS
    Cuts the node's power (op `power-off-node`): Redfish ResetType ForceOff, or Stop-VM -TurnOff -Force on
    the outer Hyper-V host. Nothing is shut down: the OS, clussvc and every VM on it stop at once.
    .DESCRIPTION
    Returns once the power control reads Off (at most -TimeoutMs, default 60 s; past it the outcome is
    unknown). A node already off is left as it is (requestedAt null): its power is off, as asked.
    .OUTPUTS
    { node, via: 'redfish'|'hyperv', before, powerState, requestedAt, at }
    #>
    [CmdletBinding(DefaultParameterSetName = 'Redfish')]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [Parameter(ParameterSetName = 'Redfish', Mandatory = $true)] [string] $Redfish,
        [Parameter(ParameterSetName = 'Redfish')] [switch] $SkipCertificateCheck,
        [Parameter(ParameterSetName = 'HyperV', Mandatory = $true)] [string] $HyperVHost,
        [Parameter(ParameterSetName = 'HyperV', Mandatory = $true)] [string] $VmName,
        [string] $CredentialVariable,
        [ValidateRange(1, [long]::MaxValue)] [long] $TimeoutMs = 60000
    )
    $control = Get-ClusterChaosPowerControl -Bound $PSBoundParameters
    Invoke-ClusterChaosOperation {
        Set-ClusterChaosHostPower -Node $Node -Control $control -To 'Off' -TimeoutMs $TimeoutMs
    }
}

function Start-ClusterChaosHost {
    <#
    .SYNOPSIS
    Powers the node on (op `power-on-node`): Redfish ResetType On, or Start-VM on the outer Hyper-V host.
    Idempotent: a node already on is left as it is (requestedAt null). Returns once the power control reads
    On, not when the node has joined the cluster.
    .OUTPUTS
    { node, via, before, powerState, requestedAt, at }
    #>
    [CmdletBinding(DefaultParameterSetName = 'Redfish')]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [Parameter(ParameterSetName = 'Redfish', Mandatory = $true)] [string] $Redfish,
        [Parameter(ParameterSetName = 'Redfish')] [switch] $SkipCertificateCheck,
        [Parameter(ParameterSetName = 'HyperV', Mandatory = $true)] [string] $HyperVHost,
        [Parameter(ParameterSetName = 'HyperV', Mandatory = $true)] [string] $VmName,
        [string] $CredentialVariable,
        [ValidateRange(1, [long]::MaxValue)] [long] $TimeoutMs = 60000
    )
    $control = Get-ClusterChaosPowerControl -Bound $PSBoundParameters
    Invoke-ClusterChaosOperation {
        Set-ClusterChaosHostPower -Node $Node -Control $control -To 'On' -TimeoutMs $TimeoutMs
    }
}

function Get-ClusterChaosPowerState {
    <#
    .SYNOPSIS
    The node's power as its power control reports it (op `power-state`, read-only; the residue scan asks it
    for a node that is not Up).
    .OUTPUTS
    { node, via, powerState }
    #>
    [CmdletBinding(DefaultParameterSetName = 'Redfish')]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [Parameter(ParameterSetName = 'Redfish', Mandatory = $true)] [string] $Redfish,
        [Parameter(ParameterSetName = 'Redfish')] [switch] $SkipCertificateCheck,
        [Parameter(ParameterSetName = 'HyperV', Mandatory = $true)] [string] $HyperVHost,
        [Parameter(ParameterSetName = 'HyperV', Mandatory = $true)] [string] $VmName,
        [string] $CredentialVariable
    )
    $control = Get-ClusterChaosPowerControl -Bound $PSBoundParameters
    Invoke-ClusterChaosOperation {
        $via = 'hyperv'
        if ($control.Redfish) { $via = 'redfish' }
        [ordered]@{ node = $Node; via = $via; powerState = (Read-ClusterChaosHostPower -Control $control) }
    }
}

function Restart-ClusterChaosNode {
    <#
    .SYNOPSIS
    An OS restart of the node (op `restart-node`): Restart-Computer -ComputerName <node> -Force from the
    management host (no -Wait: WinRM is not the cluster), then Get-ClusterNode every second until the node
    has left (Down, Joining, Unknown) and is back (Up, or Paused), at most -TimeoutMs.
    .DESCRIPTION
    With DrainOnShutdown (the cluster's, default 1) the cluster drains the node as Windows shuts down; that is
    the cluster's doing, not this function's. A read of the cluster that fails meanwhile (its name moving) is
    read again. Past the timeout the restart was asked for, but whether the node comes back is unknown.
    .OUTPUTS
    { node, requestedAt, leftAt, backAt, state, totalMs }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [ValidateRange(1, [long]::MaxValue)] [long] $TimeoutMs = 1800000
    )
    Invoke-ClusterChaosOperation {
        $restart = @{ ComputerName = $Node; Force = $true; ErrorAction = 'Stop' }
        if ($null -ne $script:ClusterChaosCredential) { $restart.Credential = $script:ClusterChaosCredential }
        $since = Get-Date
        $requestedAt = Get-ClusterChaosUtcNow
        Restart-Computer @restart
        # its remote session dies with it; the next call opens a new one
        $session = $script:ClusterChaosNodeSessions[$Node]
        if ($null -ne $session) {
            Remove-PSSession -Session $session -ErrorAction SilentlyContinue
            $script:ClusterChaosNodeSessions.Remove($Node)
        }
        $leftAt = $null
        $state = 'Up'
        while ($true) {
            $seen = $null
            try {
                $read = Read-ClusterChaosCluster -Cluster $Cluster -Nodes
                foreach ($n in @($read.nodes)) { if ([string]$n.Name -eq $Node) { $seen = [string]$n.State } }
            } catch { $seen = $null }
            if ($null -ne $seen) {
                $state = $seen
                $back = ($seen -eq 'Up' -or $seen -eq 'Paused')
                if (-not $back -and $null -eq $leftAt) { $leftAt = Get-ClusterChaosUtcNow }
                if ($back -and $null -ne $leftAt) { break }
            }
            if ((Get-ClusterChaosElapsedMs -Since $since) -ge $TimeoutMs) {
                $where = 'never left the cluster'
                if ($null -ne $leftAt) { $where = 'left the cluster at ' + $leftAt + ' and is ' + $state }
                throw (New-ClusterChaosException -Message ($Node + ' was restarted (Restart-Computer) but ' + $where + ' after ' + ($TimeoutMs / 1000) + ' s: whether it comes back is unknown; check it') -Extra @{ outcomeUnknown = $true; state = $state })
            }
            Start-Sleep -Seconds 1
        }
        [ordered]@{ node = $Node; requestedAt = $requestedAt; leftAt = $leftAt; backAt = Get-ClusterChaosUtcNow; state = $state; totalMs = (Get-ClusterChaosElapsedMs -Since $since) }
    }
}
