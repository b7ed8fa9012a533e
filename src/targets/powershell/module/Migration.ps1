# Live migration: one VM moved, a move cancelled, a node drained and resumed - each optionally with the
# hosts' live-migration transport set for the moves and put back afterwards.

function Set-ClusterChaosTransport {
    <#
    .SYNOPSIS
    Sets each host's live-migration transport (Set-VMHost -VirtualMachineMigrationPerformanceOption; SMBDirect
    is SMB over RDMA NICs) and returns host -> its own setting. A host that cannot be set puts back those
    already set and fails: nothing changed.
    #>
    param(
        [Parameter(Mandatory = $true)] [string[]] $Node,
        [Parameter(Mandatory = $true)] [ValidateSet('TCPIP', 'Compression', 'SMB', 'SMBDirect')] [string] $Transport
    )
    $option = $Transport
    if ($option -eq 'SMBDirect') { $option = 'SMB' }
    $setBlock = {
        param($option)
        $ErrorActionPreference = 'Stop'
        $WarningPreference = 'SilentlyContinue'
        $own = [string](Get-VMHost).VirtualMachineMigrationPerformanceOption
        Set-VMHost -VirtualMachineMigrationPerformanceOption $option
        [pscustomobject]@{ previous = $own }
    }
    $result = Invoke-ClusterChaosNode -Node $Node -ScriptBlock $setBlock -ArgumentList @($option)
    $previous = [ordered]@{}
    foreach ($name in @($result.output.Keys)) {
        $answer = @($result.output[$name])
        $previous[$name] = [string]$answer[$answer.Count - 1].previous
    }
    if ($result.failed.Count -gt 0) {
        $why = @(foreach ($name in @($result.failed.Keys)) { $name + ': ' + $result.failed[$name] })
        $restoreErrors = @(Restore-ClusterChaosTransport -Previous $previous)
        $message = 'setting the live-migration transport ' + $Transport + ' failed on ' + ($why -join '; ')
        if ($restoreErrors.Count -gt 0) { $message += '; putting it back failed on ' + ($restoreErrors -join '; ') } else { $message += '; nothing was changed' }
        throw (New-ClusterChaosException -Message $message -Extra @{ restoreErrors = [string[]]$restoreErrors })
    }
    $previous
}

function Restore-ClusterChaosTransport {
    <#
    .SYNOPSIS
    Puts each host's own transport back, each host in its own try (review R13): one host that cannot be
    reached does not keep the others on the transport under test. Returns the errors, '<node>: <message>'.
    #>
    param([AllowNull()] [System.Collections.IDictionary] $Previous)
    if ($null -eq $Previous) { return }
    $restoreBlock = {
        param($option)
        $ErrorActionPreference = 'Stop'
        $WarningPreference = 'SilentlyContinue'
        Set-VMHost -VirtualMachineMigrationPerformanceOption $option
        [pscustomobject]@{ kind = 'done' }
    }
    foreach ($name in @($Previous.Keys)) {
        try {
            Invoke-ClusterChaosOnNode -Node $name -ScriptBlock $restoreBlock -ArgumentList @([string]$Previous[$name]) | Out-Null
        } catch {
            [string]$_.Exception.Message
        }
    }
}

function Get-ClusterChaosTransportHost {
    <#
    .SYNOPSIS
    The hosts a drain or failback may move VMs between: the node itself and every node that is Up.
    #>
    param([Parameter(Mandatory = $true)] $Nodes, [Parameter(Mandatory = $true)] [string] $Node)
    $hosts = New-Object System.Collections.ArrayList
    [void]$hosts.Add($Node)
    foreach ($one in @($Nodes)) {
        if ($one.State -eq 'Up' -and -not ($hosts -contains $one.Name)) { [void]$hosts.Add($one.Name) }
    }
    $hosts.ToArray()
}

function Join-ClusterChaosFailure {
    <#
    .SYNOPSIS
    An operation's own error, with the transports that could not be put back after it (review R13: both
    reported, the operation's error first).
    #>
    param([Parameter(Mandatory = $true)] [string] $Message, [AllowEmptyCollection()] [string[]] $RestoreErrors = @(), [hashtable] $Extra = @{})
    $text = $Message
    if ($RestoreErrors.Count -gt 0) { $text += '; and putting the live-migration transport back failed on ' + ($RestoreErrors -join '; ') }
    $fields = @{ restoreErrors = [string[]]$RestoreErrors }
    foreach ($key in $Extra.Keys) { $fields[$key] = $Extra[$key] }
    New-ClusterChaosException -Message $text -Extra $fields
}

function Move-ClusterChaosVm {
    <#
    .SYNOPSIS
    Live-migrates a VM (op `live-migrate`): Move-ClusterVirtualMachineRole -MigrationType Live on its real
    group (found by its Virtual Machine resource: review R7), which returns once the move completed or
    failed; with -Transport, the source and the target use it for the move and get their own back after,
    each in its own try (review R13). The owner is read back: it must be the node asked for.
    .OUTPUTS
    { vm, group, source, target, totalMs, startedAt, endedAt, restoreErrors: string[] }. A failure answers
    { error, restoreErrors }: the move's own error, then any transport not put back.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Vm,
        [Parameter(Mandatory = $true)] [string] $Node,
        [ValidateSet('', 'TCPIP', 'Compression', 'SMB', 'SMBDirect')] [string] $Transport = ''
    )
    Invoke-ClusterChaosOperation {
        $row = @(Resolve-ClusterChaosVm -Cluster $Cluster -Name @($Vm))[0]
        $source = $row.OwnerNode
        $previous = $null
        if ($Transport) {
            $hosts = @($source)
            if ($Node -ne $source) { $hosts += $Node }
            $previous = Set-ClusterChaosTransport -Node ([string[]]$hosts) -Transport $Transport
        }
        $moveBlock = {
            param($cluster, $group, $node)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            # Without -Wait the cmdlet returns once the live migration has completed (or failed).
            Move-ClusterVirtualMachineRole -Name $group -Node $node -MigrationType Live -Cluster $cluster -WarningAction SilentlyContinue | Out-Null
            [pscustomobject]@{ kind = 'done' }
        }
        $moveError = $null
        $startedAt = Get-Date
        try {
            Invoke-ClusterChaosCluster -ScriptBlock $moveBlock -ArgumentList @($Cluster, $row.Group, $Node) | Out-Null
        } catch {
            $moveError = [string]$_.Exception.Message
        }
        $endedAt = Get-Date
        $restoreErrors = [string[]]@(Restore-ClusterChaosTransport -Previous $previous)
        # a failed move says where the VM was when it started (the models judge where it should be now)
        if ($null -ne $moveError) { throw (Join-ClusterChaosFailure -Message $moveError -RestoreErrors $restoreErrors -Extra @{ vm = [string]$row.Name; source = [string]$source; target = $Node }) }

        # Where its group is owned after the move. The cmdlet said the move completed; a group still owned
        # elsewhere is the cluster's to answer for, and the checker's to judge from what the polls see, so it
        # is reported (owner), not turned into a failed move.
        $owners = Read-ClusterChaosGroupOwner -Cluster $Cluster -GroupId @($row.GroupId)
        $owner = [string]$owners[$row.GroupId]
        $invariant = [Globalization.CultureInfo]::InvariantCulture
        [ordered]@{
            vm = $row.Name
            group = $row.Group
            source = $source
            target = $Node
            owner = $owner
            totalMs = [long][math]::Round(($endedAt - $startedAt).TotalMilliseconds)
            startedAt = $startedAt.ToUniversalTime().ToString('o', $invariant)
            endedAt = $endedAt.ToUniversalTime().ToString('o', $invariant)
            restoreErrors = $restoreErrors
        }
    }
}

function Stop-ClusterChaosMigration {
    <#
    .SYNOPSIS
    Cancels the VM's live migration in progress (op `cancel-live-migration`): Move-ClusterVirtualMachineRole
    -Cancel on its real group. Sent from a second shell that imports this same module (review N10), so it
    runs FailoverClusters the same way and prints the same framed answer. Whether the migration really was
    cancelled is told by the migration's own call.
    .OUTPUTS
    {}
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Vm
    )
    Invoke-ClusterChaosOperation {
        $row = @(Resolve-ClusterChaosVm -Cluster $Cluster -Name @($Vm))[0]
        $cancelBlock = {
            param($cluster, $group)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            Move-ClusterVirtualMachineRole -Name $group -Cancel -Cluster $cluster -WarningAction SilentlyContinue | Out-Null
            [pscustomobject]@{ kind = 'done' }
        }
        Invoke-ClusterChaosCluster -ScriptBlock $cancelBlock -ArgumentList @($Cluster, $row.Group) | Out-Null
        [ordered]@{}
    }
}

function Suspend-ClusterChaosNode {
    <#
    .SYNOPSIS
    Pauses the node (op `suspend-node`): Suspend-ClusterNode [-Drain] -Wait, which with -Drain moves its roles
    away first (VMs by live migration) and returns once that ended. A drain the cluster reports Failed
    (DrainStatus) is an error; the node then stays Paused. With -Transport, the node and every node that is
    Up use it during the drain, each put back after in its own try (review R13).
    .OUTPUTS
    { node, totalMs, vms: string[], migrations: [{vm, source, target}], restoreErrors: string[] } - vms: the
    VMs the node owned before; migrations: where each of them is now.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [switch] $Drain,
        [ValidateSet('', 'TCPIP', 'Compression', 'SMB', 'SMBDirect')] [string] $Transport = ''
    )
    Invoke-ClusterChaosOperation {
        $inventory = Get-ClusterChaosVmInventory -Cluster $Cluster -Nodes
        $owned = @($inventory.vms | Where-Object { $_.OwnerNode -eq $Node })
        $previous = $null
        if ($Transport) {
            $previous = Set-ClusterChaosTransport -Node ([string[]]@(Get-ClusterChaosTransportHost -Nodes $inventory.cluster.nodes -Node $Node)) -Transport $Transport
        }
        $suspendBlock = {
            param($cluster, $node, $drain)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            Suspend-ClusterNode -Name $node -Cluster $cluster -Drain:$drain -Wait -WarningAction SilentlyContinue | Out-Null
            [pscustomobject]@{ kind = 'done'; DrainStatus = [string](Get-ClusterNode -Name $node -Cluster $cluster -WarningAction SilentlyContinue).DrainStatus }
        }
        $failure = $null
        $drainStatus = ''
        $startedAt = Get-Date
        try {
            $answer = @(Invoke-ClusterChaosCluster -ScriptBlock $suspendBlock -ArgumentList @($Cluster, $Node, [bool]$Drain))
            $drainStatus = [string]$answer[$answer.Count - 1].DrainStatus
        } catch {
            $failure = [string]$_.Exception.Message
        }
        $totalMs = Get-ClusterChaosElapsedMs -Since $startedAt
        $restoreErrors = [string[]]@(Restore-ClusterChaosTransport -Previous $previous)
        # A drain that could not move everything leaves the node Paused with DrainStatus Failed.
        if ($null -eq $failure -and $Drain -and $drainStatus -eq 'Failed') { $failure = 'the drain of ' + $Node + ' failed (DrainStatus Failed); the node stays Paused' }
        if ($null -ne $failure) { throw (Join-ClusterChaosFailure -Message $failure -RestoreErrors $restoreErrors) }

        $migrations = @()
        if ($owned.Count -gt 0) {
            $owners = Read-ClusterChaosGroupOwner -Cluster $Cluster -GroupId ([string[]]@($owned | ForEach-Object { $_.GroupId }))
            $migrations = @(foreach ($vm in $owned) {
                    $now = [string]$owners[$vm.GroupId]
                    if ($now -and $now -ne $Node) { [ordered]@{ vm = $vm.Name; source = $Node; target = $now } }
                })
        }
        [ordered]@{
            node = $Node
            totalMs = $totalMs
            vms = [string[]]@(ConvertTo-ClusterChaosStringList @($owned | ForEach-Object { $_.Name }))
            migrations = $migrations
            restoreErrors = $restoreErrors
        }
    }
}

function Resume-ClusterChaosNode {
    <#
    .SYNOPSIS
    Resumes the node (op `resume-node`): Resume-ClusterNode -Failback Immediate | NoFailback.
    .DESCRIPTION
    Resume-ClusterNode has no -Wait: the failback moves are only queued when it returns (review R3). With
    -Failback, the function waits - checking the groups' owners, Start-Sleep 1 between checks, up to
    -TimeoutMs - until every VM in -Vm is owned by the node again, and only then puts the transport back, so
    the failback moves run on the transport under test. A check that fails counts as "not back yet".
    .OUTPUTS
    { node, totalMs, failbackMs, notBack: string[], migrations: [{vm, source, target}], restoreErrors: string[] }
    - totalMs: the Resume-ClusterNode call; failbackMs: from the call until every VM was back (or the
    timeout), null without -Failback or -Vm; notBack: the VMs of -Vm not on the node when the wait ended.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [switch] $Failback,
        [ValidateSet('', 'TCPIP', 'Compression', 'SMB', 'SMBDirect')] [string] $Transport = '',
        [AllowEmptyCollection()] [string[]] $Vm = @(),
        [ValidateRange(0, [long]::MaxValue)] [long] $TimeoutMs = 1800000
    )
    Invoke-ClusterChaosOperation {
        $wanted = @()
        $nodes = @()
        $names = @($Vm | Where-Object { $_ })
        if ($Failback -and $names.Count -gt 0) { $wanted = @(Resolve-ClusterChaosVm -Cluster $Cluster -Name $names) }
        $previous = $null
        if ($Transport) {
            $nodes = @((Read-ClusterChaosCluster -Cluster $Cluster -Nodes).nodes)
            $previous = Set-ClusterChaosTransport -Node ([string[]]@(Get-ClusterChaosTransportHost -Nodes $nodes -Node $Node)) -Transport $Transport
        }
        $resumeBlock = {
            param($cluster, $node, $failbackType)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            Resume-ClusterNode -Name $node -Failback $failbackType -Cluster $cluster -WarningAction SilentlyContinue | Out-Null
            [pscustomobject]@{ kind = 'done' }
        }
        $failbackType = 'NoFailback'
        if ($Failback) { $failbackType = 'Immediate' }
        $failure = $null
        $failbackMs = $null
        $notBack = @()
        $owners = @{}
        $startedAt = Get-Date
        try {
            Invoke-ClusterChaosCluster -ScriptBlock $resumeBlock -ArgumentList @($Cluster, $Node, $failbackType) | Out-Null
        } catch {
            $failure = [string]$_.Exception.Message
        }
        $totalMs = Get-ClusterChaosElapsedMs -Since $startedAt
        if ($null -eq $failure -and $wanted.Count -gt 0) {
            # R3: wait for the failback before the transport goes back.
            $groupIds = [string[]]@($wanted | ForEach-Object { $_.GroupId })
            while ($true) {
                try { $owners = Read-ClusterChaosGroupOwner -Cluster $Cluster -GroupId $groupIds } catch { $owners = @{} }
                $notBack = @($wanted | Where-Object { [string]$owners[$_.GroupId] -ne $Node })
                if ($notBack.Count -eq 0) { break }
                if ((Get-ClusterChaosElapsedMs -Since $startedAt) -ge $TimeoutMs) { break }
                Start-Sleep -Seconds 1
            }
            $failbackMs = Get-ClusterChaosElapsedMs -Since $startedAt
        }
        $restoreErrors = [string[]]@(Restore-ClusterChaosTransport -Previous $previous)
        if ($null -ne $failure) { throw (Join-ClusterChaosFailure -Message $failure -RestoreErrors $restoreErrors) }
        $migrations = @(foreach ($vm in $wanted) {
                $now = [string]$owners[$vm.GroupId]
                if ($now -eq $Node -and $vm.OwnerNode -ne $Node) { [ordered]@{ vm = $vm.Name; source = $vm.OwnerNode; target = $Node } }
            })
        [ordered]@{
            node = $Node
            totalMs = $totalMs
            failbackMs = $failbackMs
            notBack = [string[]]@(ConvertTo-ClusterChaosStringList @($notBack | ForEach-Object { $_.Name }))
            migrations = $migrations
            restoreErrors = $restoreErrors
        }
    }
}
