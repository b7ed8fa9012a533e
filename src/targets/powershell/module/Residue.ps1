# What a run may have left behind, read-only: nodes not Up, the run's firewall rules and tasks, settings,
# clussvc not running or not starting as before, hosts on another live-migration transport.

function Get-ClusterChaosResidue {
    <#
    .SYNOPSIS
    The residue scan (op `residue`). Read-only.
    .OUTPUTS
    { nodes: [{Name, State, StatusInformation: string[], DrainStatus}], firewallRules: string[],
      tasks: string[], settings: { <name>: <integer> | null }, unchecked: string[],
      services: [{node, status, startType}], transports: [{node, transport}] }
    firewallRules and tasks as '<node>/<name>' (the tag's rules; the tag's heal tasks - isolate-network's,
    fail-witness's, fail-storage's per volume - and the hold-down's lift task); unchecked: the nodes that could
    not be asked.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Tag,
        [AllowEmptyCollection()] [string[]] $Name = @()
    )
    Invoke-ClusterChaosOperation {
        Assert-ClusterChaosRunTag -Tag $Tag
        $state = Read-ClusterChaosCluster -Cluster $Cluster -Nodes
        $nodeBlock = {
            param($tag)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $rules = [string[]]@(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag } | ForEach-Object { [string]$_.Name })
            $tasks = [string[]]@(foreach ($taskName in @(($tag + '-heal'), ($tag + '-witness-heal'), ($tag + '-storage-*-heal'), 'clusterchaos-clussvc-holddown')) {
                    Get-ScheduledTask -TaskName $taskName -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.TaskName }
                })
            $service = Get-Service -Name clussvc -ErrorAction SilentlyContinue
            $transport = $null
            try { $transport = [string](Get-VMHost).VirtualMachineMigrationPerformanceOption } catch { $transport = $null }
            $status = $null
            $startType = $null
            if ($null -ne $service) { $status = [string]$service.Status; $startType = [string]$service.StartType }
            [pscustomobject]@{ kind = 'node'; rules = $rules; tasks = $tasks; status = $status; startType = $startType; transport = $transport }
        }
        $names = [string[]]@($state.nodes | ForEach-Object { $_.Name })
        $asked = Invoke-ClusterChaosNode -Node $names -ScriptBlock $nodeBlock -ArgumentList @($Tag)
        $rules = New-Object System.Collections.ArrayList
        $tasks = New-Object System.Collections.ArrayList
        $services = New-Object System.Collections.ArrayList
        $transports = New-Object System.Collections.ArrayList
        foreach ($node in $names) {
            if (-not $asked.output.Contains($node)) { continue }
            $found = @($asked.output[$node])
            $last = $found[$found.Count - 1]
            foreach ($rule in (ConvertTo-ClusterChaosStringList $last.rules)) { [void]$rules.Add($node + '/' + $rule) }
            foreach ($task in (ConvertTo-ClusterChaosStringList $last.tasks)) { [void]$tasks.Add($node + '/' + $task) }
            if ($last.status) { [void]$services.Add([ordered]@{ node = $node; status = [string]$last.status; startType = [string]$last.startType }) }
            if ($last.transport) { [void]$transports.Add([ordered]@{ node = $node; transport = [string]$last.transport }) }
        }
        $settings = [ordered]@{}
        if ($Name.Count -gt 0) { $settings = Read-ClusterChaosSettingValue -Cluster $Cluster -Name $Name }
        [ordered]@{
            nodes = @(foreach ($node in $state.nodes) {
                    [ordered]@{ Name = $node.Name; State = $node.State; StatusInformation = $node.StatusInformation; DrainStatus = $node.DrainStatus }
                })
            firewallRules = [string[]]$rules.ToArray()
            tasks = [string[]]$tasks.ToArray()
            settings = $settings
            unchecked = [string[]]@($asked.failed.Keys)
            services = @($services.ToArray())
            transports = @($transports.ToArray())
        }
    }
}
