BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModuleManifest -Force

    function Get-EncodedCommand($Argument) {
        $encoded = ($Argument -split ' ')[-1]
        [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($encoded))
    }
}

Describe 'clussvc on a node (ops kill-clussvc, hold-down-clussvc, start-clussvc)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        $script:Lab.service = @{ Status = 'Running'; StartType = 'Automatic' }
        $script:Lab.tasks = @{}
        $script:Lab.steps = @()
        $script:Lab.clock = [datetime]::new(2026, 3, 29, 0, 59, 0, [DateTimeKind]::Local)
        Mock -ModuleName ClusterChaos Get-Date { $script:Lab.clock }
        Mock -ModuleName ClusterChaos Get-Service { [pscustomobject]@{ Name = 'clussvc'; Status = $script:Lab.service.Status; StartType = $script:Lab.service.StartType } }
        Mock -ModuleName ClusterChaos Set-Service { $script:Lab.steps += ('Set-Service ' + $StartupType); $script:Lab.service.StartType = $StartupType }
        Mock -ModuleName ClusterChaos Start-Service { $script:Lab.steps += 'Start-Service'; $script:Lab.service.Status = 'Running' }
        Mock -ModuleName ClusterChaos Stop-Process { $script:Lab.steps += ('Stop-Process ' + $Name); $script:Lab.service.Status = 'Stopped' }
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

    It 'kills clussvc on the node and answers the node''s time' {
        $answer = Read-ClusterChaosAnswer -Raw { Stop-ClusterChaosService -Cluster 'HV' -Node N2 }
        $script:Lab.steps | Should -Be @('Stop-Process clussvc')
        $answer | Should -BeLike '{"at":"2026-03-*"}'
        Should -Invoke -ModuleName ClusterChaos Register-ScheduledTask -Times 0 -Exactly
    }

    It 'holds it down: the lift task first, then Disabled, then the kill' {
        $answer = Read-ClusterChaosAnswer -Raw { Stop-ClusterChaosService -Cluster 'HV' -Node N2 -HoldDownMs 600000 }
        $script:Lab.steps | Should -Be @('Register clusterchaos-clussvc-holddown', 'Set-Service Disabled', 'Stop-Process clussvc')
        $answer | Should -BeLike '*"startType":"Automatic"*'
        $answer | Should -BeLike ('*"liftAt":"' + $script:Lab.clock.AddMinutes(10).ToUniversalTime().ToString('o') + '"*')
    }

    It 'gives the lift an absolute deadline with its offset, an AtStartup trigger, and StartWhenAvailable (review R5, N9)' {
        Read-ClusterChaosAnswer { Stop-ClusterChaosService -Cluster 'HV' -Node N2 -HoldDownMs 600000 } | Out-Null
        $task = $script:Lab.tasks['clusterchaos-clussvc-holddown']
        $task.Trigger | Should -HaveCount 2
        $once = $task.Trigger | Where-Object { $_.Kind -eq 'Once' }
        $once.StartBoundary | Should -BeExactly $script:Lab.clock.AddMinutes(10).ToString('yyyy-MM-ddTHH:mm:sszzz', [Globalization.CultureInfo]::InvariantCulture)
        $once.StartBoundary | Should -Match '[+-]\d{2}:\d{2}$'
        @($task.Trigger | Where-Object { $_.Kind -eq 'AtStartup' }) | Should -HaveCount 1
        $task.Settings.Bound | Should -Contain 'StartWhenAvailable'
        $task.Settings.Bound | Should -Contain 'AllowStartIfOnBatteries'
        $task.Settings.Bound | Should -Contain 'DontStopIfGoingOnBatteries'
    }

    It 'records the StartType and the lift restores it before it removes itself (review N3)' {
        $script:Lab.service.StartType = 'Manual'
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosService -Cluster 'HV' -Node N2 -HoldDownMs 600000 }
        $answer.startType | Should -BeExactly 'Manual'
        $lift = Get-EncodedCommand $script:Lab.tasks['clusterchaos-clussvc-holddown'].Action.Arguments
        $lift | Should -BeLike "*`$startType = 'Manual'*"
        $lift | Should -BeLike '*Set-Service -Name clussvc -StartupType $startType*'
        # it unregisters itself only once the start type and the service are back
        $lift.IndexOf('Unregister-ScheduledTask') | Should -BeGreaterThan $lift.IndexOf("[string]`$service.Status -eq 'Running'")
        $errors = $null
        [System.Management.Automation.Language.Parser]::ParseInput($lift, [ref]$null, [ref]$errors) | Out-Null
        $errors | Should -HaveCount 0
    }

    It 'refuses to hold down a service that is already Disabled, changing nothing' {
        $script:Lab.service.StartType = 'Disabled'
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosService -Cluster 'HV' -Node N2 -HoldDownMs 600000 }
        $answer.error | Should -BeLike '*already Disabled*nothing was changed*'
        $script:Lab.steps | Should -HaveCount 0
    }

    It 'undoes a hold-down whose deadline passed before it was in place (review R5)' {
        Mock -ModuleName ClusterChaos Stop-Process { $script:Lab.steps += 'Stop-Process clussvc'; $script:Lab.clock = $script:Lab.clock.AddSeconds(5) }
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosService -Cluster 'HV' -Node N2 -HoldDownMs 2000 }
        $answer.error | Should -BeLike '*deadline passed*undone*'
        $script:Lab.tasks.Count | Should -Be 0
        $script:Lab.service.StartType | Should -BeExactly 'Automatic'
        $script:Lab.steps[-1] | Should -BeExactly 'Start-Service'
    }

    It 'starts it again: lift task removed, the start type given, Start-Service without its warnings (review B3)' {
        Read-ClusterChaosAnswer { Stop-ClusterChaosService -Cluster 'HV' -Node N2 -HoldDownMs 600000 } | Out-Null
        $script:Lab.steps = @()
        $answer = Read-ClusterChaosAnswer { Start-ClusterChaosService -Cluster 'HV' -Node N2 -StartType Manual }
        $answer.status | Should -BeExactly 'Running'
        $script:Lab.steps | Should -Be @('Unregister clusterchaos-clussvc-holddown', 'Set-Service Manual', 'Start-Service')
        Should -Invoke -ModuleName ClusterChaos Start-Service -ParameterFilter { $WarningAction -eq 'SilentlyContinue' } -Times 1 -Exactly
    }

    It 'starts it Automatic by default' {
        Read-ClusterChaosAnswer { Start-ClusterChaosService -Cluster 'HV' -Node N2 } | Out-Null
        $script:Lab.service.StartType | Should -BeExactly 'Automatic'
    }
}

Describe 'the node through FailoverClusters (ops stop-cluster-node, start-cluster-node)' {
    BeforeEach {
        Reset-TestLab
        Use-TestRemoting
        $env:CLUSTERCHAOS_FAILOVERCLUSTERS = 'compat'
        Mock -ModuleName ClusterChaos Stop-ClusterNode { }
        Mock -ModuleName ClusterChaos Start-ClusterNode { }
    }
    AfterEach { $env:CLUSTERCHAOS_FAILOVERCLUSTERS = $null }

    It 'stops the node with Stop-ClusterNode in the FailoverClusters session' {
        $answer = Read-ClusterChaosAnswer { Stop-ClusterChaosNode -Cluster 'HV' -Node N2 }
        $answer.at | Should -Not -BeNullOrEmpty
        Should -Invoke -ModuleName ClusterChaos Stop-ClusterNode -ParameterFilter { $Name -eq 'N2' -and $Cluster -eq 'HV' } -Times 1 -Exactly
        $script:Lab.invocations | Should -Be @('compat')
    }

    It 'starts it with -ClearQuarantine when asked' {
        Read-ClusterChaosAnswer { Start-ClusterChaosNode -Cluster 'HV' -Node N2 -ClearQuarantine } | Out-Null
        Should -Invoke -ModuleName ClusterChaos Start-ClusterNode -ParameterFilter { $ClearQuarantine -and $Name -eq 'N2' } -Times 1 -Exactly
    }

    It 'starts it without -ClearQuarantine otherwise' {
        Read-ClusterChaosAnswer { Start-ClusterChaosNode -Cluster 'HV' -Node N2 } | Out-Null
        Should -Invoke -ModuleName ClusterChaos Start-ClusterNode -ParameterFilter { -not $ClearQuarantine } -Times 1 -Exactly
    }
}
