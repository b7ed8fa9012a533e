BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force
}

Describe 'the framed answer (review B3, R9)' {
    It 'prints exactly the opening marker, one line of JSON and the closing marker' {
        $lines = @(InModuleScope ClusterChaos { Invoke-ClusterChaosOperation { [ordered]@{ at = 'x'; n = 1 } } })
        $lines | Should -HaveCount 3
        $lines[0] | Should -BeExactly '@@clusterchaos-answer@@'
        $lines[1] | Should -BeExactly '{"at":"x","n":1}'
        $lines[2] | Should -BeExactly '@@clusterchaos-end@@'
    }

    It 'writes every character outside ASCII as \uNNNN, so the console code page cannot change a name' {
        $json = InModuleScope ClusterChaos { ConvertTo-ClusterChaosJson -InputObject ([ordered]@{ vm = "Bob`u{2019}s VM"; node = "N`u{00E9}"; emoji = "`u{1F600}" }) }
        $json | Should -Not -Match '[^\x00-\x7F]'
        $json | Should -BeLike '*Bob\u2019s VM*'
        $json | Should -BeLike '*N\u00e9*'
        # an astral character is a surrogate pair, each half escaped: JSON reads it back as the one character
        $json | Should -BeLike '*\ud83d\ude00*'
        $back = $json | ConvertFrom-Json
        $back.vm | Should -BeExactly "Bob`u{2019}s VM"
        $back.emoji | Should -BeExactly "`u{1F600}"
    }

    It 'keeps empty lists and lists of one as lists' {
        $json = InModuleScope ClusterChaos {
            ConvertTo-ClusterChaosJson -InputObject ([ordered]@{ none = [string[]]@(ConvertTo-ClusterChaosStringList $null); one = [string[]]@(ConvertTo-ClusterChaosStringList 'a') })
        }
        $json | Should -BeExactly '{"none":[],"one":["a"]}'
    }

    It 'answers a failure inside the frame as {"error": ...}, nothing on the error stream' {
        $lines = @(InModuleScope ClusterChaos { Invoke-ClusterChaosOperation { throw 'the cluster said no' } } 2>&1)
        $lines | Should -HaveCount 3
        $lines[1] | Should -BeExactly '{"error":"the cluster said no"}'
    }

    It 'turns a cmdlet error into a failure answer (ErrorActionPreference Stop inside)' {
        $answer = Read-ClusterChaosAnswer { InModuleScope ClusterChaos { Invoke-ClusterChaosOperation { Write-Error 'non-terminating'; [ordered]@{ ok = $true } } } }
        $answer.error | Should -BeExactly 'non-terminating'
        $answer.PSObject.Properties.Name | Should -Not -Contain 'ok'
    }

    It 'marks a fault that would not take effect with notEffective, and carries extra fields' {
        $answer = Read-ClusterChaosAnswer {
            InModuleScope ClusterChaos {
                Invoke-ClusterChaosOperation { throw (New-ClusterChaosException -NotEffective -Message 'fault not effective: firewall off' -Extra @{ restoreErrors = @('N1: x') }) }
            }
        }
        $answer.error | Should -BeExactly 'fault not effective: firewall off'
        $answer.notEffective | Should -BeTrue
        $answer.restoreErrors | Should -Be @('N1: x')
    }

    It 'takes the last object as the answer when a cmdlet let something through' {
        $answer = Read-ClusterChaosAnswer { InModuleScope ClusterChaos { Invoke-ClusterChaosOperation { 'stray'; [ordered]@{ at = 'then' } } } }
        $answer.at | Should -BeExactly 'then'
    }

    It 'silences warnings: none reach the output' {
        $lines = @(InModuleScope ClusterChaos { Invoke-ClusterChaosOperation { Write-Warning 'Waiting for service clussvc to start...'; [ordered]@{ ok = $true } } } 3>&1)
        $lines | Should -HaveCount 3
        ($lines -join "`n") | Should -Not -BeLike '*Waiting*'
    }
}

Describe 'ConvertFrom-ClusterChaosBase64 (review R9)' {
    It 'decodes base64 of UTF-8' {
        $encoded = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("Bob`u{2019}s VM"))
        ConvertFrom-ClusterChaosBase64 $encoded | Should -BeExactly "Bob`u{2019}s VM"
    }

    It 'decodes an empty value' {
        ConvertFrom-ClusterChaosBase64 '' | Should -BeExactly ''
    }

    It 'refuses what is not base64' {
        { ConvertFrom-ClusterChaosBase64 'not base64!' } | Should -Throw
    }

    It 'refuses bytes that are not UTF-8 rather than decode a different name' {
        { ConvertFrom-ClusterChaosBase64 ([Convert]::ToBase64String([byte[]](0x41, 0xFF, 0x42))) } | Should -Throw
    }
}

Describe 'flags bit by bit (review R10)' {
    BeforeAll {
        $script:nodeFlags = [pscustomobject]@{
            underlying = 'Int32'
            names = @('Normal', 'Isolated', 'Quarantined', 'DrainInProgress', 'DrainCompleted', 'DrainFailed', 'AvoidPlacement', 'Unknown')
            values = @('0', '1', '2', '4', '8', '16', '32', '-2147483648')
        }
    }

    It 'names each defined bit' {
        $names = InModuleScope ClusterChaos -Parameters @{ d = $nodeFlags } { param($d) [string[]]@(ConvertTo-ClusterChaosFlagName -Value '3' -Definition $d) }
        $names | Should -Be @('Isolated', 'Quarantined')
    }

    It 'names a bit the enum does not define bit:<value>' {
        $names = InModuleScope ClusterChaos -Parameters @{ d = $nodeFlags } { param($d) [string[]]@(ConvertTo-ClusterChaosFlagName -Value '289' -Definition $d) }
        $names | Should -Be @('Isolated', 'AvoidPlacement', 'bit:256')
    }

    It 'reads a negative Int32 as its unsigned bits (Unknown = 0x80000000)' {
        $names = InModuleScope ClusterChaos -Parameters @{ d = $nodeFlags } { param($d) [string[]]@(ConvertTo-ClusterChaosFlagName -Value '-2147483647' -Definition $d) }
        $names | Should -Be @('Isolated', 'Unknown')
    }

    It 'has no name for Normal (0)' {
        $names = InModuleScope ClusterChaos -Parameters @{ d = $nodeFlags } { param($d) [string[]]@(ConvertTo-ClusterChaosFlagName -Value '0' -Definition $d) }
        $names | Should -HaveCount 0
    }

    It 'handles the top bit of a UInt64 flags value' {
        $definition = [pscustomobject]@{ underlying = 'UInt64'; names = @('Unmonitored'); values = @('256') }
        $names = InModuleScope ClusterChaos -Parameters @{ d = $definition } { param($d) [string[]]@(ConvertTo-ClusterChaosFlagName -Value '9223372036854775808' -Definition $d) }
        $names | Should -Be @('bit:9223372036854775808')
    }

    It 'without a definition names every bit by its value' {
        $names = InModuleScope ClusterChaos { [string[]]@(ConvertTo-ClusterChaosFlagName -Value '5' -Definition $null) }
        $names | Should -Be @('bit:1', 'bit:4')
    }
}
