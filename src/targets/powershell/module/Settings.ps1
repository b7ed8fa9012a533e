# Cluster properties (Get-Cluster) and a VM group's own ResiliencyPeriod, set on the live objects where
# FailoverClusters runs and read back from fresh ones: a value that did not take is an error (review B1, B5).

function Read-ClusterChaosSettingValue {
    <#
    .SYNOPSIS
    name -> integer, or $null where the cluster has no such property (review B4).
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [AllowEmptyCollection()] [string[]] $Name
    )
    $clusterBlock = {
        param($cluster, $names)
        $ErrorActionPreference = 'Stop'
        $WarningPreference = 'SilentlyContinue'
        $clusterObject = Get-Cluster -Name $cluster -WarningAction SilentlyContinue
        foreach ($name in @($names)) {
            $property = $clusterObject.PSObject.Properties[[string]$name]
            $value = $null
            if ($null -ne $property -and $null -ne $property.Value) {
                try { $value = [long]$property.Value } catch { throw ('the cluster property ' + $name + ' is not a number (' + [string]$property.Value + ')') }
            }
            [pscustomobject]@{ kind = 'setting'; name = [string]$name; value = $value }
        }
        [pscustomobject]@{ kind = 'done' }
    }
    $values = [ordered]@{}
    foreach ($record in @(Invoke-ClusterChaosCluster -ScriptBlock $clusterBlock -ArgumentList @($Cluster, $Name))) {
        if ([string]$record.kind -eq 'setting') {
            $value = $null
            if ($null -ne $record.value) { $value = [long]$record.value }
            $values[[string]$record.name] = $value
        }
    }
    $values
}

function Get-ClusterChaosSetting {
    <#
    .SYNOPSIS
    Current values of cluster properties (op `get-settings`). Read-only.
    .OUTPUTS
    { values: { <name>: <integer> | null } } - null: the cluster has no such property (review B4).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [AllowEmptyCollection()] [string[]] $Name
    )
    Invoke-ClusterChaosOperation {
        [ordered]@{ values = (Read-ClusterChaosSettingValue -Cluster $Cluster -Name $Name) }
    }
}

function Set-ClusterChaosSetting {
    <#
    .SYNOPSIS
    Sets cluster properties in the order given (op `set-settings`) on the live Get-Cluster object where
    FailoverClusters runs, then reads them back from a fresh Get-Cluster (review B1). A property the cluster
    lacks refuses the whole change before anything is set; a value that did not take is an error, and every
    property changed is put back first.
    .OUTPUTS
    { values: { <name>: <integer> } } as read back.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string[]] $Name,
        [Parameter(Mandatory = $true)] [long[]] $Value
    )
    Invoke-ClusterChaosOperation {
        if ($Name.Count -ne $Value.Count) { throw ('' + $Name.Count + ' names but ' + $Value.Count + ' values; nothing was changed') }
        $clusterBlock = {
            param($cluster, $names, $values)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $names = @($names)
            $values = @($values)
            $clusterObject = Get-Cluster -Name $cluster -WarningAction SilentlyContinue
            $missing = @(foreach ($name in $names) { if ($null -eq $clusterObject.PSObject.Properties[[string]$name]) { [string]$name } })
            if ($missing.Count -gt 0) { throw ('the cluster has no property ' + ($missing -join ', ') + '; nothing was changed') }
            $previous = [ordered]@{}
            foreach ($name in $names) { $previous[[string]$name] = $clusterObject.$name }
            $problem = $null
            try {
                # Set on the live object: its setter writes to the cluster at once (B1: never on a copy).
                for ($i = 0; $i -lt $names.Count; $i++) { $clusterObject.($names[$i]) = $values[$i] }
                # Read back from a fresh object: what the cluster now holds.
                $fresh = Get-Cluster -Name $cluster -WarningAction SilentlyContinue
                $notTaken = @(for ($i = 0; $i -lt $names.Count; $i++) {
                        $now = $fresh.($names[$i])
                        if ($null -eq $now -or [long]$now -ne [long]$values[$i]) {
                            [string]$names[$i] + ' is ' + [string]$now + ' after setting it to ' + [string]$values[$i]
                        }
                    })
                if ($notTaken.Count -gt 0) { $problem = 'the cluster did not take the change: ' + ($notTaken -join '; ') }
            } catch {
                $problem = [string]$_.Exception.Message
            }
            if ($null -ne $problem) {
                # Put back what changed, each on its own, so a failure means "did not happen".
                $undoErrors = @()
                $current = Get-Cluster -Name $cluster -WarningAction SilentlyContinue
                foreach ($name in @($previous.Keys)) {
                    try {
                        if ([string]$current.$name -ne [string]$previous[$name]) { $current.$name = $previous[$name] }
                    } catch { $undoErrors += ($name + ': ' + $_.Exception.Message) }
                }
                if ($undoErrors.Count -gt 0) { $problem += '; putting the previous values back failed: ' + ($undoErrors -join '; ') }
                else { $problem += '; the previous values were put back' }
                throw $problem
            }
            for ($i = 0; $i -lt $names.Count; $i++) {
                [pscustomobject]@{ kind = 'setting'; name = [string]$names[$i]; value = [long]$fresh.($names[$i]) }
            }
            [pscustomobject]@{ kind = 'done' }
        }
        $values = [ordered]@{}
        foreach ($record in @(Invoke-ClusterChaosCluster -ScriptBlock $clusterBlock -ArgumentList @($Cluster, $Name, $Value))) {
            if ([string]$record.kind -eq 'setting') { $values[[string]$record.name] = [long]$record.value }
        }
        [ordered]@{ values = $values }
    }
}

function Get-ClusterChaosVmSetting {
    <#
    .SYNOPSIS
    Each VM's own ResiliencyPeriod, from its real group (found by its Virtual Machine resource: review B5,
    R7) (op `get-vm-settings`). Read-only.
    .OUTPUTS
    { vms: [{ name, group, resiliencyPeriod }] }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string[]] $Vm
    )
    Invoke-ClusterChaosOperation {
        $rows = @(Resolve-ClusterChaosVm -Cluster $Cluster -Name $Vm)
        $periodBlock = {
            param($cluster, $ids)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $wanted = @{}
            foreach ($id in @($ids)) { $wanted[[string]$id] = $true }
            foreach ($group in @(Get-ClusterGroup -Cluster $cluster -WarningAction SilentlyContinue)) {
                if ($wanted.ContainsKey([string]$group.Id)) {
                    [pscustomobject]@{ kind = 'group'; Id = [string]$group.Id; Name = [string]$group.Name; ResiliencyPeriod = [long]$group.ResiliencyPeriod }
                }
            }
            [pscustomobject]@{ kind = 'done' }
        }
        $periods = @{}
        foreach ($record in @(Invoke-ClusterChaosCluster -ScriptBlock $periodBlock -ArgumentList @($Cluster, [string[]]@($rows | ForEach-Object { $_.GroupId })))) {
            if ([string]$record.kind -eq 'group') { $periods[[string]$record.Id] = $record }
        }
        [ordered]@{
            vms = @(foreach ($row in $rows) {
                    $group = $periods[$row.GroupId]
                    if ($null -eq $group) { throw ("the group '" + $row.Group + "' of VM '" + $row.Name + "' is gone") }
                    [ordered]@{ name = $row.Name; group = [string]$group.Name; resiliencyPeriod = [long]$group.ResiliencyPeriod }
                })
        }
    }
}

function Set-ClusterChaosVmSetting {
    <#
    .SYNOPSIS
    Sets a VM's own ResiliencyPeriod on its real group's live object and reads it back (review B5, B1) (op
    `set-vm-settings`); a value that did not take is an error, with the previous one put back.
    .OUTPUTS
    { name, group, previous, value }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Vm,
        [Parameter(Mandatory = $true)] [uint32] $ResiliencyPeriod
    )
    Invoke-ClusterChaosOperation {
        $row = @(Resolve-ClusterChaosVm -Cluster $Cluster -Name @($Vm))[0]
        $periodBlock = {
            param($cluster, $groupId, $value)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            function Get-Group {
                $found = @(Get-ClusterGroup -Cluster $cluster -WarningAction SilentlyContinue | Where-Object { [string]$_.Id -eq $groupId })
                if ($found.Count -ne 1) { throw ('the group ' + $groupId + ' is gone') }
                $found[0]
            }
            $group = Get-Group
            $previous = [long]$group.ResiliencyPeriod
            $problem = $null
            try {
                $group.ResiliencyPeriod = $value
                $now = [long](Get-Group).ResiliencyPeriod
                if ($now -ne [long]$value) { $problem = "the group '" + [string]$group.Name + "' has ResiliencyPeriod " + $now + ' after setting it to ' + $value }
            } catch {
                $problem = [string]$_.Exception.Message
            }
            if ($null -ne $problem) {
                try {
                    $again = Get-Group
                    if ([long]$again.ResiliencyPeriod -ne $previous) { $again.ResiliencyPeriod = $previous }
                    $problem += '; the previous value ' + $previous + ' was put back'
                } catch { $problem += '; putting the previous value ' + $previous + ' back failed: ' + $_.Exception.Message }
                throw $problem
            }
            [pscustomobject]@{ kind = 'group'; Name = [string]$group.Name; previous = $previous; value = $now }
        }
        $record = @(Invoke-ClusterChaosCluster -ScriptBlock $periodBlock -ArgumentList @($Cluster, $row.GroupId, $ResiliencyPeriod))
        $answer = $record[$record.Count - 1]
        [ordered]@{ name = $row.Name; group = [string]$answer.Name; previous = [long]$answer.previous; value = [long]$answer.value }
    }
}
