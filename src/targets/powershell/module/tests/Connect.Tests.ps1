BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    # SERVICE_FAILURE_ACTIONS as a byte array: DWORDs little-endian; pointers of $pointer bytes (0); $align:
    # the count padded to 8 bytes as a 64-bit compiler lays the struct out.
    function New-FailureActions([long] $ResetSeconds, [object[]] $Actions, [int] $Pointer = 4, [switch] $Align) {
        $bytes = New-Object System.Collections.Generic.List[byte]
        function Add-Dword([long] $v) { foreach ($i in 0..3) { $bytes.Add([byte](($v -shr (8 * $i)) -band 0xFF)) } }
        function Add-Zero([int] $n) { for ($i = 0; $i -lt $n; $i++) { $bytes.Add(0) } }
        Add-Dword $ResetSeconds
        if ($Align) { Add-Zero 4 }
        Add-Zero $Pointer; Add-Zero $Pointer
        Add-Dword $Actions.Count
        if ($Align) { Add-Zero 4 }
        Add-Zero $Pointer
        foreach ($action in $Actions) { Add-Dword $action[0]; Add-Dword $action[1] }
        , $bytes.ToArray()
    }
}

Describe 'clussvc''s FailureActions (review R6)' {
    It 'reads the layout Windows stores (4-byte pointer fields)' {
        # sc.exe qfailure clussvc on a lab node: reset 900 s, restart after 60 s, restart after 60 s, none
        $bytes = [byte[]](0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x14, 0, 0, 0,
            1, 0, 0, 0, 0x60, 0xEA, 0, 0, 1, 0, 0, 0, 0x60, 0xEA, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        $parsed = InModuleScope ClusterChaos -Parameters @{ b = $bytes } { param($b) ConvertFrom-ClusterChaosFailureActions -Bytes $b }
        $parsed.resetPeriodS | Should -Be 900
        $parsed.actions | Should -HaveCount 3
        $parsed.actions[0].type | Should -Be 1
        $parsed.actions[0].delayMs | Should -Be 60000
        $parsed.actions[2].type | Should -Be 0
    }

    It 'reads 8-byte pointer fields, packed and aligned' {
        foreach ($align in $false, $true) {
            $bytes = New-FailureActions -ResetSeconds 86400 -Actions @(, @(1, 15000)) -Pointer 8 -Align:$align
            $parsed = InModuleScope ClusterChaos -Parameters @{ b = $bytes } { param($b) ConvertFrom-ClusterChaosFailureActions -Bytes $b }
            $parsed.resetPeriodS | Should -Be 86400
            $parsed.actions | Should -HaveCount 1
            $parsed.actions[0].delayMs | Should -Be 15000
        }
    }

    It 'reads a delay above 2^31 ms as a positive number' {
        $bytes = New-FailureActions -ResetSeconds 0 -Actions @(, @(1, 4294967295))
        $parsed = InModuleScope ClusterChaos -Parameters @{ b = $bytes } { param($b) ConvertFrom-ClusterChaosFailureActions -Bytes $b }
        $parsed.actions[0].delayMs | Should -Be 4294967295
    }

    It 'refuses a blob whose length does not match its count' {
        $bytes = New-FailureActions -ResetSeconds 900 -Actions @(@(1, 60000), @(1, 60000))
        $cut = $bytes[0..($bytes.Length - 3)]
        { InModuleScope ClusterChaos -Parameters @{ b = [byte[]]$cut } { param($b) ConvertFrom-ClusterChaosFailureActions -Bytes $b } } | Should -Throw '*not a SERVICE_FAILURE_ACTIONS*'
    }

    It 'takes the first action''s delay as the recovery delay only when it is a restart' {
        InModuleScope ClusterChaos { Get-ClusterChaosRecoveryDelay -FailureActions ([pscustomobject]@{ actions = @(@{ type = 1; delayMs = 15000 }) }) } | Should -Be 15000
        InModuleScope ClusterChaos { Get-ClusterChaosRecoveryDelay -FailureActions ([pscustomobject]@{ actions = @(@{ type = 0; delayMs = 15000 }) }) } | Should -BeNullOrEmpty
        InModuleScope ClusterChaos { Get-ClusterChaosRecoveryDelay -FailureActions ([pscustomobject]@{ actions = @() }) } | Should -BeNullOrEmpty
    }
}

Describe 'first contact (op connect)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        $script:Lab.failureActions = @{ N1 = (New-FailureActions -ResetSeconds 900 -Actions @(@(1, 15000), @(1, 60000))); N2 = (New-FailureActions -ResetSeconds 900 -Actions @(, @(0, 0))) }
        Mock -ModuleName ClusterChaos Get-ItemProperty -ParameterFilter { $LiteralPath -like '*ClusSvc' } {
            [pscustomobject]@{ FailureActions = [byte[]]$script:Lab.failureActions[$script:Lab.current] }
        }
        Mock -ModuleName ClusterChaos Get-ItemProperty -ParameterFilter { $LiteralPath -like '*Windows NT*' } {
            [pscustomobject]@{ CurrentMajorVersionNumber = 10; CurrentMinorVersionNumber = 0; CurrentBuildNumber = '20348'; CurrentVersion = '6.3' }
        }
        Mock -ModuleName ClusterChaos Get-Service { [pscustomobject]@{ Name = 'clussvc'; Status = 'Running'; StartType = 'Automatic' } }
        Mock -ModuleName ClusterChaos Get-TimeZone { [pscustomobject]@{ Id = 'W. Europe Standard Time' } }
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It "reports each node's time zone and its offset from UTC now, for the report's local times (issue 15)" {
        $answer = Read-ClusterChaosAnswer { Connect-ClusterChaosCluster -Cluster 'HV' -Node N1, N2 }
        $now = Get-Date
        $offset = [int][Math]::Round(($now - $now.ToUniversalTime()).TotalMinutes)
        foreach ($n in $answer.nodes) {
            $n.timeZone.id | Should -BeExactly 'W. Europe Standard Time'
            $n.timeZone.utcOffsetMinutes | Should -Be $offset
        }
    }

    It 'leaves the time zone out, and the node without error, when it cannot be read' {
        Mock -ModuleName ClusterChaos Get-TimeZone { throw 'Get-TimeZone is not available' }
        $answer = Read-ClusterChaosAnswer { Connect-ClusterChaosCluster -Cluster 'HV' -Node N1, N2 }
        $answer.nodes[0].PSObject.Properties.Name | Should -Not -Contain 'timeZone'
        $answer.nodes[0].PSObject.Properties.Name | Should -Not -Contain 'error'
    }

    It 'opens the sessions and reports each node: build, language mode, clussvc, clock (review N5, R6, R15)' {
        $answer = Read-ClusterChaosAnswer { Connect-ClusterChaosCluster -Cluster 'HV' -Node N1, N2 }
        $answer.failoverClusters | Should -BeExactly 'compat'
        $answer.edition | Should -BeExactly 'Core'
        $script:Lab.compatOpened | Should -Be 1
        $n1 = $answer.nodes[0]
        $n1.name | Should -BeExactly 'N1'
        $n1.reached | Should -BeTrue
        $n1.osVersion | Should -BeExactly '10.0.20348'
        $n1.languageMode | Should -BeExactly 'FullLanguage'
        $n1.clussvcRecoveryMs | Should -Be 15000
        $n1.clussvcStartType | Should -BeExactly 'Automatic'
        $n1.PSObject.Properties.Name | Should -Contain 'clockOffsetMs'
        $n1.PSObject.Properties.Name | Should -Contain 'offsetUncertaintyMs'
        $n1.PSObject.Properties.Name | Should -Not -Contain 'error'
        # N2's first action is not a restart: the service control manager will not bring clussvc back
        $answer.nodes[1].clussvcRecoveryMs | Should -BeNullOrEmpty
    }

    It "reports clussvc's whole FailureActions: the reset period and each failure's action with its delay (issue 14 item 8)" {
        $answer = Read-ClusterChaosAnswer { Connect-ClusterChaosCluster -Cluster 'HV' -Node N1, N2 }
        $n1 = $answer.nodes[0].clussvcRecovery
        $n1.resetPeriodS | Should -Be 900
        @($n1.actions).Count | Should -Be 2
        $n1.actions[0].type | Should -Be 1
        $n1.actions[0].delayMs | Should -Be 15000
        $n1.actions[1].type | Should -Be 1
        $n1.actions[1].delayMs | Should -Be 60000
        $n2 = $answer.nodes[1].clussvcRecovery
        @($n2.actions).Count | Should -Be 1
        $n2.actions[0].type | Should -Be 0
    }

    It 'reports a node it could not reach, with the reason, and still the others' {
        $script:Lab.down = @('N2')
        $answer = Read-ClusterChaosAnswer { Connect-ClusterChaosCluster -Cluster 'HV' -Node N1, N2 }
        $answer.nodes[0].reached | Should -BeTrue
        $answer.nodes[1].reached | Should -BeFalse
        $answer.nodes[1].error | Should -BeLike '*N2 failed*'
    }

    It 'still reports the language mode when the rest cannot be read' {
        Mock -ModuleName ClusterChaos Get-ItemProperty -ParameterFilter { $true } { throw 'Cannot invoke method. Method invocation is supported only on core types in this language mode.' }
        $answer = Read-ClusterChaosAnswer { Connect-ClusterChaosCluster -Cluster 'HV' -Node N1 }
        $answer.nodes[0].reached | Should -BeTrue
        $answer.nodes[0].languageMode | Should -BeExactly 'FullLanguage'
        $answer.nodes[0].error | Should -BeLike '*language mode*'
    }
}
