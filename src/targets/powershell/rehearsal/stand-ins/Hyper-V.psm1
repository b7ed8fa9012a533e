# Hyper-V stand-ins (on a node; with -ComputerName also from the management host). Parameter sets as in
# MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/Hyper-V/<Cmdlet>.md (Syntax and Parameters).
# Validation attributes as HyperVDsc's generated stubs of the real module show them (tests/Unit/Stubs/
# Hyper-V.stubs.psm1; their sets and positions agree with these). -CimSession is declared but refused (the lab has no CIM sessions). What the lab does: ../COMMANDS.md.

Set-StrictMode -Version 3.0

# docset/winserver2022-ps/Hyper-V/Get-VM.md
function Get-VM {
    [CmdletBinding(DefaultParameterSetName = 'Name')]
    [OutputType([Microsoft.HyperV.PowerShell.VirtualMachine])]
    param(
        [Parameter(ParameterSetName = 'Name')]
        [Parameter(ParameterSetName = 'Id')]
        [ValidateNotNullOrEmpty()]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'ClusterObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [psobject] $ClusterObject,
        [Parameter(ParameterSetName = 'Name')]
        [Parameter(ParameterSetName = 'Id')]
        [ValidateNotNullOrEmpty()]
        [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'Name')]
        [Parameter(ParameterSetName = 'Id')]
        [ValidateNotNullOrEmpty()]
        [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'Id', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNull()]
        [guid] $Id,
        [Parameter(ParameterSetName = 'Name', Position = 0, ValueFromPipeline = $true)]
        [Alias('VMName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-VM' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/Hyper-V/Get-VMHardDiskDrive.md
function Get-VMHardDiskDrive {
    [CmdletBinding(DefaultParameterSetName = 'VMName')]
    [OutputType([Microsoft.HyperV.PowerShell.HardDiskDrive])]
    param(
        [Parameter(ParameterSetName = 'VMName')]
        [ValidateNotNullOrEmpty()]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'VMName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $ComputerName,
        [ValidateNotNull()]
        [int] $ControllerLocation,
        [Parameter(ParameterSetName = 'VMName')]
        [Parameter(ParameterSetName = 'VMObject')]
        [Parameter(ParameterSetName = 'VMSnapshot')]
        [ValidateNotNull()]
        [int] $ControllerNumber,
        [Parameter(ParameterSetName = 'VMName')]
        [Parameter(ParameterSetName = 'VMObject')]
        [Parameter(ParameterSetName = 'VMSnapshot')]
        [Microsoft.HyperV.PowerShell.ControllerType] $ControllerType,
        [Parameter(ParameterSetName = 'VMName')]
        [ValidateNotNullOrEmpty()]
        [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [Microsoft.HyperV.PowerShell.VirtualMachine[]] $VM,
        [Parameter(ParameterSetName = 'VMDriveController', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [Microsoft.HyperV.PowerShell.VMDriveController[]] $VMDriveController,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [string[]] $VMName,
        [Parameter(ParameterSetName = 'VMSnapshot', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [Alias('VMCheckpoint')]
        [ValidateNotNullOrEmpty()]
        [Microsoft.HyperV.PowerShell.VMSnapshot] $VMSnapshot
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'VMSnapshot', 'VMDriveController'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-VMHardDiskDrive' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/Hyper-V/Get-VMHost.md
function Get-VMHost {
    [CmdletBinding(DefaultParameterSetName = 'ComputerName')]
    [OutputType([Microsoft.HyperV.PowerShell.VMHost])]
    param(
        [Parameter(ParameterSetName = 'CimSession', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'ComputerName', Position = 0, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'ComputerName', Position = 1, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [pscredential[]] $Credential
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-VMHost' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/Hyper-V/Set-VMHost.md
function Set-VMHost {
    [CmdletBinding(DefaultParameterSetName = 'ComputerName', SupportsShouldProcess = $true)]
    [OutputType([Microsoft.HyperV.PowerShell.VMHost])]
    param(
        [Parameter(ParameterSetName = 'CimSession', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'ComputerName', Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'ComputerName', Position = 1)]
        [ValidateNotNullOrEmpty()]
        [pscredential[]] $Credential,
        [bool] $EnableEnhancedSessionMode,
        [ValidateNotNullOrEmpty()]
        [string] $FibreChannelWwnn,
        [ValidateNotNullOrEmpty()]
        [string] $FibreChannelWwpnMaximum,
        [ValidateNotNullOrEmpty()]
        [string] $FibreChannelWwpnMinimum,
        [ValidateNotNullOrEmpty()]
        [string] $MacAddressMaximum,
        [ValidateNotNullOrEmpty()]
        [string] $MacAddressMinimum,
        [uint32] $MaximumStorageMigrations,
        [uint32] $MaximumVirtualMachineMigrations,
        [bool] $NumaSpanningEnabled,
        [switch] $Passthru,
        [ValidateNotNull()]
        [timespan] $ResourceMeteringSaveInterval,
        [bool] $UseAnyNetworkForMigration,
        [ValidateNotNullOrEmpty()]
        [string] $VirtualHardDiskPath,
        [Microsoft.HyperV.PowerShell.MigrationAuthenticationType] $VirtualMachineMigrationAuthenticationType,
        [Microsoft.HyperV.PowerShell.VMMigrationPerformance] $VirtualMachineMigrationPerformanceOption,
        [ValidateNotNullOrEmpty()]
        [string] $VirtualMachinePath
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession'
        if (-not $PSCmdlet.ShouldProcess($(if ($ComputerName) { $ComputerName -join ', ' } else { 'localhost' }), 'Set-VMHost')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Set-VMHost' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/Hyper-V/Get-VMHostCluster.md
function Get-VMHostCluster {
    [CmdletBinding(DefaultParameterSetName = 'ClusterName')]
    [OutputType([Microsoft.HyperV.PowerShell.VMHostCluster])]
    param(
        [Parameter(ParameterSetName = 'CimSession', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'ClusterName', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [string[]] $ClusterName,
        [Parameter(ParameterSetName = 'ClusterName', Position = 1, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [pscredential[]] $Credential
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-VMHostCluster' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/Hyper-V/Get-VMHostSupportedVersion.md
function Get-VMHostSupportedVersion {
    [CmdletBinding(DefaultParameterSetName = 'ComputerName')]
    [OutputType([Microsoft.HyperV.PowerShell.VMHostSupportedVersion])]
    param(
        [Parameter(ParameterSetName = 'CimSession', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'ComputerName', Position = 0, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'ComputerName', Position = 1)]
        [ValidateNotNullOrEmpty()]
        [pscredential[]] $Credential,
        [switch] $Default
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-VMHostSupportedVersion' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/Hyper-V/Stop-VM.md (the lab acts on -TurnOff only: the power of a nested lab's node)
function Stop-VM {
    [CmdletBinding(DefaultParameterSetName = 'Name', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType([Microsoft.HyperV.PowerShell.VirtualMachine])]
    param(
        [Parameter(ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'Name', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('VMName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [Microsoft.HyperV.PowerShell.VirtualMachine[]] $VM,
        [switch] $AsJob,
        [switch] $Save,
        [switch] $TurnOff,
        [switch] $Force,
        [switch] $Passthru
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'VM', 'AsJob', 'Save'
        if (-not $TurnOff) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What 'without -TurnOff (a guest shutdown)' }
        if (-not $PSCmdlet.ShouldProcess(($Name -join ', '), 'Stop-VM')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Stop-VM' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/Hyper-V/Start-VM.md
function Start-VM {
    [CmdletBinding(DefaultParameterSetName = 'Name', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType([Microsoft.HyperV.PowerShell.VirtualMachine])]
    param(
        [Parameter(ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [string[]] $ComputerName,
        [Parameter(ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [pscredential[]] $Credential,
        [Parameter(ParameterSetName = 'Name', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('VMName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,
        [Parameter(ParameterSetName = 'VMObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [ValidateNotNullOrEmpty()]
        [Microsoft.HyperV.PowerShell.VirtualMachine[]] $VM,
        [switch] $AsJob,
        [switch] $Passthru
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'VM', 'AsJob'
        if (-not $PSCmdlet.ShouldProcess(($Name -join ', '), 'Start-VM')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Start-VM' -Parameters $PSBoundParameters
    }
}

Export-ModuleMember -Function Get-VM, Get-VMHardDiskDrive, Get-VMHost, Set-VMHost, Get-VMHostCluster, Get-VMHostSupportedVersion, Stop-VM, Start-VM
