# What the cluster is doing: one poll of nodes and VMs, and the event-log records written since a time.

function Get-ClusterChaosObservation {
    <#
    .SYNOPSIS
    One observation of the whole cluster (op `poll`). Read-only.
    .OUTPUTS
    { nodesAt, nodes: [{Name, State, StatusInformation: string[], DrainStatus}], groupsAt,
      vms: [{Name, Group, State, GroupState, OwnerNode, StatusInformation: string[]}], vmsAt: { <node>: <iso> },
      unreachable: string[] }
    Name is the VM's (Get-VM), Group its group's; State 'Unknown' when its owner could not be asked.
    nodesAt and groupsAt are the times the cluster side read them, vmsAt when each owner ran Get-VM, by its
    own clock (review R2). A failed read is an error
    answer at once, never retried here (review R1): the runner records a gap.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Cluster)
    Invoke-ClusterChaosOperation {
        $inventory = Get-ClusterChaosVmInventory -Cluster $Cluster -Nodes
        [ordered]@{
            nodesAt = $inventory.cluster.nodesAt
            nodes = @(foreach ($node in $inventory.cluster.nodes) {
                    [ordered]@{ Name = $node.Name; State = $node.State; StatusInformation = $node.StatusInformation; DrainStatus = $node.DrainStatus }
                })
            groupsAt = $inventory.cluster.groupsAt
            vms = @(foreach ($vm in $inventory.vms) {
                    [ordered]@{
                        Name = $vm.Name
                        Group = $vm.Group
                        State = $vm.State
                        GroupState = $vm.GroupState
                        OwnerNode = $vm.OwnerNode
                        StatusInformation = $vm.StatusInformation
                    }
                })
            vmsAt = $inventory.vmsAt
            unreachable = $inventory.unreachable
        }
    }
}

function ConvertTo-ClusterChaosUtcTime {
    <#
    .SYNOPSIS
    An ISO 8601 time with its zone (Z or +hh:mm) as the UTC form the event log's XPath compares with
    (yyyy-MM-ddTHH:mm:ss.fffZ). A time without a zone is refused: whose clock would it be?
    #>
    param([Parameter(Mandatory = $true)] [string] $Time)
    if ($Time -notmatch '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$') {
        throw ("'" + $Time + "' is not an ISO 8601 time with its zone (e.g. 2026-11-22T02:00:00.000Z)")
    }
    $parsed = [DateTimeOffset]::Parse($Time, [Globalization.CultureInfo]::InvariantCulture)
    # Milliseconds cut, never rounded up: the filter may start a little early, never late.
    $parsed.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture)
}

function New-ClusterChaosEventXPath {
    <#
    .SYNOPSIS
    The -FilterXPath of one event query (review B2): the time is compared as UTC text in the query itself,
    never through -FilterHashtable's StartTime, which reads a UTC DateTime as local time.
    .EXAMPLE
    New-ClusterChaosEventXPath -Provider 'Service Control Manager' -Id 7031, 7034 -Since '2026-11-22T02:00:00.000Z'
    *[System[Provider[@Name='Service Control Manager'] and (EventID=7031 or EventID=7034) and TimeCreated[@SystemTime>='2026-11-22T02:00:00.000Z']]]
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Since,
        [string] $Provider,
        [int[]] $Id
    )
    $clauses = @()
    if ($Provider) {
        if ($Provider -notmatch '^[A-Za-z0-9 ._-]+$') { throw ("the event provider '" + $Provider + "' cannot go into an XPath query") }
        $clauses += "Provider[@Name='" + $Provider + "']"
    }
    if ($Id -and $Id.Count -gt 0) {
        $clauses += '(' + (@(foreach ($one in $Id) { 'EventID=' + [string][int]$one }) -join ' or ') + ')'
    }
    $clauses += "TimeCreated[@SystemTime>='" + (ConvertTo-ClusterChaosUtcTime -Time $Since) + "']"
    '*[System[' + ($clauses -join ' and ') + ']]'
}

function Get-ClusterChaosEventQuery {
    <#
    .SYNOPSIS
    The queries read on every node, each a list of logs with one XPath: the cluster's events and the service
    manager's crash reports (7024, 7031, 7034) and state changes (7036, kept for the Cluster Service only: the
    event-log rule needs to know when a crashed clussvc ran again) in System (one query), and the Hyper-V Admin
    logs together (one query), which a
    node may not have (probed with -ListLog once per session). Two Get-WinEvent calls a node per collection
    (review R2: each costs a round trip).
    #>
    param([Parameter(Mandatory = $true)] [string] $Since)
    # windows-cluster-facts 2.1-2.4: channels and ids
    $cluster = New-ClusterChaosEventXPath -Since $Since -Provider 'Microsoft-Windows-FailoverClustering'
    $crashes = New-ClusterChaosEventXPath -Since $Since -Provider 'Service Control Manager' -Id 7024, 7031, 7034, 7036
    # *[System[A and T]] or *[System[B and C and T]] as one query: *[System[(A or (B and C)) and T]]
    $clusterCondition = $cluster.Substring(9, $cluster.Length - 11) -replace ' and TimeCreated\[.*$', ''
    $crashCondition = $crashes.Substring(9, $crashes.Length - 11) -replace ' and TimeCreated\[.*$', ''
    $time = "TimeCreated[@SystemTime>='" + (ConvertTo-ClusterChaosUtcTime -Time $Since) + "']"
    @(
        [pscustomobject]@{ logs = [string[]]@('System'); optional = $false; xpath = ('*[System[(' + $clusterCondition + ' or (' + $crashCondition + ')) and ' + $time + ']]') }
        [pscustomobject]@{
            logs = [string[]]@('Microsoft-Windows-Hyper-V-High-Availability-Admin', 'Microsoft-Windows-Hyper-V-Worker-Admin', 'Microsoft-Windows-Hyper-V-VMMS-Admin', 'Microsoft-Windows-Hyper-V-StorageVSP-Admin')
            optional = $true
            xpath = (New-ClusterChaosEventXPath -Since $Since)
        }
    )
}

function Get-ClusterChaosEvent {
    <#
    .SYNOPSIS
    Event-log records written on the nodes since a time (op `events`). Read-only.
    .OUTPUTS
    { records: [{node, log, provider, id, level, time, message, data: string[]}], unreachable: string[],
      failures: [{node, message}] } - records oldest first, `time` ISO 8601 UTC by the node's clock, `data`
    the insertion strings; unreachable: nodes that could not be asked; failures: a log a node could not read.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [AllowEmptyCollection()] [string[]] $Node,
        [Parameter(Mandatory = $true)] [string] $Since
    )
    Invoke-ClusterChaosOperation {
        $queries = @(Get-ClusterChaosEventQuery -Since $Since)
        $eventBlock = {
            param($logSets, $xpaths, $optional)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $logSets = @($logSets)
            $xpaths = @($xpaths)
            $optional = @($optional)
            try {
                # The Hyper-V Admin logs this node has (their names vary: windows-cluster-facts 2.1), probed once
                # per session: the session lives as long as the run.
                if ($null -eq $global:ClusterChaosLogsPresent) {
                    $probe = @(for ($i = 0; $i -lt $logSets.Count; $i++) { if ($optional[$i]) { @($logSets[$i]) } })
                    $present = @{}
                    if ($probe.Count -gt 0) {
                        foreach ($log in @(Get-WinEvent -ListLog $probe -ErrorAction SilentlyContinue)) { $present[[string]$log.LogName] = $true }
                    }
                    $global:ClusterChaosLogsPresent = $present
                }
                # 7036 (a service entered the running or stopped state) is logged for every service; only the
                # Cluster Service's is kept, told by its display name in this node's language (7036's %1)
                $clussvcName = 'Cluster Service'
                try { $clussvcName = [string](Get-Service -Name clussvc -ErrorAction Stop).DisplayName } catch { }
                for ($i = 0; $i -lt $logSets.Count; $i++) {
                    $logs = @($logSets[$i])
                    if ($optional[$i]) { $logs = @($logs | Where-Object { $global:ClusterChaosLogsPresent.ContainsKey([string]$_) }) }
                    if ($logs.Count -eq 0) { continue }
                    try {
                        foreach ($record in @(Get-WinEvent -LogName $logs -FilterXPath $xpaths[$i] -ErrorAction Stop)) {
                            if ($record.Id -eq 7036 -and [string]$record.ProviderName -eq 'Service Control Manager') {
                                $inserted = @($record.Properties)
                                if ($inserted.Count -eq 0 -or [string]$inserted[0].Value -ne $clussvcName) { continue }
                            }
                            [pscustomobject]@{
                                kind = 'event'
                                log = [string]$record.LogName
                                provider = [string]$record.ProviderName
                                id = [int]$record.Id
                                level = [string]$record.LevelDisplayName
                                time = $record.TimeCreated.ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
                                message = [string]$record.Message
                                # the insertion strings (1135: %1 is the node removed), the same in every language
                                data = [string[]]@(foreach ($property in @($record.Properties)) { [string]$property.Value })
                            }
                        }
                    } catch {
                        # No records since then is not a failure; told by its id, as the message is localized (review B2).
                        if ([string]$_.FullyQualifiedErrorId -notlike 'NoMatchingEventsFound*') {
                            [pscustomobject]@{ kind = 'error'; message = (($logs -join ', ') + ': ' + $_.Exception.Message) }
                        }
                    }
                }
            } catch {
                [pscustomobject]@{ kind = 'error'; message = [string]$_.Exception.Message }
            }
            [pscustomobject]@{ kind = 'done' }
        }
        $arguments = @(
            @(foreach ($query in $queries) { , [string[]]$query.logs }),
            [string[]]@($queries | ForEach-Object { $_.xpath }),
            [bool[]]@($queries | ForEach-Object { $_.optional })
        )
        $asked = Invoke-ClusterChaosNode -Node $Node -ScriptBlock $eventBlock -ArgumentList $arguments
        $records = New-Object System.Collections.ArrayList
        $failures = New-Object System.Collections.ArrayList
        foreach ($name in @($asked.output.Keys)) {
            foreach ($item in @($asked.output[$name])) {
                switch ([string]$item.kind) {
                    'event' {
                        [void]$records.Add([ordered]@{
                                node = $name
                                log = [string]$item.log
                                provider = [string]$item.provider
                                id = [int]$item.id
                                level = [string]$item.level
                                time = [string]$item.time
                                message = [string]$item.message
                                data = [string[]]@(foreach ($value in @($item.data)) { [string]$value })
                            })
                    }
                    'error' { [void]$failures.Add([ordered]@{ node = $name; message = [string]$item.message }) }
                }
            }
        }
        [ordered]@{
            records = @($records.ToArray() | Sort-Object -Property { $_.time })
            unreachable = [string[]]@($asked.failed.Keys)
            failures = @($failures.ToArray())
        }
    }
}
