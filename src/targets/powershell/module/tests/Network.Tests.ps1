BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    function Get-EncodedCommand($Argument) {
        $encoded = ($Argument -split ' ')[-1]
        [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($encoded))
    }
}

Describe 'peer addresses (review N4)' {
    It 'drops link-local addresses and zone indexes, keeps the rest once' {
        $kept = InModuleScope ClusterChaos {
            [string[]]@(Select-ClusterChaosPeerAddress -Address '10.0.0.12', 'fe80::1%12', '169.254.3.4', '2001:db8::12%3', '10.0.0.12', 'N2', '')
        }
        $kept | Should -Be @('10.0.0.12', '2001:db8::12')
    }
}

Describe 'whether the firewall would enforce the rules (review R4)' {
    It 'accepts an enabled profile that applies local rules' {
        $problems = InModuleScope ClusterChaos {
            @(Get-ClusterChaosFirewallProblem -Profile @([pscustomobject]@{ interface = 'Cluster'; category = 'DomainAuthenticated'; profile = 'Domain'; enabled = 'True'; allowLocalRules = 'NotConfigured'; disabledInterfaces = @() }))
        }
        $problems | Should -HaveCount 0
    }

    It 'names a disabled profile, a GPO that ignores local rules, and an excluded interface' {
        $problems = InModuleScope ClusterChaos {
            @(Get-ClusterChaosFirewallProblem -Profile @(
                    [pscustomobject]@{ interface = 'Cluster'; category = 'DomainAuthenticated'; profile = 'Domain'; enabled = 'False'; allowLocalRules = 'True'; disabledInterfaces = @() }
                    [pscustomobject]@{ interface = 'Storage'; category = 'Private'; profile = 'Private'; enabled = 'True'; allowLocalRules = 'False'; disabledInterfaces = @('Storage') }
                ))
        }
        $problems | Should -HaveCount 3
        $problems[0] | Should -BeLike "the Domain firewall profile (interface 'Cluster'*) is not enabled*"
        $problems[1] | Should -BeLike '*Private*ignores local rules*'
        $problems[2] | Should -BeLike '*DisabledInterfaceAliases*'
    }

    It 'refuses when no profile could be found' {
        $problems = InModuleScope ClusterChaos { @(Get-ClusterChaosFirewallProblem -Profile @()) }
        $problems | Should -HaveCount 1
    }
}

Describe 'isolating a node and restoring it (ops isolate-network, restore-network)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        $script:Lab.steps = @()
        $script:Lab.rules = [ordered]@{}
        $script:Lab.active = $true
        $script:Lab.tasks = @{}
        $script:Lab.firewall = @{ Enabled = 'True'; AllowLocalFirewallRules = 'NotConfigured'; DisabledInterfaceAliases = @('NotConfigured') }
        $script:Lab.clock = [datetime]::new(2026, 10, 25, 2, 30, 0, [DateTimeKind]::Local)
        Mock -ModuleName ClusterChaos Get-Date { $script:Lab.clock }
        # One cluster network carrying everything (Role 3, ClusterAndClient), as Get-ClusterNetwork gives it
        Mock -ModuleName ClusterChaos Get-ClusterNetwork {
            [pscustomobject]@{ Name = 'Cluster Network 1'; Role = 3; Address = '10.0.0.0'; AddressMask = '255.255.255.0' }
        }
        Mock -ModuleName ClusterChaos Get-ClusterNetworkInterface {
            [pscustomobject]@{ Node = 'N1'; Adapter = 'Cluster'; Address = '10.0.0.11'; Ipv4Addresses = @('10.0.0.11'); Ipv6Addresses = @('fe80::11%4') }
            [pscustomobject]@{ Node = 'N2'; Name = 'N2 - Cluster'; Adapter = 'Microsoft Hyper-V Network Adapter #2'; Address = '10.0.0.12'; Ipv4Addresses = @('10.0.0.12'); Ipv6Addresses = @() }
            [pscustomobject]@{ Node = 'N3'; Adapter = 'Cluster'; Address = '10.0.0.13'; Ipv4Addresses = @('10.0.0.13'); Ipv6Addresses = @() }
        }
        # Two connections: the cluster NIC (Domain) and a management NIC (Public, firewall off: not the cluster's)
        Mock -ModuleName ClusterChaos Get-NetConnectionProfile {
            $all = @(
                [pscustomobject]@{ InterfaceAlias = 'Cluster'; NetworkCategory = 'DomainAuthenticated' }
                [pscustomobject]@{ InterfaceAlias = 'Management'; NetworkCategory = 'Public' }
            )
            if ($PesterBoundParameters.ContainsKey('InterfaceAlias')) { $all = @($all | Where-Object { $InterfaceAlias -contains $_.InterfaceAlias }) }
            $all
        }
        Mock -ModuleName ClusterChaos Get-NetFirewallProfile {
            if ($Name[0] -eq 'Public') { return [pscustomobject]@{ Name = 'Public'; Enabled = 'False'; AllowLocalFirewallRules = 'NotConfigured'; DisabledInterfaceAliases = @() } }
            [pscustomobject]@{ Name = $Name[0]; Enabled = $script:Lab.firewall.Enabled; AllowLocalFirewallRules = $script:Lab.firewall.AllowLocalFirewallRules; DisabledInterfaceAliases = $script:Lab.firewall.DisabledInterfaceAliases }
        }
        Mock -ModuleName ClusterChaos Resolve-DnsName {
            [pscustomobject]@{ Name = $Name; IPAddress = '10.0.1.' + $Name.Substring(1) }
            [pscustomobject]@{ Name = $Name; IPAddress = 'fe80::99%12' }
            [pscustomobject]@{ Name = $Name; NameHost = 'alias' }
        }
        Mock -ModuleName ClusterChaos New-NetFirewallRule {
            $script:Lab.steps += ('New-NetFirewallRule ' + $Name)
            $script:Lab.rules[$Name] = [pscustomobject]@{ Name = $Name; Group = $Group; Direction = $Direction; Protocol = $Protocol; LocalPort = $LocalPort; RemotePort = $RemotePort; RemoteAddress = $RemoteAddress; Action = $Action }
        }
        Mock -ModuleName ClusterChaos Get-NetFirewallRule {
            if ($PolicyStore -eq 'ActiveStore' -and -not $script:Lab.active) { return }
            @($script:Lab.rules.Values) | Where-Object { (-not $Group -or $Group -contains $_.Group) -and (-not $PesterBoundParameters.ContainsKey('Name') -or $Name -contains $_.Name) }
        }
        Mock -ModuleName ClusterChaos Remove-NetFirewallRule { $script:Lab.steps += ('Remove ' + $InputObject.Name); $script:Lab.rules.Remove($InputObject.Name) }
        Mock -ModuleName ClusterChaos New-ScheduledTaskAction { [pscustomobject]@{ Execute = $Execute; Arguments = $Argument } }
        Mock -ModuleName ClusterChaos New-ScheduledTaskTrigger {
            if ($PesterBoundParameters.ContainsKey('AtStartup')) { return [pscustomobject]@{ Kind = 'AtStartup' } }
            [pscustomobject]@{ Kind = 'Once'; StartBoundary = $At.ToString('s') }
        }
        Mock -ModuleName ClusterChaos New-ScheduledTaskSettingsSet { [pscustomobject]@{ Bound = @($PesterBoundParameters.Keys) } }
        Mock -ModuleName ClusterChaos New-ScheduledTaskPrincipal { [pscustomobject]@{ UserId = $UserId } }
        Mock -ModuleName ClusterChaos Register-ScheduledTask {
            $script:Lab.steps += ('Register ' + $TaskName)
            $script:Lab.tasks[$TaskName] = [pscustomobject]@{ TaskName = $TaskName; Action = $Action; Trigger = @($Trigger); Settings = $Settings }
        }
        Mock -ModuleName ClusterChaos Get-ScheduledTask { if ($script:Lab.tasks.ContainsKey($TaskName[0])) { $script:Lab.tasks[$TaskName[0]] } }
        Mock -ModuleName ClusterChaos Unregister-ScheduledTask {
            $name = $TaskName
            if ($InputObject) { $name = $InputObject.TaskName }
            $script:Lab.steps += ('Unregister ' + $name)
            $script:Lab.tasks.Remove($name)
        }
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'refuses, changing nothing, when the firewall is off for the cluster NIC''s profile (review R4)' {
        $script:Lab.firewall.Enabled = 'False'
        $answer = Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -HealAfterMs 60000 -Tag 'clusterchaos-run1' }
        $answer.error | Should -BeLike 'fault not effective: on N2, the Domain firewall profile*not enabled*nothing was changed'
        $answer.notEffective | Should -BeTrue
        $script:Lab.steps | Should -HaveCount 0
        # the cluster NIC found by its connection name (the interface's Name), not by the adapter's description
        Should -Invoke -ModuleName ClusterChaos Get-NetConnectionProfile -ParameterFilter { $InterfaceAlias -contains 'Cluster' } -Times 1 -Exactly
        Should -Invoke -ModuleName ClusterChaos Get-NetFirewallProfile -ParameterFilter { $PolicyStore -eq 'ActiveStore' -and $Name -contains 'Domain' } -Times 1 -Exactly
    }

    It 'refuses when Group Policy ignores local rules (review R4)' {
        $script:Lab.firewall.AllowLocalFirewallRules = 'False'
        $answer = Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -HealAfterMs 60000 -Tag 'clusterchaos-run1' }
        $answer.notEffective | Should -BeTrue
        $script:Lab.steps | Should -HaveCount 0
    }

    It 'registers the heal task before any rule, then blocks UDP and TCP 3343 both ways, tagged with the run' {
        $answer = Read-ClusterChaosAnswer -Raw { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -HealAfterMs 60000 -Tag 'clusterchaos-run1' }
        $script:Lab.steps | Should -Be @(
            'Register clusterchaos-run1-heal'
            'New-NetFirewallRule clusterchaos-run1-Inbound-UDP'
            'New-NetFirewallRule clusterchaos-run1-Inbound-TCP'
            'New-NetFirewallRule clusterchaos-run1-Outbound-UDP'
            'New-NetFirewallRule clusterchaos-run1-Outbound-TCP')
        $inbound = $script:Lab.rules['clusterchaos-run1-Inbound-UDP']
        $inbound.LocalPort | Should -Be 3343
        $inbound.Action | Should -BeExactly 'Block'
        $inbound.Group | Should -BeExactly 'clusterchaos-run1'
        $inbound.RemoteAddress | Should -Be @('Any')
        $script:Lab.rules['clusterchaos-run1-Outbound-TCP'].RemotePort | Should -Be 3343
        $answer.Contains('"rules":["clusterchaos-run1-Inbound-UDP","clusterchaos-run1-Inbound-TCP","clusterchaos-run1-Outbound-UDP","clusterchaos-run1-Outbound-TCP"]') | Should -BeTrue
        $answer | Should -BeLike ('*"healAt":"' + $script:Lab.clock.AddMinutes(1).ToUniversalTime().ToString('o') + '"*')
    }

    It 'cuts only the peers, by their cluster NIC and DNS addresses, without link-local ones (review N4)' {
        Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -Peer N1 -HealAfterMs 60000 -Tag 'clusterchaos-run1' } | Out-Null
        $script:Lab.rules['clusterchaos-run1-Inbound-UDP'].RemoteAddress | Should -Be @('10.0.0.11', '10.0.1.1')
    }

    It 'gives the heal an absolute deadline with its offset, an AtStartup trigger and StartWhenAvailable; it loops until the rules are gone (review R5, N9)' {
        Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -HealAfterMs 60000 -Tag 'clusterchaos-run1' } | Out-Null
        $task = $script:Lab.tasks['clusterchaos-run1-heal']
        ($task.Trigger | Where-Object { $_.Kind -eq 'Once' }).StartBoundary |
            Should -BeExactly $script:Lab.clock.AddMinutes(1).ToString('yyyy-MM-ddTHH:mm:sszzz', [Globalization.CultureInfo]::InvariantCulture)
        @($task.Trigger | Where-Object { $_.Kind -eq 'AtStartup' }) | Should -HaveCount 1
        $task.Settings.Bound | Should -Contain 'StartWhenAvailable'
        $task.Action.Execute | Should -BeExactly 'powershell.exe'
        $heal = Get-EncodedCommand $task.Action.Arguments
        $heal | Should -BeLike "*`$tag = 'clusterchaos-run1'*"
        $heal | Should -BeLike '*for (*Remove-NetFirewallRule*if (@(Get-NetFirewallRule -Group $tag*).Count -eq 0) { Unregister-ScheduledTask*; break }*Start-Sleep*'
        $errors = $null
        [System.Management.Automation.Language.Parser]::ParseInput($heal, [ref]$null, [ref]$errors) | Out-Null
        $errors | Should -HaveCount 0
    }

    It 'removes everything and says so when the rules are not in the ActiveStore (review R4)' {
        $script:Lab.active = $false
        $answer = Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -HealAfterMs 60000 -Tag 'clusterchaos-run1' }
        $answer.notEffective | Should -BeTrue
        $answer.error | Should -BeLike '*not in the ActiveStore*'
        $script:Lab.rules.Count | Should -Be 0
        $script:Lab.tasks.Count | Should -Be 0
    }

    It 'refuses a deadline already passed once the rules are in place, removing them (review R5)' {
        Mock -ModuleName ClusterChaos New-NetFirewallRule {
            $script:Lab.rules[$Name] = [pscustomobject]@{ Name = $Name; Group = $Group }
            $script:Lab.clock = $script:Lab.clock.AddSeconds(1)
        }
        $answer = Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -HealAfterMs 3000 -Tag 'clusterchaos-run1' }
        $answer.error | Should -BeLike '*deadline passed*removed*'
        $answer.PSObject.Properties.Name | Should -Not -Contain 'notEffective'
        $script:Lab.rules.Count | Should -Be 0
        $script:Lab.tasks.Count | Should -Be 0
    }

    It 'refuses a peer without any address, changing nothing' {
        Mock -ModuleName ClusterChaos Resolve-DnsName { }
        $answer = Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -Peer N9 -HealAfterMs 60000 -Tag 'clusterchaos-run1' }
        $answer.error | Should -BeLike 'no address found for the peer N9*'
        $script:Lab.steps | Should -HaveCount 0
    }

    It 'refuses a tag that could match other rules' {
        $answer = Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -HealAfterMs 60000 -Tag 'clusterchaos-*' }
        $answer.error | Should -BeLike 'the run tag must be*'
    }

    It 'restores: removes the tag''s rules and the heal task, answers what it removed' {
        Read-ClusterChaosAnswer { Disconnect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -HealAfterMs 60000 -Tag 'clusterchaos-run1' } | Out-Null
        $script:Lab.rules['other'] = [pscustomobject]@{ Name = 'other'; Group = 'Failover Clusters' }
        $answer = Read-ClusterChaosAnswer { Connect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -Tag 'clusterchaos-run1' }
        @($answer.removed) | Should -HaveCount 4
        @($script:Lab.rules.Keys) | Should -Be @('other')
        $script:Lab.tasks.Count | Should -Be 0
    }

    It 'restores a node with nothing left to remove' {
        $answer = Read-ClusterChaosAnswer -Raw { Connect-ClusterChaosNetwork -Cluster 'HV' -Node N2 -Tag 'clusterchaos-run1' }
        $answer.Contains('"removed":[]') | Should -BeTrue
    }
}
