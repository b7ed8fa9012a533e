BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'live migration, drain and failback (ops live-migrate, cancel-live-migration, suspend-node, resume-node)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        Use-TestCluster
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        $script:Lab.steps = @()
        $script:Lab.transport = @{ N1 = 'Compression'; N2 = 'Compression'; N3 = 'TCPIP' }
        $script:Lab.cannotSet = @()
        $script:Lab.clock = [datetime]::new(2026, 3, 1, 12, 0, 0, [DateTimeKind]::Utc)
        Mock -ModuleName ClusterChaos Get-Date { $script:Lab.clock }
        Mock -ModuleName ClusterChaos Start-Sleep { $script:Lab.steps += 'sleep'; $script:Lab.clock = $script:Lab.clock.AddSeconds($Seconds) }
        Mock -ModuleName ClusterChaos Get-VMHost { [pscustomobject]@{ VirtualMachineMigrationPerformanceOption = $script:Lab.transport[$script:Lab.current] } }
        Mock -ModuleName ClusterChaos Set-VMHost {
            if ($script:Lab.cannotSet -contains $script:Lab.current) { throw ('WinRM cannot reach ' + $script:Lab.current) }
            $script:Lab.steps += ('Set-VMHost ' + $script:Lab.current + ' ' + $VirtualMachineMigrationPerformanceOption)
            $script:Lab.transport[$script:Lab.current] = $VirtualMachineMigrationPerformanceOption
        }
        # Moving a group hands it to the target node; a live migration takes 7 s.
        Mock -ModuleName ClusterChaos Move-ClusterVirtualMachineRole {
            if ($Cancel) { $script:Lab.steps += ('cancel ' + $Name); return }
            $script:Lab.steps += ('move ' + $Name + ' to ' + $Node)
            $script:Lab.clock = $script:Lab.clock.AddSeconds(7)
            ($script:Lab.groups | Where-Object { $_.Name -eq $Name }).OwnerNode = [pscustomobject]@{ Name = $Node }
        }
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'moves the VM''s real group with -MigrationType Live and reads the owner back' {
        $answer = Read-ClusterChaosAnswer -Raw { Move-ClusterChaosVm -Cluster 'HV' -Vm db01 -Node N3 }
        Should -Invoke -ModuleName ClusterChaos Move-ClusterVirtualMachineRole -ParameterFilter { $Name -eq 'SCVMM db01 Resources' -and $Node -eq 'N3' -and $MigrationType -eq 'Live' -and $Cluster -eq 'HV' } -Times 1 -Exactly
        $answer | Should -BeLike '{"vm":"db01","group":"SCVMM db01 Resources","source":"N2","target":"N3","owner":"N3","totalMs":7000,"startedAt":"2026-03-01T12:00:00.0000000Z","endedAt":"2026-03-01T12:00:07.0000000Z","restoreErrors":`[`]}'
    }

    It 'uses the transport on source and target for the move and puts each host''s own back after' {
        Read-ClusterChaosAnswer { Move-ClusterChaosVm -Cluster 'HV' -Vm db01 -Node N3 -Transport SMBDirect } | Out-Null
        $script:Lab.steps | Should -Be @('Set-VMHost N2 SMB', 'Set-VMHost N3 SMB', 'move SCVMM db01 Resources to N3', 'Set-VMHost N2 Compression', 'Set-VMHost N3 TCPIP')
    }

    It 'restores every host in its own try and reports each failure, keeping the migration''s own error (review R13)' {
        Mock -ModuleName ClusterChaos Move-ClusterVirtualMachineRole { throw 'Live migration of ''db01'' failed: 0x8007274C' }
        # N2 stops answering during the move; N3 must still get its own transport back
        Mock -ModuleName ClusterChaos Set-VMHost {
            if ($VirtualMachineMigrationPerformanceOption -ne 'SMB' -and $script:Lab.current -eq 'N2') { throw 'The WinRM client cannot process the request' }
            $script:Lab.steps += ('Set-VMHost ' + $script:Lab.current + ' ' + $VirtualMachineMigrationPerformanceOption)
            $script:Lab.transport[$script:Lab.current] = $VirtualMachineMigrationPerformanceOption
        }
        $answer = Read-ClusterChaosAnswer { Move-ClusterChaosVm -Cluster 'HV' -Vm db01 -Node N3 -Transport SMB }
        $answer.error | Should -BeLike 'Live migration of ''db01'' failed: 0x8007274C; and putting the live-migration transport back failed on N2: *WinRM client*'
        @($answer.restoreErrors) | Should -HaveCount 1
        $answer.restoreErrors[0] | Should -BeLike 'N2: *'
        $script:Lab.transport['N3'] | Should -BeExactly 'TCPIP'
    }

    It 'reports a host it could not put back in a migration that succeeded' {
        Mock -ModuleName ClusterChaos Set-VMHost {
            if ($VirtualMachineMigrationPerformanceOption -ne 'SMB' -and $script:Lab.current -eq 'N3') { throw 'Access is denied' }
            $script:Lab.transport[$script:Lab.current] = $VirtualMachineMigrationPerformanceOption
        }
        $answer = Read-ClusterChaosAnswer { Move-ClusterChaosVm -Cluster 'HV' -Vm db01 -Node N3 -Transport SMB }
        $answer.target | Should -BeExactly 'N3'
        @($answer.restoreErrors) | Should -Be @('N3: Access is denied')
        $script:Lab.transport['N2'] | Should -BeExactly 'Compression'
    }

    It 'refuses the move when a host cannot take the transport, putting back the one that did' {
        $script:Lab.cannotSet = @('N3')
        $answer = Read-ClusterChaosAnswer { Move-ClusterChaosVm -Cluster 'HV' -Vm db01 -Node N3 -Transport TCPIP }
        $answer.error | Should -BeLike 'setting the live-migration transport TCPIP failed on N3: *nothing was changed'
        Should -Invoke -ModuleName ClusterChaos Move-ClusterVirtualMachineRole -Times 0 -Exactly
        $script:Lab.transport['N2'] | Should -BeExactly 'Compression'
    }

    It 'reports a completed move whose group is still owned elsewhere as it is: target asked, owner read back' {
        Mock -ModuleName ClusterChaos Move-ClusterVirtualMachineRole { }
        $answer = Read-ClusterChaosAnswer { Move-ClusterChaosVm -Cluster 'HV' -Vm db01 -Node N3 }
        $answer.error | Should -BeNullOrEmpty
        $answer.target | Should -BeExactly 'N3'
        $answer.owner | Should -BeExactly 'N2'
    }

    It 'cancels the migration of the VM''s real group' {
        $answer = Read-ClusterChaosAnswer -Raw { Stop-ClusterChaosMigration -Cluster 'HV' -Vm db01 }
        $answer | Should -BeExactly '{}'
        $script:Lab.steps | Should -Be @('cancel SCVMM db01 Resources')
    }

    It 'drains with Suspend-ClusterNode -Drain -Wait and says where the node''s VMs went' {
        Mock -ModuleName ClusterChaos Suspend-ClusterNode {
            $script:Lab.clock = $script:Lab.clock.AddSeconds(12)
            ($script:Lab.groups | Where-Object { $_.Id -eq 'g-db01' }).OwnerNode = [pscustomobject]@{ Name = 'N3' }
            ($script:Lab.nodes | Where-Object { $_.Name -eq 'N2' }).DrainStatus = [Microsoft.FailoverClusters.PowerShell.ClusterNodeDrainStatus]::Completed
        }
        $answer = Read-ClusterChaosAnswer -Raw { Suspend-ClusterChaosNode -Cluster 'HV' -Node N2 -Drain }
        Should -Invoke -ModuleName ClusterChaos Suspend-ClusterNode -ParameterFilter { $Drain -and $Wait -and $Name -eq 'N2' } -Times 1 -Exactly
        $answer | Should -BeLike '{"node":"N2","totalMs":12000,"vms":`["db01"`],"migrations":`[{"vm":"db01","source":"N2","target":"N3"}`],"restoreErrors":`[`]}'
    }

    It 'calls a drain the cluster reports Failed an error, with the transports put back first' {
        Mock -ModuleName ClusterChaos Suspend-ClusterNode {
            ($script:Lab.nodes | Where-Object { $_.Name -eq 'N2' }).DrainStatus = [Microsoft.FailoverClusters.PowerShell.ClusterNodeDrainStatus]::Failed
        }
        $answer = Read-ClusterChaosAnswer { Suspend-ClusterChaosNode -Cluster 'HV' -Node N2 -Drain -Transport TCPIP }
        $answer.error | Should -BeExactly 'the drain of N2 failed (DrainStatus Failed); the node stays Paused'
        $script:Lab.transport['N1'] | Should -BeExactly 'Compression'
        $script:Lab.transport['N2'] | Should -BeExactly 'Compression'
    }

    It 'waits for the failback before it puts the transport back, Start-Sleep 1 between checks (review R3)' {
        # db01 was drained to N3; Resume-ClusterNode only queues the failback: it lands after 3 checks
        ($script:Lab.groups | Where-Object { $_.Id -eq 'g-db01' }).OwnerNode = [pscustomobject]@{ Name = 'N3' }
        $script:Lab.vms['N3'] = $script:Lab.vms['N2'] | Where-Object { $_.Name -eq 'db01' }
        $script:Lab.vms['N2'] = @()
        $script:Lab.checks = 0
        Mock -ModuleName ClusterChaos Resume-ClusterNode { $script:Lab.steps += ('resume ' + $Failback) }
        Mock -ModuleName ClusterChaos Get-ClusterGroup {
            if ($script:Lab.steps -contains 'resume Immediate') {
                $script:Lab.checks++
                if ($script:Lab.checks -ge 3) { ($script:Lab.groups | Where-Object { $_.Id -eq 'g-db01' }).OwnerNode = [pscustomobject]@{ Name = 'N2' } }
            }
            $script:Lab.groups
        }
        $answer = Read-ClusterChaosAnswer { Resume-ClusterChaosNode -Cluster 'HV' -Node N2 -Failback -Transport SMB -Vm db01 -TimeoutMs 60000 }
        $answer.failbackMs | Should -Be 2000
        @($answer.notBack) | Should -HaveCount 0
        $answer.migrations[0].vm | Should -BeExactly 'db01'
        $answer.migrations[0].source | Should -BeExactly 'N3'
        $restoreAt = [array]::IndexOf($script:Lab.steps, 'Set-VMHost N2 Compression')
        $lastSleep = [array]::LastIndexOf($script:Lab.steps, 'sleep')
        @($script:Lab.steps | Where-Object { $_ -eq 'sleep' }) | Should -HaveCount 2
        $restoreAt | Should -BeGreaterThan $lastSleep
        Should -Invoke -ModuleName ClusterChaos Start-Sleep -ParameterFilter { $Seconds -eq 1 } -Times 2 -Exactly
        Should -Invoke -ModuleName ClusterChaos Resume-ClusterNode -ParameterFilter { $Failback -eq 'Immediate' -and $Name -eq 'N2' } -Times 1 -Exactly
    }

    It 'stops waiting at the timeout and names the VMs not back' {
        ($script:Lab.groups | Where-Object { $_.Id -eq 'g-db01' }).OwnerNode = [pscustomobject]@{ Name = 'N3' }
        $script:Lab.vms['N3'] = $script:Lab.vms['N2'] | Where-Object { $_.Name -eq 'db01' }
        $script:Lab.vms['N2'] = @()
        Mock -ModuleName ClusterChaos Resume-ClusterNode { }
        $answer = Read-ClusterChaosAnswer { Resume-ClusterChaosNode -Cluster 'HV' -Node N2 -Failback -Vm db01 -TimeoutMs 5000 }
        $answer.failbackMs | Should -Be 5000
        @($answer.notBack) | Should -Be @('db01')
        Should -Invoke -ModuleName ClusterChaos Start-Sleep -Times 5 -Exactly
    }

    It 'resumes without failback at once' {
        Mock -ModuleName ClusterChaos Resume-ClusterNode { }
        $answer = Read-ClusterChaosAnswer -Raw { Resume-ClusterChaosNode -Cluster 'HV' -Node N2 }
        Should -Invoke -ModuleName ClusterChaos Resume-ClusterNode -ParameterFilter { $Failback -eq 'NoFailback' } -Times 1 -Exactly
        $answer | Should -BeLike '*"failbackMs":null,"notBack":`[`]*'
        Should -Invoke -ModuleName ClusterChaos Start-Sleep -Times 0 -Exactly
    }
}
