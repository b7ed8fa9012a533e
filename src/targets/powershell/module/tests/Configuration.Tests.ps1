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
        Mock -ModuleName ClusterChaos Get-ClusterOwnerNode { [pscustomobject]@{ ClusterObject = [pscustomobject]@{ Name = $Group }; OwnerNodes = @() } }
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

    It 'reads each VM group''s Priority, AntiAffinityClassNames and preferred owners in order, and each host''s MemoryCapacity' {
        $web = $script:Lab.groups | Where-Object { $_.Name -eq 'web01-group' }
        $web | Add-Member -NotePropertyName Priority -NotePropertyValue ([uint32]3000) -Force
        $classes = New-Object System.Collections.Specialized.StringCollection
        [void]$classes.Add('sql'); [void]$classes.Add('web-tier')
        $web | Add-Member -NotePropertyName AntiAffinityClassNames -NotePropertyValue $classes -Force
        $db = $script:Lab.groups | Where-Object { $_.Name -eq 'SCVMM db01 Resources' }
        $db | Add-Member -NotePropertyName Priority -NotePropertyValue ([uint32]0) -Force
        $db | Add-Member -NotePropertyName AntiAffinityClassNames -NotePropertyValue $null -Force
        Mock -ModuleName ClusterChaos Get-VMHost {
            $bytes = @{ N1 = 274877906944; N2 = 137438953472; N3 = 68719476736 }[$script:Lab.current]
            [pscustomobject]@{ VirtualMachineMigrationEnabled = $true; MaximumVirtualMachineMigrations = 2; VirtualMachineMigrationPerformanceOption = 'SMB'; MemoryCapacity = [long]$bytes }
        }
        # a ClusterOwnerNodeList: OwnerNodes are ClusterNode objects, in order of preference; none set: empty
        Mock -ModuleName ClusterChaos Get-ClusterOwnerNode {
            $script:Lab.ownerReads += $script:Lab.current
            $nodes = @()
            if ($Group -eq 'web01-group') { $nodes = @((New-TestNode N3), (New-TestNode N1)) }
            [pscustomobject]@{ ClusterObject = [pscustomobject]@{ Name = $Group }; OwnerNodes = $nodes }
        }
        $script:Lab.ownerReads = @()
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosConfiguration -Cluster 'HV' }
        $webVm = $answer.vms | Where-Object { $_.name -eq 'web01' }
        $webVm.priority | Should -Be 3000
        @($webVm.antiAffinityClassNames) | Should -Be @('sql', 'web-tier')
        @($webVm.preferredOwners) | Should -Be @('N3', 'N1')
        $dbVm = $answer.vms | Where-Object { $_.name -eq 'db01' }
        $dbVm.priority | Should -Be 0
        # empty lists stay lists in the answer (never null, never absent)
        $raw = Read-ClusterChaosAnswer -Raw { Get-ClusterChaosConfiguration -Cluster 'HV' }
        $raw | Should -BeLike '*"antiAffinityClassNames":`[`],"preferredOwners":`[`]}*'
        @($answer.hosts | ForEach-Object { $_.memoryCapacityBytes }) | Should -Be @(274877906944, 137438953472, 68719476736)
        # one Get-ClusterOwnerNode per VM group, by name, in the compatibility session (review B1)
        Should -Invoke -ModuleName ClusterChaos Get-ClusterOwnerNode -ParameterFilter { $Group -eq 'web01-group' -and $Cluster -eq 'HV' } -Times 2 -Exactly
        Should -Invoke -ModuleName ClusterChaos Get-ClusterOwnerNode -ParameterFilter { $Group -eq 'SCVMM db01 Resources' -and $Cluster -eq 'HV' } -Times 2 -Exactly
        Should -Invoke -ModuleName ClusterChaos Get-ClusterOwnerNode -ParameterFilter { $Group -eq 'Cluster Group' } -Times 0 -Exactly
        @($script:Lab.ownerReads | Select-Object -Unique) | Should -Be @('compat')
    }

    It 'fails, naming the error, when the preferred owners cannot be read' {
        Mock -ModuleName ClusterChaos Get-ClusterOwnerNode { throw 'The cluster group could not be found' }
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosConfiguration -Cluster 'HV' }
        $answer.error | Should -BeLike '*The cluster group could not be found*'
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
