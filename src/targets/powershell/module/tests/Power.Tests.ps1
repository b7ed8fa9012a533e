BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    # Windows PowerShell 5.1's Restart-Computer (-ComputerName, -Credential, -Force); pwsh on Linux has one without them
    Set-Item -Path 'function:global:Restart-Computer' -Value ([scriptblock]::Create('[CmdletBinding(SupportsShouldProcess = $true)] param([Parameter(Position = 0)] [string[]] $ComputerName, [pscredential] $Credential, [switch] $Force) process { }'))
    Import-Module $ModuleManifest -Force
}

AfterAll {
    Remove-Item -Path 'function:global:Restart-Computer' -ErrorAction SilentlyContinue
}

Describe 'a node''s power through its BMC, Redfish (ops power-off-node, power-on-node, power-state)' {
    BeforeEach {
        Reset-TestLab
        $script:Bmc = @{ power = 'On'; requests = @(); allowed = @('On', 'ForceOff', 'GracefulRestart'); offAfter = 0 }
        $env:PESTER_BMC_USERNAME = 'root'
        $env:PESTER_BMC_PASSWORD = 'calvin'
        $script:Clock = [datetime]::new(2026, 3, 1, 12, 0, 0, [DateTimeKind]::Utc)
        Mock -ModuleName ClusterChaos Get-Date { $script:Clock }
        Mock -ModuleName ClusterChaos Start-Sleep { $script:Clock = $script:Clock.AddSeconds(1) }
        Mock -ModuleName ClusterChaos Invoke-RestMethod {
            $script:Bmc.requests += [pscustomobject]@{ Method = [string]$Method; Uri = [string]$Uri; Body = $Body; Authorization = $Headers.Authorization; Skip = [bool]$SkipCertificateCheck }
            if ([string]$Method -eq 'Post') {
                $type = (ConvertFrom-Json -InputObject $Body).ResetType
                if ($type -eq 'ForceOff') { $script:Bmc.power = 'Off' } elseif ($type -eq 'On') { $script:Bmc.power = 'On' }
                return
            }
            [pscustomobject]@{
                PowerState = $script:Bmc.power
                Actions = [pscustomobject]@{ '#ComputerSystem.Reset' = [pscustomobject]@{ target = '/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset'; 'ResetType@Redfish.AllowableValues' = $script:Bmc.allowed } }
            }
        }
    }
    AfterEach {
        Remove-Item Env:PESTER_BMC_USERNAME, Env:PESTER_BMC_PASSWORD -ErrorAction SilentlyContinue
    }

    It 'cuts the power with ResetType ForceOff posted to the action''s target, Basic authentication from the named variables, and reads it back Off' {
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosHost -Cluster 'HV' -Node N2 -Redfish 'https://bmc-n2:8443/redfish/v1/Systems/System.Embedded.1' -CredentialVariable PESTER_BMC -SkipCertificateCheck }
        $answer.node | Should -Be 'N2'
        $answer.via | Should -Be 'redfish'
        $answer.before | Should -Be 'On'
        $answer.powerState | Should -Be 'Off'
        $answer.requestedAt | Should -Not -BeNullOrEmpty
        $post = @($script:Bmc.requests | Where-Object { $_.Method -eq 'Post' })
        $post.Count | Should -Be 1
        $post[0].Uri | Should -Be 'https://bmc-n2:8443/redfish/v1/Systems/System.Embedded.1/Actions/ComputerSystem.Reset'
        $post[0].Body | Should -Be '{"ResetType":"ForceOff"}'
        $post[0].Authorization | Should -Be ('Basic ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('root:calvin')))
        $post[0].Skip | Should -BeTrue
    }

    It 'refuses a ResetType the BMC does not offer, before posting anything' {
        $script:Bmc.allowed = @('On', 'GracefulShutdown')
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosHost -Cluster 'HV' -Node N2 -Redfish 'https://bmc-n2/redfish/v1/Systems/1' -CredentialVariable PESTER_BMC }
        $answer.error | Should -BeLike '*does not offer ResetType ForceOff (it offers On, GracefulShutdown); nothing was done'
        @($script:Bmc.requests | Where-Object { $_.Method -eq 'Post' }).Count | Should -Be 0
    }

    It 'names the environment variables when the credential is not there, and sends nothing' {
        Remove-Item Env:PESTER_BMC_PASSWORD
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosHost -Cluster 'HV' -Node N2 -Redfish 'https://bmc-n2/redfish/v1/Systems/1' -CredentialVariable PESTER_BMC }
        $answer.error | Should -BeLike '*PESTER_BMC_USERNAME and PESTER_BMC_PASSWORD must both be set on the management host*'
        $script:Bmc.requests.Count | Should -Be 0
    }

    It 'powers on with ResetType On; a host already on is left so (nothing posted)' {
        $answer = Read-ClusterChaosAnswer { Start-ClusterChaosHost -Cluster 'HV' -Node N2 -Redfish 'https://bmc-n2/redfish/v1/Systems/1' -CredentialVariable PESTER_BMC }
        $answer.requestedAt | Should -BeNullOrEmpty
        @($script:Bmc.requests | Where-Object { $_.Method -eq 'Post' }).Count | Should -Be 0
        $script:Bmc.power = 'Off'
        $answer = Read-ClusterChaosAnswer { Start-ClusterChaosHost -Cluster 'HV' -Node N2 -Redfish 'https://bmc-n2/redfish/v1/Systems/1' -CredentialVariable PESTER_BMC }
        $answer.powerState | Should -Be 'On'
        @($script:Bmc.requests | Where-Object { $_.Method -eq 'Post' })[0].Body | Should -Be '{"ResetType":"On"}'
    }

    It 'a power that never reads as asked within the timeout is an error marked outcomeUnknown' {
        Mock -ModuleName ClusterChaos Invoke-RestMethod {
            if ([string]$Method -eq 'Post') { return }
            [pscustomobject]@{ PowerState = 'On'; Actions = $null }
        }
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosHost -Cluster 'HV' -Node N2 -Redfish 'https://bmc-n2/redfish/v1/Systems/1' -CredentialVariable PESTER_BMC -TimeoutMs 5000 }
        $answer.error | Should -BeLike 'the power of N2 was switched Off (redfish) but it reads On after 5 s*'
        $answer.outcomeUnknown | Should -BeTrue
    }

    It 'reads the power state (read-only)' {
        $script:Bmc.power = 'Off'
        $answer = Read-ClusterChaosAnswer { Get-ClusterChaosPowerState -Cluster 'HV' -Node N2 -Redfish 'https://bmc-n2/redfish/v1/Systems/1' -CredentialVariable PESTER_BMC }
        $answer.powerState | Should -Be 'Off'
        @($script:Bmc.requests | Where-Object { $_.Method -eq 'Post' }).Count | Should -Be 0
    }
}

Describe 'a nested lab''s node through its outer Hyper-V host (Stop-VM -TurnOff, Start-VM)' {
    BeforeEach {
        Reset-TestLab
        $script:Outer = @{ state = 'Running'; calls = @() }
        $script:Clock = [datetime]::new(2026, 3, 1, 12, 0, 0, [DateTimeKind]::Utc)
        Mock -ModuleName ClusterChaos Get-Date { $script:Clock }
        Mock -ModuleName ClusterChaos Start-Sleep { $script:Clock = $script:Clock.AddSeconds(1) }
        Mock -ModuleName ClusterChaos Get-VM {
            @([pscustomobject]@{ Name = 'LAB-N3'; State = $script:Outer.state; ComputerName = $ComputerName[0] }, [pscustomobject]@{ Name = 'LAB-N3-old'; State = 'Off' })
        }
        Mock -ModuleName ClusterChaos Stop-VM { $script:Outer.calls += ('Stop-VM ' + ($ComputerName -join ',') + ' ' + ($Name -join ',') + ' TurnOff=' + [bool]$TurnOff + ' Force=' + [bool]$Force); $script:Outer.state = 'Off' }
        Mock -ModuleName ClusterChaos Start-VM { $script:Outer.calls += ('Start-VM ' + ($ComputerName -join ',') + ' ' + ($Name -join ',')); $script:Outer.state = 'Running' }
    }

    It 'turns the node''s VM off on the outer host (by its exact name, not a wildcard) and reads it back Off; powers it on with Start-VM' {
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosHost -Cluster 'HV' -Node N3 -HyperVHost OUTER01 -VmName LAB-N3 }
        $answer.via | Should -Be 'hyperv'
        $answer.powerState | Should -Be 'Off'
        $script:Outer.calls | Should -Be @('Stop-VM OUTER01 LAB-N3 TurnOff=True Force=True')
        $answer = Read-ClusterChaosAnswer { Start-ClusterChaosHost -Cluster 'HV' -Node N3 -HyperVHost OUTER01 -VmName LAB-N3 }
        $answer.powerState | Should -Be 'On'
        $script:Outer.calls[1] | Should -Be 'Start-VM OUTER01 LAB-N3'
    }

    It 'refuses a VM the outer host does not have, doing nothing' {
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosHost -Cluster 'HV' -Node N3 -HyperVHost OUTER01 -VmName LAB-N9 }
        $answer.error | Should -BeLike 'the Hyper-V host OUTER01 has no VM named LAB-N9*'
        $script:Outer.calls.Count | Should -Be 0
    }
}

Describe 'an OS restart (op restart-node)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        Use-TestCluster
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        $script:Restart = @{ calls = @(); states = @() }
        $script:Clock = [datetime]::new(2026, 3, 1, 12, 0, 0, [DateTimeKind]::Utc)
        Mock -ModuleName ClusterChaos Get-Date { $script:Clock }
        Mock -ModuleName ClusterChaos Start-Sleep { $script:Clock = $script:Clock.AddSeconds(1) }
        Mock -ModuleName ClusterChaos Restart-Computer { $script:Restart.calls += ('Restart-Computer ' + ($ComputerName -join ',') + ' Force=' + [bool]$Force) }
        # N2 as each read sees it: still Up (the drain), then gone, then joining, then Up
        Mock -ModuleName ClusterChaos Get-ClusterNode {
            $state = 'Up'
            if ($script:Restart.states.Count -gt 0) { $state = $script:Restart.states[0]; $script:Restart.states = @($script:Restart.states | Select-Object -Skip 1) }
            @((New-TestNode N1), (New-TestNode N2 -State $state), (New-TestNode N3))
        }
    }

    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'restarts the node from the management host and answers once it has been gone and is back, not while it is still Up before going' {
        $script:Restart.states = @('Up', 'Up', 'Down', 'Down', 'Joining', 'Up')
        $answer = Read-ClusterChaosAnswer { Restart-ClusterChaosNode -Cluster 'HV' -Node N2 -TimeoutMs 600000 }
        $script:Restart.calls | Should -Be @('Restart-Computer N2 Force=True')
        $answer.state | Should -Be 'Up'
        $answer.leftAt | Should -Not -BeNullOrEmpty
        $answer.totalMs | Should -Be 5000
    }

    It 'past the timeout the outcome is unknown, saying whether it ever left' {
        $script:Restart.states = @('Up', 'Up', 'Up', 'Up', 'Up', 'Up', 'Up', 'Up')
        $answer = Read-ClusterChaosAnswer { Restart-ClusterChaosNode -Cluster 'HV' -Node N2 -TimeoutMs 3000 }
        $answer.error | Should -BeLike 'N2 was restarted (Restart-Computer) but never left the cluster after 3 s*'
        $answer.outcomeUnknown | Should -BeTrue
    }
}
