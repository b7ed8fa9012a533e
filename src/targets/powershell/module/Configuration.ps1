# What pre-upgrade acceptance checks, read-only: the VM cluster's SharedStoragePath, each host's live-
# migration settings and memory, each clustered VM's configuration version, memory, storage and its group's
# placement properties (Priority, AntiAffinityClassNames, preferred owners), and the versions the hosts can run.

function Get-ClusterChaosStorageKind {
    <#
    .SYNOPSIS
    Where a VM's disks live, from their paths: 'csv' (<drive>:\ClusterStorage\...), 'smb' (\\server\share\...),
    'local' (any other drive), 'unknown' (no disk, or disks of different kinds).
    #>
    param([AllowNull()] [AllowEmptyCollection()] [string[]] $Path)
    $kinds = @{}
    foreach ($one in @($Path)) {
        if (-not $one) { continue }
        if ($one -match '^[A-Za-z]:\\ClusterStorage\\') { $kinds['csv'] = $true }
        elseif ($one -match '^\\\\') { $kinds['smb'] = $true }
        else { $kinds['local'] = $true }
    }
    if ($kinds.Count -ne 1) { return 'unknown' }
    @($kinds.Keys)[0]
}

function Get-ClusterChaosSharedStoragePath {
    <#
    .SYNOPSIS
    The VM cluster's SharedStoragePath (Get-VMHostCluster, with the session's credential), or $null when none
    is configured: a cluster without the "Virtual Machine Cluster WMI" resource answers with an error
    (review N7). Only a missing Hyper-V module is an error.
    #>
    param([Parameter(Mandatory = $true)] [string] $Cluster)
    $parameters = @{ ClusterName = $Cluster; ErrorAction = 'Stop'; WarningAction = 'SilentlyContinue' }
    if ($null -ne $script:ClusterChaosCredential) { $parameters.Credential = $script:ClusterChaosCredential }
    try {
        $path = [string](Get-VMHostCluster @parameters).SharedStoragePath
    } catch [System.Management.Automation.CommandNotFoundException] {
        throw 'Get-VMHostCluster is not available here: install the Hyper-V PowerShell module on the management host'
    } catch {
        return $null
    }
    if (-not $path) { return $null }
    $path
}

function Get-ClusterChaosConfiguration {
    <#
    .SYNOPSIS
    The configuration pre-upgrade acceptance checks (op `read-configuration`), and what the PowerShell target
    compares with the experiment's description before a run (review R14). Read-only. The Hyper-V reads run on
    the nodes through their sessions, so the session's credential applies (review R17); a node that cannot be
    read fails the read, naming it. The groups' placement properties are read where the cluster objects are
    live (review B1).
    .OUTPUTS
    { sharedStoragePath, sharedStoragePathExists, hosts: [{node, liveMigrationEnabled, maximumMigrations,
      transport, memoryCapacityBytes}], vms: [{name, group, version, memoryStartupBytes,
      storage: 'csv'|'smb'|'local'|'unknown', priority, antiAffinityClassNames: string[],
      preferredOwners: string[]}], supportedVersions: string[] } - sharedStoragePathExists as Test-Path finds it
      on the first node; memoryCapacityBytes is Get-VMHost's MemoryCapacity (the host's physical memory);
      priority the group's Priority (3000 High, 2000 Medium, 1000 Low, 0 No Auto Start); preferredOwners the
      OwnerNodes of Get-ClusterOwnerNode -Group, in order of preference (none: empty).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Cluster)
    Invoke-ClusterChaosOperation {
        $state = Read-ClusterChaosCluster -Cluster $Cluster -Nodes -Vms
        $nodeNames = [string[]]@($state.nodes | ForEach-Object { $_.Name })
        if ($nodeNames.Count -eq 0) { throw ('the cluster ' + $Cluster + ' lists no node') }
        $groupsByName = @{}
        foreach ($group in $state.groups) { $groupsByName[$group.Name] = $group }

        $hostBlock = {
            param($vmIds)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $vmHost = Get-VMHost
            [pscustomobject]@{
                kind = 'host'
                liveMigrationEnabled = [bool]$vmHost.VirtualMachineMigrationEnabled
                maximumMigrations = [int]$vmHost.MaximumVirtualMachineMigrations
                transport = [string]$vmHost.VirtualMachineMigrationPerformanceOption
                memoryCapacity = [long]$vmHost.MemoryCapacity
            }
            $wanted = @{}
            foreach ($id in @($vmIds)) { if ($id) { $wanted[[string]$id] = $true } }
            foreach ($vm in @(Get-VM)) {
                if (-not $wanted.ContainsKey([string]$vm.Id)) { continue }
                [pscustomobject]@{
                    kind = 'vm'
                    Id = [string]$vm.Id
                    Name = [string]$vm.Name
                    Version = [string]$vm.Version
                    MemoryStartup = [long]$vm.MemoryStartup
                    Disks = [string[]]@(Get-VMHardDiskDrive -VM $vm | ForEach-Object { [string]$_.Path })
                }
            }
        }
        $vmIds = [string[]]@($state.vmResources | Where-Object { $_.VmId } | ForEach-Object { $_.VmId })
        $asked = Invoke-ClusterChaosNode -Node $nodeNames -ScriptBlock $hostBlock -ArgumentList @(, $vmIds)
        if ($asked.failed.Count -gt 0) {
            throw ('could not read ' + (@(foreach ($node in @($asked.failed.Keys)) { $node + ' (' + $asked.failed[$node] + ')' }) -join ', '))
        }
        $hosts = New-Object System.Collections.ArrayList
        $vmsById = @{}
        foreach ($node in $nodeNames) {
            foreach ($record in @($asked.output[$node])) {
                if ([string]$record.kind -eq 'host') {
                    [void]$hosts.Add([ordered]@{
                            node = $node
                            liveMigrationEnabled = [bool]$record.liveMigrationEnabled
                            maximumMigrations = [int]$record.maximumMigrations
                            transport = [string]$record.transport
                            memoryCapacityBytes = [long]$record.memoryCapacity
                        })
                } elseif ([string]$record.kind -eq 'vm') {
                    $vmsById[[string]$record.Id] = $record
                }
            }
        }
        # Each VM group's placement properties, where the cluster objects are live (review B1): Priority,
        # AntiAffinityClassNames, and its preferred owners in order (Get-ClusterOwnerNode -Group answers a
        # ClusterOwnerNodeList whose OwnerNodes are ClusterNode objects; empty when none is set).
        $placementBlock = {
            param($cluster, $groupNames)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $wanted = @{}
            foreach ($name in @($groupNames)) { if ($name) { $wanted[[string]$name] = $true } }
            foreach ($group in @(Get-ClusterGroup -Cluster $cluster -WarningAction SilentlyContinue)) {
                if (-not $wanted.ContainsKey([string]$group.Name)) { continue }
                $owners = New-Object System.Collections.ArrayList
                foreach ($list in @(Get-ClusterOwnerNode -Group ([string]$group.Name) -Cluster $cluster -WarningAction SilentlyContinue)) {
                    if ($null -eq $list) { continue }
                    foreach ($node in @($list.OwnerNodes)) {
                        # a node as the object or (some versions) its name
                        if ($null -eq $node) { continue }
                        if ($node -is [string]) { [void]$owners.Add($node) } else { [void]$owners.Add([string]$node.Name) }
                    }
                }
                $classes = @(foreach ($class in @($group.AntiAffinityClassNames)) { if ($null -ne $class -and [string]$class) { [string]$class } })
                [pscustomobject]@{
                    kind = 'group'
                    Name = [string]$group.Name
                    Priority = [long]$group.Priority
                    AntiAffinityClassNames = [string[]]$classes
                    PreferredOwners = [string[]]$owners.ToArray()
                }
            }
            [pscustomobject]@{ kind = 'done' }
        }
        $groupNames = [string[]]@($state.vmResources | ForEach-Object { $_.Group })
        $placementByGroup = @{}
        foreach ($record in @(Invoke-ClusterChaosCluster -ScriptBlock $placementBlock -ArgumentList @($Cluster, $groupNames))) {
            if ([string]$record.kind -eq 'group') { $placementByGroup[[string]$record.Name] = $record }
        }

        $vms = New-Object System.Collections.ArrayList
        foreach ($resource in $state.vmResources) {
            $vm = $null
            if ($resource.VmId) { $vm = $vmsById[$resource.VmId] }
            if ($null -eq $vm) { throw ("the VM of the cluster resource '" + $resource.Name + "' (group '" + $resource.Group + "') was not found on any node") }
            $placement = $placementByGroup[[string]$resource.Group]
            if ($null -eq $placement) { throw ("the group '" + $resource.Group + "' of VM '" + $vm.Name + "' is gone") }
            [void]$vms.Add([ordered]@{
                    name = [string]$vm.Name
                    group = $resource.Group
                    version = [string]$vm.Version
                    memoryStartupBytes = [long]$vm.MemoryStartup
                    storage = (Get-ClusterChaosStorageKind -Path ([string[]]@(ConvertTo-ClusterChaosStringList $vm.Disks)))
                    priority = [long]$placement.Priority
                    antiAffinityClassNames = [string[]]@(ConvertTo-ClusterChaosStringList $placement.AntiAffinityClassNames)
                    preferredOwners = [string[]]@(ConvertTo-ClusterChaosStringList $placement.PreferredOwners)
                })
        }

        # The SharedStoragePath, and whether it exists seen from the first node (it lives on a CSV).
        $sharedPath = Get-ClusterChaosSharedStoragePath -Cluster $Cluster
        $first = $nodeNames[0]
        $firstBlock = {
            param($sharedPath)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $exists = $false
            if ($sharedPath) { $exists = [bool](Test-Path -LiteralPath $sharedPath) }
            [pscustomobject]@{
                kind = 'first'
                exists = $exists
                supported = [string[]]@(Get-VMHostSupportedVersion | ForEach-Object { [string]$_.Version })
            }
        }
        $firstAnswer = @(Invoke-ClusterChaosOnNode -Node $first -ScriptBlock $firstBlock -ArgumentList @([string]$sharedPath))
        $last = $firstAnswer[$firstAnswer.Count - 1]
        [ordered]@{
            sharedStoragePath = $sharedPath
            sharedStoragePathExists = [bool]$last.exists
            hosts = @($hosts.ToArray())
            vms = @($vms.ToArray())
            supportedVersions = [string[]]@(ConvertTo-ClusterChaosStringList $last.supported)
        }
    }
}
