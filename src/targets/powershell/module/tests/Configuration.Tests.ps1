BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'storage kind from disk paths' {
    It 'tells CSV, SMB and local disks apart' -TestCases @(
        @{ paths = @('C:\ClusterStorage\Volume1\web01\web01.vhdx'); kind = 'csv' }
        @{ paths = @('d:\clusterstorage\Volume2\x.vhdx', 'C:\ClusterStorage\Volume1\y.vhdx'); kind = 'csv' }
        @{ paths = @('\\FS01\VMs\db01\db01.vhdx'); kind = 'smb' }
        @{ paths = @('D:\Hyper-V\x.vhdx'); kind = 'local' }
        @{ paths = @('C:\ClusterStorage\Volume1\a.vhdx', '\\FS01\VMs\b.vhdx'); kind = 'unknown' }
        @{ paths = @(); kind = 'unknown' }
    ) {
        InModuleScope ClusterChaos -Parameters @{ p = $paths } { param($p) Get-ClusterChaosStorageKind -Path $p } | Should -BeExactly $kind
    }
}

Describe 'the configuration acceptance checks (op read-configuration; review R17, N7)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        Use-TestCluster
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        $script:Lab.vms['N1'][0] | Add-Member -NotePropertyName Version -NotePropertyValue '10.0' -Force
        $script:Lab.vms['N1'][0] | Add-Member -NotePropertyName MemoryStartup -NotePropertyValue 4294967296 -Force
        $script:Lab.vms['N2'][0] | Add-Member -NotePropertyName Version -NotePropertyValue '9.0' -Force
        $script:Lab.vms['N2'][0] | Add-Member -NotePropertyName MemoryStartup -NotePropertyValue 17179869184 -Force
        Mock -ModuleName ClusterChaos Get-VMHost {
            [pscustomobject]@{ VirtualMachineMigrationEnabled = $true; MaximumVirtualMachineMigrations = 2; VirtualMachineMigrationPerformanceOption = 'Compression' }
        }
        Mock -ModuleName ClusterChaos Get-VMHardDiskDrive {
            if ($VM.Name -eq 'web01') { [pscustomobject]@{ Path = 'C:\ClusterStorage\Volume1\web01\web01.vhdx' } }
            else { [pscustomobject]@{ Path = '\\FS01\VMs\db01\db01.vhdx' } }
        }
        Mock -ModuleName ClusterChaos Get-VMHostCluster { [pscustomobject]@{ ClusterName = 'HV'; SharedStoragePath = 'C:\ClusterStorage\Volume1\SharedStoragePath' } }
        Mock -ModuleName ClusterChaos Test-Path { $script:Lab.current -eq 'N1' }
        Mock -ModuleName ClusterChaos Get-VMHostSupportedVersion { [pscustomobject]@{ Version = [version]'9.0' }; [pscustomobject]@{ Version = [version]'10.0' } }
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'reads every host and every clustered VM through the nodes'' sessions' {
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosConfiguration -Cluster 'HV' }
        $answer.sharedStoragePath | Should -BeExactly 'C:\ClusterStorage\Volume1\SharedStoragePath'
        $answer.sharedStoragePathExists | Should -BeTrue
        @($answer.hosts | ForEach-Object { $_.node }) | Should -Be @('N1', 'N2', 'N3')
        $answer.hosts[0].transport | Should -BeExactly 'Compression'
        $answer.hosts[0].maximumMigrations | Should -Be 2
        $web = $answer.vms | Where-Object { $_.name -eq 'web01' }
        $web.group | Should -BeExactly 'web01-group'
        $web.version | Should -BeExactly '10.0'
        $web.memoryStartupBytes | Should -Be 4294967296
        $web.storage | Should -BeExactly 'csv'
        ($answer.vms | Where-Object { $_.name -eq 'db01' }).storage | Should -BeExactly 'smb'
        @($answer.supportedVersions) | Should -Be @('9.0', '10.0')
        # Hyper-V reads inside the sessions (R17), never -ComputerName from here
        Should -Invoke -ModuleName ClusterChaos Get-VMHost -ParameterFilter { $PesterBoundParameters.ContainsKey('ComputerName') } -Times 0 -Exactly
        Should -Invoke -ModuleName ClusterChaos Get-VM -ParameterFilter { $PesterBoundParameters.ContainsKey('ComputerName') -or $PesterBoundParameters.ContainsKey('Name') } -Times 0 -Exactly
        Should -Invoke -ModuleName ClusterChaos Get-VMHost -Times 3 -Exactly
    }

    It 'passes the session''s credential to Get-VMHostCluster' {
        $credential = New-Object System.Management.Automation.PSCredential ('LAB\chaos', (ConvertTo-SecureString 'x' -AsPlainText -Force))
        Initialize-ClusterChaosSession -Credential $credential
        Read-ClusterChaosAnswer { Get-ClusterChaosConfiguration -Cluster 'HV' } | Out-Null
        Should -Invoke -ModuleName ClusterChaos Get-VMHostCluster -ParameterFilter { $Credential.UserName -eq 'LAB\chaos' -and $ClusterName -eq 'HV' } -Times 1 -Exactly
    }

    It 'reads an error of Get-VMHostCluster as no SharedStoragePath configured (review N7)' {
        Mock -ModuleName ClusterChaos Get-VMHostCluster { throw 'Unable to find a resource of type Virtual Machine Cluster WMI' }
        $answer = Read-ClusterChaosAnswer -Raw { Get-ClusterChaosConfiguration -Cluster 'HV' }
        $answer | Should -BeLike '{"sharedStoragePath":null,"sharedStoragePathExists":false,*'
    }

    It 'fails, naming the node, when a host cannot be read' {
        $script:Lab.down = @('N3')
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosConfiguration -Cluster 'HV' }
        $answer.error | Should -BeLike 'could not read N3 (*'
    }
}

Describe 'the residue scan (op residue)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        Use-TestCluster
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        $script:Lab.nodes[1] = New-TestNode -Name N2 -State Paused
        Mock -ModuleName ClusterChaos Get-NetFirewallRule {
            if ($script:Lab.current -eq 'N2') {
                [pscustomobject]@{ Name = 'clusterchaos-run1-Inbound-UDP'; Group = 'clusterchaos-run1' }
                [pscustomobject]@{ Name = 'clusterchaos-run10-Inbound-UDP'; Group = 'clusterchaos-run10' }
            }
        }
        Mock -ModuleName ClusterChaos Get-ScheduledTask { if ($script:Lab.current -eq 'N1' -and $TaskName -contains 'clusterchaos-clussvc-holddown') { [pscustomobject]@{ TaskName = 'clusterchaos-clussvc-holddown' } } }
        Mock -ModuleName ClusterChaos Get-Service {
            $startType = 'Automatic'
            if ($script:Lab.current -eq 'N1') { $startType = 'Disabled' }
            [pscustomobject]@{ Name = 'clussvc'; Status = 'Running'; StartType = $startType }
        }
        Mock -ModuleName ClusterChaos Get-VMHost { [pscustomobject]@{ VirtualMachineMigrationPerformanceOption = 'Compression' } }
        Mock -ModuleName ClusterChaos Get-Cluster { [pscustomobject]@{ Name = 'HV'; QuarantineThreshold = [uint32]1 } }
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'lists what the run left: rules of its tag only, tasks, services, transports, settings, nodes' {
        $script:Lab.down = @('N3')
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosResidue -Cluster 'HV' -Tag 'clusterchaos-run1' -Name QuarantineThreshold, MaximumParallelMigrations }
        @($answer.firewallRules) | Should -Be @('N2/clusterchaos-run1-Inbound-UDP')
        @($answer.tasks) | Should -Be @('N1/clusterchaos-clussvc-holddown')
        @($answer.unchecked) | Should -Be @('N3')
        ($answer.services | Where-Object { $_.node -eq 'N1' }).startType | Should -BeExactly 'Disabled'
        @($answer.transports) | Should -HaveCount 2
        $answer.settings.QuarantineThreshold | Should -Be 1
        $answer.settings.MaximumParallelMigrations | Should -BeNullOrEmpty
        ($answer.nodes | Where-Object { $_.Name -eq 'N2' }).State | Should -BeExactly 'Paused'
    }
}
