# ScheduledTasks stand-ins on a node. Parameter sets as in MicrosoftDocs/windows-powershell-docs
# docset/winserver2022-ps/ScheduledTasks/<Cmdlet>.md (Syntax and Parameters). The objects are CIM-instance
# stand-ins (types.cs CimInstance) with the real MSFT_* class names; -Action/-Trigger/-Principal/-Settings take
# them (the real parameters take CimInstance, which cannot be made on Linux). At the trigger's time the lab
# runs the action in a new pwsh on the node (README.md).

Set-StrictMode -Version 3.0

# docset/winserver2022-ps/ScheduledTasks/New-ScheduledTaskAction.md
function New-ScheduledTaskAction {
    [CmdletBinding()]
    param(
        [Parameter(Position = 1)]
        [string] $Argument,
        [switch] $AsJob,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(Mandatory = $true, Position = 0)]
        [string] $Execute,
        [string] $Id,
        [int] $ThrottleLimit,
        [Parameter(Position = 2)]
        [string] $WorkingDirectory
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'New-ScheduledTaskAction' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/ScheduledTasks/New-ScheduledTaskTrigger.md
function New-ScheduledTaskTrigger {
    [CmdletBinding(DefaultParameterSetName = 'Once')]
    param(
        [switch] $AsJob,
        [Parameter(ParameterSetName = 'Once', Mandatory = $true)]
        [Parameter(ParameterSetName = 'Daily', Mandatory = $true)]
        [Parameter(ParameterSetName = 'Weekly', Mandatory = $true)]
        [datetime] $At,
        [Parameter(ParameterSetName = 'Logon', Mandatory = $true, Position = 0)]
        [switch] $AtLogOn,
        [Parameter(ParameterSetName = 'Startup', Mandatory = $true, Position = 0)]
        [switch] $AtStartup,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'Daily', Mandatory = $true, Position = 0)]
        [switch] $Daily,
        [Parameter(ParameterSetName = 'Daily')]
        [uint32] $DaysInterval,
        [Parameter(ParameterSetName = 'Weekly')]
        [System.DayOfWeek[]] $DaysOfWeek,
        [Parameter(ParameterSetName = 'Once', Mandatory = $true, Position = 0)]
        [switch] $Once,
        [timespan] $RandomDelay,
        [Parameter(ParameterSetName = 'Once')]
        [timespan] $RepetitionDuration,
        [Parameter(ParameterSetName = 'Once')]
        [timespan] $RepetitionInterval,
        [int] $ThrottleLimit,
        [Parameter(ParameterSetName = 'Logon')]
        [string] $User,
        [Parameter(ParameterSetName = 'Weekly', Mandatory = $true, Position = 0)]
        [switch] $Weekly,
        [Parameter(ParameterSetName = 'Weekly')]
        [uint32] $WeeksInterval
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'New-ScheduledTaskTrigger' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/ScheduledTasks/New-ScheduledTaskPrincipal.md
function New-ScheduledTaskPrincipal {
    [CmdletBinding(DefaultParameterSetName = 'User')]
    param(
        [switch] $AsJob,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'Group', Mandatory = $true, Position = 0)]
        [string] $GroupId,
        [Parameter(Position = 5)]
        [string] $Id,
        [Parameter(ParameterSetName = 'User', Position = 1)]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.ScheduledTask.LogonTypeEnum] $LogonType,
        [Parameter(Position = 3)]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.ScheduledTask.ProcessTokenSidTypeEnum] $ProcessTokenSidType,
        [Parameter(Position = 4)]
        [string[]] $RequiredPrivilege,
        [Parameter(Position = 2)]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.ScheduledTask.RunLevelEnum] $RunLevel,
        [int] $ThrottleLimit,
        [Parameter(ParameterSetName = 'User', Mandatory = $true, Position = 0)]
        [string] $UserId
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'New-ScheduledTaskPrincipal' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/ScheduledTasks/New-ScheduledTaskSettingsSet.md
function New-ScheduledTaskSettingsSet {
    [CmdletBinding()]
    param(
        [switch] $AllowStartIfOnBatteries,
        [switch] $AsJob,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.ScheduledTask.CompatibilityEnum] $Compatibility,
        [timespan] $DeleteExpiredTaskAfter,
        [switch] $Disable,
        [switch] $DisallowDemandStart,
        [switch] $DisallowHardTerminate,
        [switch] $DisallowStartOnRemoteAppSession,
        [switch] $DontStopIfGoingOnBatteries,
        [switch] $DontStopOnIdleEnd,
        [timespan] $ExecutionTimeLimit,
        [switch] $Hidden,
        [timespan] $IdleDuration,
        [timespan] $IdleWaitTimeout,
        [timespan] $MaintenanceDeadline,
        [switch] $MaintenanceExclusive,
        [timespan] $MaintenancePeriod,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.ScheduledTask.MultipleInstancesEnum] $MultipleInstances,
        [string] $NetworkId,
        [string] $NetworkName,
        [int] $Priority,
        [int] $RestartCount,
        [timespan] $RestartInterval,
        [switch] $RestartOnIdle,
        [switch] $RunOnlyIfIdle,
        [switch] $RunOnlyIfNetworkAvailable,
        [switch] $StartWhenAvailable,
        [int] $ThrottleLimit,
        [switch] $WakeToRun
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'New-ScheduledTaskSettingsSet' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/ScheduledTasks/Register-ScheduledTask.md
function Register-ScheduledTask {
    [CmdletBinding(DefaultParameterSetName = 'User')]
    param(
        [Parameter(ParameterSetName = 'User', Mandatory = $true, Position = 2)]
        [Parameter(ParameterSetName = 'Principal', Mandatory = $true, Position = 2)]
        [ClusterChaos.Lab.CimInstance[]] $Action,
        [switch] $AsJob,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'User', Position = 8)]
        [Parameter(ParameterSetName = 'Principal', Position = 8)]
        [string] $Description,
        [switch] $Force,
        [Parameter(ParameterSetName = 'Object', Mandatory = $true, Position = 2, ValueFromPipeline = $true)]
        [ClusterChaos.Lab.CimInstance] $InputObject,
        [Parameter(ParameterSetName = 'User', Position = 4)]
        [Parameter(ParameterSetName = 'Xml', Position = 4)]
        [Parameter(ParameterSetName = 'Object', Position = 4)]
        [string] $Password,
        [Parameter(ParameterSetName = 'Principal', Position = 5)]
        [ClusterChaos.Lab.CimInstance] $Principal,
        [Parameter(ParameterSetName = 'User', Position = 7)]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.ScheduledTask.RunLevelEnum] $RunLevel,
        [Parameter(ParameterSetName = 'User', Position = 4)]
        [Parameter(ParameterSetName = 'Principal', Position = 4)]
        [ClusterChaos.Lab.CimInstance] $Settings,
        [Parameter(ParameterSetName = 'User', Mandatory = $true, Position = 0)]
        [Parameter(ParameterSetName = 'Xml', Mandatory = $true, Position = 0)]
        [Parameter(ParameterSetName = 'Principal', Mandatory = $true, Position = 0)]
        [string] $TaskName,
        [Parameter(Position = 1)]
        [string] $TaskPath,
        [int] $ThrottleLimit,
        [Parameter(ParameterSetName = 'User', Position = 3)]
        [Parameter(ParameterSetName = 'Principal', Position = 3)]
        [ClusterChaos.Lab.CimInstance[]] $Trigger,
        [Parameter(ParameterSetName = 'User', Position = 3)]
        [Parameter(ParameterSetName = 'Xml', Position = 3)]
        [Parameter(ParameterSetName = 'Object', Position = 3)]
        [string] $User,
        [Parameter(ParameterSetName = 'Xml', Mandatory = $true, Position = 2, ValueFromPipeline = $true)]
        [string] $Xml
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Register-ScheduledTask' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/ScheduledTasks/Unregister-ScheduledTask.md
function Unregister-ScheduledTask {
    [CmdletBinding(DefaultParameterSetName = 'ByPath', SupportsShouldProcess = $true)]
    param(
        [switch] $AsJob,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'InputObject (cdxml)', Mandatory = $true, ValueFromPipeline = $true)]
        [ClusterChaos.Lab.CimInstance[]] $InputObject,
        [switch] $PassThru,
        [Parameter(ParameterSetName = 'ByPath', Position = 0, ValueFromPipelineByPropertyName = $true)]
        [string[]] $TaskName,
        [Parameter(ParameterSetName = 'ByPath', Position = 1, ValueFromPipelineByPropertyName = $true)]
        [string[]] $TaskPath,
        [int] $ThrottleLimit
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob'
        if (-not $PSCmdlet.ShouldProcess($(if ($InputObject) { [string]$InputObject.TaskName } else { $TaskName -join ', ' }), 'Unregister-ScheduledTask')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Unregister-ScheduledTask' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/ScheduledTasks/Get-ScheduledTask.md
function Get-ScheduledTask {
    [CmdletBinding()]
    param(
        [switch] $AsJob,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)]
        [string[]] $TaskName,
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = $true)]
        [string[]] $TaskPath,
        [int] $ThrottleLimit
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-ScheduledTask' -Parameters $PSBoundParameters
    }
}

Export-ModuleMember -Function New-ScheduledTaskAction, New-ScheduledTaskTrigger, New-ScheduledTaskPrincipal, New-ScheduledTaskSettingsSet, Register-ScheduledTask, Unregister-ScheduledTask, Get-ScheduledTask
