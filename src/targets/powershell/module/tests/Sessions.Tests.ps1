BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'where FailoverClusters runs (review B1)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        Use-TestCluster
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'runs every cluster call in one Windows PowerShell session under PowerShell 7, opened once and reused' {
        $first = Read-ClusterChaosAnswer { Get-ClusterChaosSetting -Cluster 'HV' -Name 'ResiliencyDefaultPeriod' }
        $second = Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' }
        $first.PSObject.Properties.Name | Should -Not -Contain 'error'
        $second.PSObject.Properties.Name | Should -Not -Contain 'error'
        $script:Lab.compatOpened | Should -Be 1
        Should -Invoke -ModuleName ClusterChaos New-PSSession -Times 1 -Exactly -ParameterFilter { $UseWindowsPowerShell }
        # every FailoverClusters call ran in the compatibility session, not in this one
        Should -Invoke -ModuleName ClusterChaos Get-ClusterNode -Times 1 -Exactly
        ($script:Lab.invocations | Where-Object { $_ -eq 'compat' }).Count | Should -Be 2
    }

    It 'reopens the compatibility session when it is no longer Opened' {
        Read-ClusterChaosAnswer { Get-ClusterChaosSetting -Cluster 'HV' -Name 'X' } | Out-Null
        InModuleScope ClusterChaos { $script:ClusterChaosCompatSession.State = 'Broken' }
        Read-ClusterChaosAnswer { Get-ClusterChaosSetting -Cluster 'HV' -Name 'X' } | Out-Null
        $script:Lab.compatOpened | Should -Be 2
        Should -Invoke -ModuleName ClusterChaos Remove-PSSession -Times 1 -Exactly
    }

    It 'runs them in this session under Windows PowerShell 5.1 (Desktop)' {
        Mock -ModuleName ClusterChaos Get-ClusterChaosFailoverClustersMode { 'native' }
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' }
        $answer.nodes | Should -HaveCount 3
        $script:Lab.compatOpened | Should -Be 0
        $script:Lab.invocations | Should -Not -Contain 'compat'
    }

    It 'follows CLUSTERCHAOS_FAILOVERCLUSTERS=native' {
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'native'
        InModuleScope ClusterChaos { Get-ClusterChaosFailoverClustersMode } | Should -BeExactly 'native'
    }

    It 'follows CLUSTERCHAOS_FAILOVERCLUSTERS=compat' {
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        InModuleScope ClusterChaos { Get-ClusterChaosFailoverClustersMode } | Should -BeExactly 'compat'
    }

    It 'refuses any other CLUSTERCHAOS_FAILOVERCLUSTERS' {
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'wincompat'
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosSetting -Cluster 'HV' -Name 'X' }
        $answer.error | Should -BeLike "*CLUSTERCHAOS_FAILOVERCLUSTERS is 'wincompat'*"
    }

    It 'chooses compat under PowerShell 7 (Core) without an override' {
        InModuleScope ClusterChaos { Get-ClusterChaosFailoverClustersMode } | Should -BeExactly 'compat'
    }
}

Describe 'node sessions (review R2, R17)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        Use-TestCluster
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'native'
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'opens one session per node on first use and reuses it' {
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        Read-ClusterChaosAnswer { Get-ClusterChaosEvent -Cluster 'HV' -Node N1, N2 -Since '2026-01-01T00:00:00Z' } | Out-Null
        $script:Lab.opened['N1'] | Should -Be 1
        $script:Lab.opened['N2'] | Should -Be 1
    }

    It 'reopens a node session whose State is not Opened' {
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        InModuleScope ClusterChaos { $script:ClusterChaosNodeSessions['N1'].State = 'Broken' }
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        $script:Lab.opened['N1'] | Should -Be 2
        $script:Lab.opened['N2'] | Should -Be 1
    }

    It 'opens the sessions with the credential the session set-up handed over' {
        $credential = New-Object System.Management.Automation.PSCredential ('LAB\chaos', (ConvertTo-SecureString 'x' -AsPlainText -Force))
        Initialize-ClusterChaosSession -Credential $credential
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        $script:Lab.credentials['N1'].UserName | Should -BeExactly 'LAB\chaos'
    }

    It 'opens them as the current identity without a credential' {
        Initialize-ClusterChaosSession -Credential $null
        Read-ClusterChaosAnswer { Get-ClusterChaosObservation -Cluster 'HV' } | Out-Null
        $script:Lab.credentials['N1'] | Should -BeNullOrEmpty
    }

    It 'tells each node''s answer and failure apart when several are asked at once' {
        $script:Lab.down = @('N3')
        $script:Lab.broken = @('N2')
        $result = InModuleScope ClusterChaos {
            Invoke-ClusterChaosNode -Node N1, N2, N3 -ScriptBlock { [pscustomobject]@{ kind = 'done'; value = 42 } }
        }
        @($result.output.Keys) | Should -Be @('N1')
        $result.output['N1'][0].value | Should -Be 42
        $result.failed['N2'] | Should -BeLike '*broken*'
        $result.failed['N3'] | Should -BeLike '*N3 failed*'
    }

    It 'reports an error a block threw as that node''s failure' {
        Mock -ModuleName ClusterChaos Get-VMHost { if ($script:Lab.current -eq 'N2') { throw 'Access is denied' }; 'host' }
        $result = InModuleScope ClusterChaos {
            Invoke-ClusterChaosNode -Node N1, N2 -ScriptBlock { $ErrorActionPreference = 'Stop'; Get-VMHost }
        }
        $result.failed['N2'] | Should -BeExactly 'Access is denied'
        $result.output.Contains('N2') | Should -BeFalse
        $result.output.Contains('N1') | Should -BeTrue
    }
}

Describe 'clock offsets (review R15)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
    }

    It 'takes the node''s clock against the midpoint of two of ours, uncertainty half the round trip' {
        $script:Lab.clock = [datetime]::new(2026, 3, 1, 12, 0, 0, [DateTimeKind]::Utc)
        Mock -ModuleName ClusterChaos Get-Date {
            if ($script:Lab.current -eq 'N1') { return $script:Lab.clock.AddMilliseconds(1500 + 2500) }
            $now = $script:Lab.clock
            # each of our readings is 100 ms after the previous one
            $script:Lab.clock = $script:Lab.clock.AddMilliseconds(100)
            $now
        }
        $offset = InModuleScope ClusterChaos { Measure-ClusterChaosClockOffset -Node N1 }
        # ours: 12:00:00.000 and 12:00:00.100 (midpoint .050); theirs: 12:00:00.100 + 4 s (read between)
        $offset.clockOffsetMs | Should -Be (4100 - 50)
        $offset.offsetUncertaintyMs | Should -Be 50
    }
}
