# The cluster as one read: nodes, groups, and the clustered VMs by their cluster resource (review R7): a
# "Virtual Machine" resource names its group (OwnerGroup) and its VM (the VmID private property), and the
# VM's own name and state come from Get-VM on the owner, joined by Id. A group's name is never taken for
# the VM's name, and Get-VM -Name (wildcards: review N2) is never used.

function Read-ClusterChaosCluster {
    <#
    .SYNOPSIS
    Nodes and/or groups and VM resources, read where the cluster objects are live (review B1), each part
    stamped with the time it was read there (review R2). VmIDs are read once per resource and cached.
    .OUTPUTS
    { nodesAt, nodes: [{Name, State, StatusInformation: string[], DrainStatus}], groupsAt,
      groups: [{Name, Id, State, OwnerNode, StatusInformation: string[]}],
      vmResources: [{Id, Name, Group, OwnerNode, VmId}] }
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [switch] $Nodes,
        [switch] $Vms
    )
    $clusterBlock = {
        param($cluster, $knownResourceIds, $withNodes, $withVms)
        $ErrorActionPreference = 'Stop'
        $WarningPreference = 'SilentlyContinue'
        $ProgressPreference = 'SilentlyContinue'
        $known = @{}
        foreach ($id in @($knownResourceIds)) { if ($id) { $known[[string]$id] = $true } }
        $described = @{}
        # A [Flags] value leaves as its raw number; its enum's members leave once, by name and raw value,
        # for the module to decompose bit by bit (review R10). Only here are the enum types loaded.
        function Get-RawFlag($value) {
            if ($null -eq $value) { return [pscustomobject]@{ raw = $null; type = $null } }
            if (-not ($value -is [enum])) { return [pscustomobject]@{ raw = [string]$value; type = $null } }
            $type = $value.GetType()
            if (-not $described.ContainsKey($type.FullName)) {
                $memberNames = @([Enum]::GetNames($type))
                $memberValues = @(foreach ($memberName in $memberNames) { [string]([Enum]::Parse($type, $memberName)).value__ })
                $described[$type.FullName] = [pscustomobject]@{
                    kind = 'flagType'
                    type = [string]$type.FullName
                    underlying = [string][Enum]::GetUnderlyingType($type).Name
                    names = [string[]]$memberNames
                    values = [string[]]$memberValues
                }
            }
            [pscustomobject]@{ raw = [string]$value.value__; type = [string]$type.FullName }
        }
        # A cluster object's name, whether the property holds the object or (some versions) its name.
        function Get-ObjectName($value) {
            if ($null -eq $value) { return '' }
            if ($value -is [string]) { return $value }
            [string]$value.Name
        }
        $nodesAt = $null
        $groupsAt = $null
        if ($withNodes) {
            $nodesAt = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
            foreach ($node in @(Get-ClusterNode -Cluster $cluster -WarningAction SilentlyContinue)) {
                $status = Get-RawFlag $node.StatusInformation
                [pscustomobject]@{
                    kind = 'node'
                    Name = [string]$node.Name
                    State = [string]$node.State
                    StatusInformation = $status.raw
                    StatusInformationType = $status.type
                    DrainStatus = [string]$node.DrainStatus
                }
            }
        }
        if ($withVms) {
            $groupsAt = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
            foreach ($group in @(Get-ClusterGroup -Cluster $cluster -WarningAction SilentlyContinue)) {
                $status = Get-RawFlag $group.StatusInformation
                [pscustomobject]@{
                    kind = 'group'
                    Name = [string]$group.Name
                    Id = [string]$group.Id
                    State = [string]$group.State
                    OwnerNode = Get-ObjectName $group.OwnerNode
                    StatusInformation = $status.raw
                    StatusInformationType = $status.type
                }
            }
            $resources = @(Get-ClusterResource -Cluster $cluster -WarningAction SilentlyContinue | Where-Object { [string]$_.ResourceType -eq 'Virtual Machine' })
            foreach ($resource in $resources) {
                $vmId = $null
                if (-not $known.ContainsKey([string]$resource.Id)) {
                    $vmId = [string](Get-ClusterParameter -InputObject $resource -Name 'VmID' -WarningAction SilentlyContinue).Value
                }
                [pscustomobject]@{
                    kind = 'vmResource'
                    Id = [string]$resource.Id
                    Name = [string]$resource.Name
                    Group = Get-ObjectName $resource.OwnerGroup
                    OwnerNode = Get-ObjectName $resource.OwnerNode
                    VmId = $vmId
                }
            }
        }
        foreach ($definition in @($described.Values)) { $definition }
        [pscustomobject]@{ kind = 'stamp'; nodesAt = $nodesAt; groupsAt = $groupsAt }
    }

    $known = @($script:ClusterChaosVmIds.Keys)
    $records = @(Invoke-ClusterChaosCluster -ScriptBlock $clusterBlock -ArgumentList @($Cluster, $known, [bool]$Nodes, [bool]$Vms))

    $definitions = @{}
    foreach ($record in $records) {
        if ([string]$record.kind -eq 'flagType') { $definitions[[string]$record.type] = $record }
    }
    $nodeRows = New-Object System.Collections.ArrayList
    $groupRows = New-Object System.Collections.ArrayList
    $resourceRows = New-Object System.Collections.ArrayList
    $stamp = $null
    foreach ($record in $records) {
        switch ([string]$record.kind) {
            'node' {
                $flags = [string[]]@(ConvertTo-ClusterChaosFlagName -Value $record.StatusInformation -Definition $definitions[[string]$record.StatusInformationType])
                [void]$nodeRows.Add([pscustomobject]@{
                        Name = [string]$record.Name
                        State = [string]$record.State
                        StatusInformation = $flags
                        DrainStatus = [string]$record.DrainStatus
                    })
            }
            'group' {
                $flags = [string[]]@(ConvertTo-ClusterChaosFlagName -Value $record.StatusInformation -Definition $definitions[[string]$record.StatusInformationType])
                [void]$groupRows.Add([pscustomobject]@{
                        Name = [string]$record.Name
                        Id = [string]$record.Id
                        State = [string]$record.State
                        OwnerNode = [string]$record.OwnerNode
                        StatusInformation = $flags
                    })
            }
            'vmResource' {
                $id = [string]$record.Id
                if ($record.VmId) { $script:ClusterChaosVmIds[$id] = [string]$record.VmId }
                [void]$resourceRows.Add([pscustomobject]@{
                        Id = $id
                        Name = [string]$record.Name
                        Group = [string]$record.Group
                        OwnerNode = [string]$record.OwnerNode
                        VmId = [string]$script:ClusterChaosVmIds[$id]
                    })
            }
            'stamp' { $stamp = $record }
        }
    }
    if ($null -eq $stamp) { throw 'the cluster read ended early (no stamp)' }
    [pscustomobject]@{
        nodesAt = $stamp.nodesAt
        nodes = $nodeRows.ToArray()
        groupsAt = $stamp.groupsAt
        groups = $groupRows.ToArray()
        vmResources = $resourceRows.ToArray()
    }
}

function Get-ClusterChaosVmInventory {
    <#
    .SYNOPSIS
    Every clustered VM: its cluster resource and group, joined by Id to Get-VM on the group's owner (review
    R7), asked through the owners' sessions (review R17). A VM whose owner could not be asked is 'Unknown',
    named as last seen (or by its group until it has been seen).
    .OUTPUTS
    { cluster (Read-ClusterChaosCluster's answer), vms: [{Name, Named, VmId, Group, GroupId, State,
      GroupState, OwnerNode, StatusInformation}], vmsAt: { node: time its Get-VM ran }, unreachable: string[],
      failures: { node: message } }
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [switch] $Nodes
    )
    $state = Read-ClusterChaosCluster -Cluster $Cluster -Nodes:$Nodes -Vms
    $groupsByName = @{}
    foreach ($group in $state.groups) { $groupsByName[$group.Name] = $group }

    $owners = New-Object System.Collections.ArrayList
    foreach ($resource in $state.vmResources) {
        $group = $groupsByName[$resource.Group]
        $owner = $resource.OwnerNode
        if ($null -ne $group -and $group.OwnerNode) { $owner = $group.OwnerNode }
        if ($owner -and -not $owners.Contains($owner)) { [void]$owners.Add($owner) }
    }
    $vmBlock = {
        $ErrorActionPreference = 'Stop'
        $WarningPreference = 'SilentlyContinue'
        $ProgressPreference = 'SilentlyContinue'
        $at = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
        foreach ($vm in @(Get-VM)) {
            [pscustomobject]@{ kind = 'vm'; Id = [string]$vm.Id; Name = [string]$vm.Name; State = [string]$vm.State }
        }
        [pscustomobject]@{ kind = 'done'; at = $at }
    }
    $asked = Invoke-ClusterChaosNode -Node ([string[]]$owners.ToArray()) -ScriptBlock $vmBlock
    # Id -> { node, vm } for every VM the owners reported (an Id is unique across hosts), and when each owner
    # read them (review R2: each sub-query stamped where it ran)
    $seen = @{}
    $vmsAt = [ordered]@{}
    foreach ($node in @($asked.output.Keys)) {
        foreach ($record in @($asked.output[$node])) {
            if ([string]$record.kind -eq 'vm') { $seen[[string]$record.Id] = [pscustomobject]@{ node = $node; vm = $record } }
            elseif ([string]$record.kind -eq 'done') { $vmsAt[$node] = [string]$record.at }
        }
    }
    $rows = New-Object System.Collections.ArrayList
    foreach ($resource in $state.vmResources) {
        $group = $groupsByName[$resource.Group]
        $owner = $resource.OwnerNode
        $groupState = 'Unknown'
        $groupId = ''
        $statusInformation = [string[]]@()
        if ($null -ne $group) {
            if ($group.OwnerNode) { $owner = $group.OwnerNode }
            $groupState = $group.State
            $groupId = $group.Id
            $statusInformation = $group.StatusInformation
        }
        $found = $null
        if ($resource.VmId) { $found = $seen[$resource.VmId] }
        $name = $resource.Group
        $named = $false
        $vmState = 'Unknown'
        if ($null -ne $found) {
            $name = [string]$found.vm.Name
            $named = $true
            $vmState = [string]$found.vm.State
            $script:ClusterChaosVmNames[$resource.VmId] = $name
        } elseif ($resource.VmId -and $script:ClusterChaosVmNames.ContainsKey($resource.VmId)) {
            $name = [string]$script:ClusterChaosVmNames[$resource.VmId]
        }
        [void]$rows.Add([pscustomobject]@{
                Name = $name
                Named = $named
                VmId = $resource.VmId
                Group = $resource.Group
                GroupId = $groupId
                State = $vmState
                GroupState = $groupState
                OwnerNode = $owner
                StatusInformation = $statusInformation
            })
    }
    [pscustomobject]@{
        cluster = $state
        vms = $rows.ToArray()
        vmsAt = $vmsAt
        unreachable = [string[]]@($asked.failed.Keys)
        failures = $asked.failed
    }
}

function Resolve-ClusterChaosVm {
    <#
    .SYNOPSIS
    The inventory rows of the VMs named (exact names, as Get-VM reports them on their owner); an error when
    one is not found or is found twice.
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string[]] $Name
    )
    $inventory = Get-ClusterChaosVmInventory -Cluster $Cluster
    foreach ($wanted in $Name) {
        $matching = @($inventory.vms | Where-Object { $_.Named -and $_.Name -eq $wanted })
        if ($matching.Count -eq 1) { $matching[0]; continue }
        if ($matching.Count -gt 1) {
            throw ("two clustered VMs are named '" + $wanted + "' (groups " + (@($matching | ForEach-Object { "'" + $_.Group + "'" }) -join ', ') + '); rename one')
        }
        $message = "no clustered VM named '" + $wanted + "' on the cluster " + $Cluster
        if ($inventory.unreachable.Count -gt 0) {
            $reasons = @(foreach ($node in $inventory.unreachable) { $node + ': ' + $inventory.failures[$node] })
            $message += ' (these owners could not be asked: ' + ($reasons -join '; ') + ')'
        }
        throw $message
    }
}

function Read-ClusterChaosGroupOwner {
    <#
    .SYNOPSIS
    Group Id -> owner node name, for the groups given (a read of Get-ClusterGroup only: the failback wait).
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [AllowEmptyCollection()] [string[]] $GroupId
    )
    $ownerBlock = {
        param($cluster, $ids)
        $ErrorActionPreference = 'Stop'
        $WarningPreference = 'SilentlyContinue'
        $wanted = @{}
        foreach ($id in @($ids)) { $wanted[[string]$id] = $true }
        foreach ($group in @(Get-ClusterGroup -Cluster $cluster -WarningAction SilentlyContinue)) {
            if ($wanted.ContainsKey([string]$group.Id)) {
                [pscustomobject]@{ kind = 'group'; Id = [string]$group.Id; Name = [string]$group.Name; OwnerNode = [string]$group.OwnerNode.Name }
            }
        }
        [pscustomobject]@{ kind = 'done' }
    }
    $owners = @{}
    foreach ($record in @(Invoke-ClusterChaosCluster -ScriptBlock $ownerBlock -ArgumentList @($Cluster, $GroupId))) {
        if ([string]$record.kind -eq 'group') { $owners[[string]$record.Id] = [string]$record.OwnerNode }
    }
    $owners
}
