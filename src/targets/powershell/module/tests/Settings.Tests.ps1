BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'cluster settings (ops get-settings, set-settings; review B1, B4)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        # The cluster's properties; a live Cluster object writes through its setters, as FailoverClusters' does.
        $script:Lab.cluster = @{ ResiliencyDefaultPeriod = [uint32]240; QuarantineThreshold = [uint32]3; ResiliencyLevel = [uint32]2 }
        $script:Lab.refuse = @{}
        $script:Lab.writes = @()
        Mock -ModuleName ClusterChaos Get-Cluster {
            $live = [pscustomobject]@{ Name = 'HV' }
            $lab = $script:Lab
            foreach ($key in @($script:Lab.cluster.Keys)) {
                # closures: the property's code runs wherever the module reads it
                $getter = { $lab.cluster[$key] }.GetNewClosure()
                $setter = { param($v) $lab.writes += ($key + '=' + $v); if (-not $lab.refuse.ContainsKey($key)) { $lab.cluster[$key] = [uint32]$v } }.GetNewClosure()
                $live | Add-Member -MemberType ScriptProperty -Name $key -Value $getter -SecondValue $setter
            }
            $live
        }
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'reads properties as integers, null for one the cluster does not have (B4)' {
        $answer = Read-ClusterChaosAnswer -Raw { Get-ClusterChaosSetting -Cluster 'HV' -Name ResiliencyDefaultPeriod, MinimumResilientVmVersion }
        $answer | Should -BeExactly '{"values":{"ResiliencyDefaultPeriod":240,"MinimumResilientVmVersion":null}}'
    }

    It 'sets each property on the live object and answers what a fresh Get-Cluster reads back' {
        $answer = Read-ClusterChaosAnswer -Raw { Set-ClusterChaosSetting -Cluster 'HV' -Name ResiliencyDefaultPeriod, QuarantineThreshold -Value 60, 1 }
        $answer | Should -BeExactly '{"values":{"ResiliencyDefaultPeriod":60,"QuarantineThreshold":1}}'
        $script:Lab.cluster['ResiliencyDefaultPeriod'] | Should -Be 60
        $script:Lab.writes | Should -Be @('ResiliencyDefaultPeriod=60', 'QuarantineThreshold=1')
    }

    It 'refuses a value that did not take, and puts back what did (B1: read back)' {
        $script:Lab.refuse['QuarantineThreshold'] = $true
        $answer = Read-ClusterChaosAnswer { Set-ClusterChaosSetting -Cluster 'HV' -Name ResiliencyDefaultPeriod, QuarantineThreshold -Value 60, 1 }
        $answer.error | Should -BeLike '*did not take the change: QuarantineThreshold is 3 after setting it to 1*'
        $answer.error | Should -BeLike '*previous values were put back*'
        $script:Lab.cluster['ResiliencyDefaultPeriod'] | Should -Be 240
    }

    It 'refuses a property the cluster does not have before changing anything' {
        $answer = Read-ClusterChaosAnswer { Set-ClusterChaosSetting -Cluster 'HV' -Name ResiliencyDefaultPeriod, MaxQuarantinedPercent -Value 60, 25 }
        $answer.error | Should -BeLike '*no property MaxQuarantinedPercent; nothing was changed*'
        $script:Lab.writes | Should -HaveCount 0
    }

    It 'refuses names and values that do not pair up' {
        $answer = Read-ClusterChaosAnswer { Set-ClusterChaosSetting -Cluster 'HV' -Name ResiliencyDefaultPeriod, QuarantineThreshold -Value 60 }
        $answer.error | Should -BeLike '*2 names but 1 values*'
        $script:Lab.writes | Should -HaveCount 0
    }
}

Describe 'a VM''s own ResiliencyPeriod (ops get-vm-settings, set-vm-settings; review B5)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        Use-TestCluster
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        $script:Lab.periods = @{ 'g-web01' = [uint32]0; 'g-db01' = [uint32]0 }
        $script:Lab.stuck = @()
        # Groups whose ResiliencyPeriod is live: setting it writes to the lab, unless the group is stuck.
        Mock -ModuleName ClusterChaos Get-ClusterGroup {
            foreach ($group in $script:Lab.groups) {
                $copy = $group.PSObject.Copy()
                $copy.PSObject.Properties.Remove('ResiliencyPeriod')
                $id = $group.Id
                $lab = $script:Lab
                $getter = { [uint32]$lab.periods[$id] }.GetNewClosure()
                $setter = { param($v) if ($lab.stuck -notcontains $id) { $lab.periods[$id] = [uint32]$v } }.GetNewClosure()
                $copy | Add-Member -MemberType ScriptProperty -Name ResiliencyPeriod -Value $getter -SecondValue $setter
                $copy
            }
        }
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'sets it on the VM''s real group, found by its Virtual Machine resource, and reads it back' {
        $answer = Read-ClusterChaosAnswer -Raw { Set-ClusterChaosVmSetting -Cluster 'HV' -Vm db01 -ResiliencyPeriod 20 }
        $answer | Should -BeExactly '{"name":"db01","group":"SCVMM db01 Resources","previous":0,"value":20}'
        $script:Lab.periods['g-db01'] | Should -Be 20
        $script:Lab.periods['g-web01'] | Should -Be 0
    }

    It 'refuses a value that did not take' {
        $script:Lab.stuck = @('g-db01')
        $answer = Read-ClusterChaosAnswer { Set-ClusterChaosVmSetting -Cluster 'HV' -Vm db01 -ResiliencyPeriod 20 }
        $answer.error | Should -BeLike "*'SCVMM db01 Resources' has ResiliencyPeriod 0 after setting it to 20*"
    }

    It 'refuses a VM the cluster does not have' {
        $answer = Read-ClusterChaosAnswer { Set-ClusterChaosVmSetting -Cluster 'HV' -Vm 'db0*' -ResiliencyPeriod 20 }
        $answer.error | Should -BeLike "*no clustered VM named 'db0*'*"
    }

    It 'reads each VM''s ResiliencyPeriod from its group' {
        $script:Lab.periods['g-web01'] = [uint32]120
        $answer = Read-ClusterChaosAnswer -Raw { Get-ClusterChaosVmSetting -Cluster 'HV' -Vm web01, db01 }
        $answer | Should -BeExactly '{"vms":[{"name":"web01","group":"web01-group","resiliencyPeriod":120},{"name":"db01","group":"SCVMM db01 Resources","resiliencyPeriod":0}]}'
    }
}
