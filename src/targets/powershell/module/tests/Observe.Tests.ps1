BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'the poll (op poll)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        Use-TestCluster
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'names each VM by Get-VM on its owner, joined by the Id of its Virtual Machine resource (review R7)' {
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' }
        $answer.vms | Should -HaveCount 2
        $db = $answer.vms | Where-Object { $_.Group -eq 'SCVMM db01 Resources' }
        $db.Name | Should -BeExactly 'db01'
        $db.State | Should -BeExactly 'Running'
        $db.OwnerNode | Should -BeExactly 'N2'
        # N2 also runs a VM named web01 that is not clustered (Off): the clustered web01 is the one on N1, by Id
        $web = $answer.vms | Where-Object { $_.Group -eq 'web01-group' }
        $web.Name | Should -BeExactly 'web01'
        $web.State | Should -BeExactly 'Running'
        Should -Invoke -ModuleName ClusterChaos Get-VM -ParameterFilter { $PesterBoundParameters.ContainsKey('Name') } -Times 0 -Exactly
    }

    It 'reads each resource''s VmID once and keeps it (review R7)' {
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        Should -Invoke -ModuleName ClusterChaos Get-ClusterParameter -Times 2 -Exactly
    }

    It 'projects states and flags where the objects are live, flags bit by bit (review B1, R10)' {
        # N2 Isolated and Quarantined, plus a bit the module's enum does not define (a newer cluster)
        $script:Lab.nodes[1] = New-TestNode -Name N2 -Status (1 + 2 + 64)
        # the web01 group Unmonitored (256)
        $script:Lab.groups[0] = New-TestGroup -Name 'web01-group' -Id 'g-web01' -Owner N1 -Status 256
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' }
        $n2 = $answer.nodes | Where-Object { $_.Name -eq 'N2' }
        $n2.State | Should -BeExactly 'Up'
        @($n2.StatusInformation) | Should -Be @('Isolated', 'Quarantined', 'bit:64')
        $n2.DrainStatus | Should -BeExactly 'NotInitiated'
        @(($answer.nodes | Where-Object { $_.Name -eq 'N1' }).StatusInformation) | Should -HaveCount 0
        $web = $answer.vms | Where-Object { $_.Name -eq 'web01' }
        @($web.StatusInformation) | Should -Be @('Unmonitored')
        $web.GroupState | Should -BeExactly 'Online'
    }

    It 'stamps nodes and groups with the times the cluster side read them (review R2)' {
        $script:Lab.clock = [datetime]::new(2026, 3, 1, 12, 0, 0, [DateTimeKind]::Utc)
        Mock -ModuleName ClusterChaos Get-Date { $now = $script:Lab.clock; $script:Lab.clock = $now.AddSeconds(1); $now }
        $answer = Read-ClusterChaosAnswer -Raw { Get-ClusterChaosObservation -Cluster 'HV' }
        $answer | Should -BeLike '*"nodesAt":"2026-03-01T12:00:00.0000000Z"*'
        $answer | Should -BeLike '*"groupsAt":"2026-03-01T12:00:01.0000000Z"*'
        # each owner's Get-VM, stamped where it ran (N1 then N2)
        $answer | Should -BeLike '*"vmsAt":{"N1":"2026-03-01T12:00:02.0000000Z","N2":"2026-03-01T12:00:03.0000000Z"}*'
    }

    It 'says Unknown for the VMs of an owner that cannot be asked, and names the owner' {
        $script:Lab.down = @('N2')
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' }
        $db = $answer.vms | Where-Object { $_.Group -eq 'SCVMM db01 Resources' }
        $db.State | Should -BeExactly 'Unknown'
        $answer.unreachable | Should -Be @('N2')
        ($answer.vms | Where-Object { $_.Group -eq 'web01-group' }).State | Should -BeExactly 'Running'
    }

    It 'keeps a VM''s last seen name while its owner cannot be asked' {
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        $script:Lab.down = @('N2')
        InModuleScope ClusterChaos { $script:ClusterChaosNodeSessions['N2'].State = 'Broken' }
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' }
        ($answer.vms | Where-Object { $_.Group -eq 'SCVMM db01 Resources' }).Name | Should -BeExactly 'db01'
    }

    It 'answers an error at once when the cluster cannot be read, without retrying (review R1)' {
        Mock -ModuleName ClusterChaos Get-ClusterNode { throw 'The cluster service is not running' }
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' }
        $answer.error | Should -BeLike '*cluster service is not running*'
        Should -Invoke -ModuleName ClusterChaos Get-ClusterNode -Times 1 -Exactly
    }
}

Describe 'event queries (review B2)' {
    It 'builds the XPath with provider, ids and the UTC time' {
        $xpath = InModuleScope ClusterChaos { New-ClusterChaosEventXPath -Provider 'Service Control Manager' -Id 7024, 7031, 7034 -Since '2026-11-22T02:00:00.000Z' }
        $xpath | Should -BeExactly "*[System[Provider[@Name='Service Control Manager'] and (EventID=7024 or EventID=7031 or EventID=7034) and TimeCreated[@SystemTime>='2026-11-22T02:00:00.000Z']]]"
    }

    It 'builds it with the time alone' {
        InModuleScope ClusterChaos { New-ClusterChaosEventXPath -Since '2026-11-22T02:00:00Z' } |
            Should -BeExactly "*[System[TimeCreated[@SystemTime>='2026-11-22T02:00:00.000Z']]]"
    }

    It 'compares in UTC whatever zone the time was given in' {
        InModuleScope ClusterChaos { ConvertTo-ClusterChaosUtcTime -Time '2026-11-22T03:30:00.1239+01:30' } | Should -BeExactly '2026-11-22T02:00:00.123Z'
    }

    It 'refuses a time without a zone' {
        { InModuleScope ClusterChaos { ConvertTo-ClusterChaosUtcTime -Time '2026-11-22T02:00:00' } } | Should -Throw '*with its zone*'
    }

    It 'refuses a provider that would break out of the quotes' {
        { InModuleScope ClusterChaos { New-ClusterChaosEventXPath -Provider "x'] or [1=1" -Since '2026-11-22T02:00:00Z' } } | Should -Throw
    }
}

Describe 'events (op events)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        # the node sessions keep what -ListLog found; every test starts from new sessions
        $global:ClusterChaosLogsPresent = $null
        $script:Lab.logs = @('System', 'Microsoft-Windows-Hyper-V-VMMS-Admin')
        Mock -ModuleName ClusterChaos Get-WinEvent -ParameterFilter { $PesterBoundParameters.ContainsKey('ListLog') } {
            foreach ($name in $ListLog) { if ($script:Lab.logs -contains $name) { [pscustomobject]@{ LogName = $name } } }
        }
        Mock -ModuleName ClusterChaos Get-WinEvent -ParameterFilter { $PesterBoundParameters.ContainsKey('FilterXPath') } {
            $script:Lab.queries += [pscustomobject]@{ node = $script:Lab.current; log = ($LogName -join ', '); xpath = $FilterXPath }
            if ($LogName -contains 'System' -and $FilterXPath -like "*FailoverClustering*" -and $script:Lab.current -eq 'N1') {
                return [pscustomobject]@{
                    LogName = 'System'; ProviderName = 'Microsoft-Windows-FailoverClustering'; Id = 1135; LevelDisplayName = 'Critical'
                    TimeCreated = [datetime]::new(2026, 11, 22, 2, 0, 5, [DateTimeKind]::Utc)
                    Message = "Cluster node 'N2' was removed"; Properties = @([pscustomobject]@{ Value = 'N2' }, [pscustomobject]@{ Value = 7 })
                }
            }
            if ($LogName -contains 'Microsoft-Windows-Hyper-V-VMMS-Admin' -and $script:Lab.current -eq 'N2') {
                return [pscustomobject]@{
                    LogName = 'Microsoft-Windows-Hyper-V-VMMS-Admin'; ProviderName = 'Microsoft-Windows-Hyper-V-VMMS'; Id = 20417; LevelDisplayName = 'Warning'
                    TimeCreated = [datetime]::new(2026, 11, 22, 2, 0, 1, [DateTimeKind]::Utc)
                    Message = 'long blackout'; Properties = @()
                }
            }
            # None: the real cmdlet's error, told by its id (its message is localized)
            $record = New-Object System.Management.Automation.ErrorRecord (
                (New-Object System.Exception 'Es wurden keine Ereignisse gefunden'), 'NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand',
                [System.Management.Automation.ErrorCategory]::ObjectNotFound, $null)
            throw $record
        }
        $script:Lab.queries = @()
    }

    It 'reads System and the Hyper-V Admin logs the node has, by XPath with the time as UTC text, never -FilterHashtable' {
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosEvent -Cluster 'HV' -Node N1 -Since '2026-11-22T04:00:00+02:00' }
        $answer.failures | Should -HaveCount 0
        $n1 = @($script:Lab.queries | Where-Object { $_.node -eq 'N1' })
        # two queries a node: System (the cluster's events and clussvc's crashes), then the Hyper-V logs it has
        @($n1 | ForEach-Object { $_.log }) | Should -Be @('System', 'Microsoft-Windows-Hyper-V-VMMS-Admin')
        $n1[0].xpath | Should -BeExactly "*[System[(Provider[@Name='Microsoft-Windows-FailoverClustering'] or (Provider[@Name='Service Control Manager'] and (EventID=7024 or EventID=7031 or EventID=7034 or EventID=7036))) and TimeCreated[@SystemTime>='2026-11-22T02:00:00.000Z']]]"
        $n1[1].xpath | Should -BeExactly "*[System[TimeCreated[@SystemTime>='2026-11-22T02:00:00.000Z']]]"
        Should -Invoke -ModuleName ClusterChaos Get-WinEvent -ParameterFilter { $PesterBoundParameters.ContainsKey('FilterHashtable') } -Times 0 -Exactly
        Should -Invoke -ModuleName ClusterChaos Get-WinEvent -ParameterFilter { $PesterBoundParameters.ContainsKey('ListLog') } -Times 1 -Exactly
        # the next collection in the same session does not probe the logs again
        Read-ClusterChaosAnswer { Get-ClusterChaosEvent -Cluster 'HV' -Node N1 -Since '2026-11-22T04:00:00+02:00' } | Out-Null
        Should -Invoke -ModuleName ClusterChaos Get-WinEvent -ParameterFilter { $PesterBoundParameters.ContainsKey('ListLog') } -Times 1 -Exactly
    }

    It 'returns the records of every node, oldest first, with their insertion strings and UTC times' {
        $answer = Read-ClusterChaosAnswer -Raw { Get-ClusterChaosEvent -Cluster 'HV' -Node N1, N2 -Since '2026-11-22T02:00:00Z' }
        $parsed = $answer | ConvertFrom-Json
        @($parsed.records | ForEach-Object { $_.id }) | Should -Be @(20417, 1135)
        $parsed.records[1].node | Should -BeExactly 'N1'
        $parsed.records[1].provider | Should -BeExactly 'Microsoft-Windows-FailoverClustering'
        $parsed.records[1].level | Should -BeExactly 'Critical'
        $answer | Should -BeLike '*"time":"2026-11-22T02:00:05.0000000Z"*'
        @($parsed.records[1].data) | Should -Be @('N2', '7')
        @($parsed.records[0].data) | Should -HaveCount 0
    }

    It 'takes NoMatchingEventsFound (by its id) as no records, and any other error as a failure of that node' {
        Mock -ModuleName ClusterChaos Get-WinEvent -ParameterFilter { $LogName -contains 'Microsoft-Windows-Hyper-V-VMMS-Admin' } {
            $record = New-Object System.Management.Automation.ErrorRecord (
                (New-Object System.Exception 'No events were found that match the specified selection criteria.'), 'SomethingElse',
                [System.Management.Automation.ErrorCategory]::InvalidOperation, $null)
            throw $record
        }
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosEvent -Cluster 'HV' -Node N1 -Since '2026-11-22T02:00:00Z' }
        $answer.failures | Should -HaveCount 1
        $answer.failures[0].node | Should -BeExactly 'N1'
        $answer.failures[0].message | Should -BeLike 'Microsoft-Windows-Hyper-V-VMMS-Admin: No events were found*'
        $answer.records | Should -HaveCount 1
    }

    It 'lists a node that cannot be reached as unreachable and still answers for the others' {
        $script:Lab.down = @('N3')
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosEvent -Cluster 'HV' -Node N1, N3 -Since '2026-11-22T02:00:00Z' }
        $answer.unreachable | Should -Be @('N3')
        $answer.records | Should -HaveCount 1
    }

    It 'keeps the Cluster Service''s 7036 (running, stopped) and no other service''s, by its display name in the node''s language' {
        Mock -ModuleName ClusterChaos Get-Service -ParameterFilter { $Name -eq 'clussvc' } { [pscustomobject]@{ Name = 'clussvc'; DisplayName = 'Clusterdienst' } }
        Mock -ModuleName ClusterChaos Get-WinEvent -ParameterFilter { $LogName -contains 'System' -and $PesterBoundParameters.ContainsKey('FilterXPath') } {
            foreach ($one in @(@('Clusterdienst', 'Wird ausgeführt', 3), @('Hintergrundintelligenter Übertragungsdienst', 'Beendet', 4), @('Clusterdienst', 'Beendet', 5))) {
                [pscustomobject]@{
                    LogName = 'System'; ProviderName = 'Service Control Manager'; Id = 7036; LevelDisplayName = 'Information'
                    TimeCreated = [datetime]::new(2026, 11, 22, 2, 0, $one[2], [DateTimeKind]::Utc)
                    Message = ('Der Dienst "' + $one[0] + '" befindet sich jetzt im Status "' + $one[1] + '".')
                    Properties = @([pscustomobject]@{ Value = $one[0] }, [pscustomobject]@{ Value = $one[1] })
                }
            }
        }
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosEvent -Cluster 'HV' -Node N1 -Since '2026-11-22T02:00:00Z' }
        $answer.failures | Should -HaveCount 0
        @($answer.records | ForEach-Object { $_.data[0] }) | Should -Be @('Clusterdienst', 'Clusterdienst')
        @($answer.records | ForEach-Object { $_.data[1] }) | Should -Be @('Wird ausgeführt', 'Beendet')
    }

    It 'skips a Hyper-V log the node does not have' {
        $script:Lab.logs = @('System')
        Read-ClusterChaosAnswer { Get-ClusterChaosEvent -Cluster 'HV' -Node N1 -Since '2026-11-22T02:00:00Z' } | Out-Null
        @($script:Lab.queries | ForEach-Object { $_.log }) | Should -Not -Contain 'Microsoft-Windows-Hyper-V-VMMS-Admin'
    }
}
