# Built-in cmdlets replaced on a node: Stop-Process, Get-Service, Set-Service, Start-Service, Get-ItemProperty,
# Test-Path. Parameter sets as in MicrosoftDocs/PowerShell-Docs reference/5.1/Microsoft.PowerShell.Management/
# <Cmdlet>.md (the nodes run Windows PowerShell 5.1). On the management host (no node context) each passes
# to the real cmdlet, module-qualified. Services are ClusterChaos.Lab.ServiceController (the real
# ServiceController cannot be made on Linux): -InputObject takes those.

Set-StrictMode -Version 3.0

# reference/5.1/Microsoft.PowerShell.Management/Stop-Process.md
function Stop-Process {
    [CmdletBinding(DefaultParameterSetName = 'Id', SupportsShouldProcess = $true)]
    param(
        [switch] $Force,
        [Parameter(ParameterSetName = 'Id', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [int[]] $Id,
        [Parameter(ParameterSetName = 'InputObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [System.Diagnostics.Process[]] $InputObject,
        [Parameter(ParameterSetName = 'Name', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('ProcessName')]
        [string[]] $Name,
        [switch] $PassThru
    )
    process {
        if (-not (Test-ClusterChaosLabOnNode)) { Microsoft.PowerShell.Management\Stop-Process @PSBoundParameters; return }
        if (-not $PSCmdlet.ShouldProcess($(if ($Name) { $Name -join ', ' } else { $Id -join ', ' }), 'Stop-Process')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Stop-Process' -Parameters $PSBoundParameters
    }
}

# reference/5.1/Microsoft.PowerShell.Management/Get-Service.md
function Get-Service {
    [CmdletBinding(DefaultParameterSetName = 'Default')]
    [OutputType([ClusterChaos.Lab.ServiceController])]
    param(
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [Alias('Cn')]
        [string[]] $ComputerName,
        [Alias('DS')]
        [switch] $DependentServices,
        [Parameter(ParameterSetName = 'DisplayName', Mandatory = $true)]
        [string[]] $DisplayName,
        [string[]] $Exclude,
        [string[]] $Include,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ClusterChaos.Lab.ServiceController[]] $InputObject,
        [Parameter(ParameterSetName = 'Default', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('ServiceName')]
        [string[]] $Name,
        [Alias('SDO', 'ServicesDependedOn')]
        [switch] $RequiredServices
    )
    process {
        if (-not (Test-ClusterChaosLabOnNode)) { Microsoft.PowerShell.Management\Get-Service @PSBoundParameters; return }
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'ComputerName'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-Service' -Parameters $PSBoundParameters
    }
}

# reference/5.1/Microsoft.PowerShell.Management/Set-Service.md
function Set-Service {
    [CmdletBinding(DefaultParameterSetName = 'Name', SupportsShouldProcess = $true)]
    [OutputType([ClusterChaos.Lab.ServiceController])]
    param(
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [Alias('cn')]
        [string[]] $ComputerName,
        [string] $Description,
        [Alias('DN')]
        [string] $DisplayName,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ClusterChaos.Lab.ServiceController] $InputObject,
        [Parameter(ParameterSetName = 'Name', Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('ServiceName', 'SN')]
        [string] $Name,
        [switch] $PassThru,
        [Alias('StartMode', 'SM', 'ST')]
        [System.ServiceProcess.ServiceStartMode] $StartupType,
        [ValidateSet('Paused', 'Running', 'Stopped')]
        [string] $Status
    )
    process {
        if (-not (Test-ClusterChaosLabOnNode)) { Microsoft.PowerShell.Management\Set-Service @PSBoundParameters; return }
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'ComputerName'
        if (-not $PSCmdlet.ShouldProcess($(if ($InputObject) { $InputObject.ServiceName } else { $Name }), 'Set-Service')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Set-Service' -Parameters $PSBoundParameters
    }
}

# reference/5.1/Microsoft.PowerShell.Management/Start-Service.md
function Start-Service {
    [CmdletBinding(DefaultParameterSetName = 'InputObject', SupportsShouldProcess = $true)]
    [OutputType([ClusterChaos.Lab.ServiceController])]
    param(
        [Parameter(ParameterSetName = 'DisplayName', Mandatory = $true)]
        [string[]] $DisplayName,
        [string[]] $Exclude,
        [string[]] $Include,
        [Parameter(ParameterSetName = 'InputObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [ClusterChaos.Lab.ServiceController[]] $InputObject,
        [Parameter(ParameterSetName = 'Default', Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('ServiceName')]
        [string[]] $Name,
        [switch] $PassThru
    )
    process {
        if (-not (Test-ClusterChaosLabOnNode)) { Microsoft.PowerShell.Management\Start-Service @PSBoundParameters; return }
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'Include', 'Exclude'
        $what = $(if ($InputObject) { @($InputObject | ForEach-Object { $_.ServiceName }) } elseif ($DisplayName) { $DisplayName } else { $Name })
        if (-not $PSCmdlet.ShouldProcess(($what -join ', '), 'Start-Service')) { return }
        foreach ($service in @(Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Start-Service' -Parameters $PSBoundParameters)) {
            $service = Wait-ServiceRunning -Cmdlet $PSCmdlet -Service $service
            if ($PassThru -and $null -ne $service) { $service }
        }
    }
}

# Start-Service waits in 2-second slices and warns after each one the service is still StartPending
# (PowerShell Service.cs DoWaitForStatus; ServiceResources.resx StartingService "Waiting for service '{1} ({0})'
# to start...", StartServiceFailed "Failed to start service '{1} ({0})'."; review B3): here each slice
# is 2 s of lab time (Lab-Sleep 2000), then the service's status is read again.
function Wait-ServiceRunning([System.Management.Automation.PSCmdlet] $Cmdlet, $Service) {
    while ($null -ne $Service -and [string]$Service.Status -eq 'StartPending') {
        Invoke-ClusterChaosLabSleep -Cmdlet $Cmdlet -Milliseconds 2000
        $Service = @(Invoke-ClusterChaosLabCall -Cmdlet $Cmdlet -Command 'Get-Service' -Parameters @{ Name = @([string]$Service.ServiceName) } -ParameterSet 'Default') | Select-Object -First 1
        if ($null -ne $Service -and [string]$Service.Status -eq 'StartPending') {
            $Cmdlet.WriteWarning("Waiting for service '$($Service.DisplayName) ($($Service.ServiceName))' to start...")
        }
    }
    if ($null -ne $Service -and [string]$Service.Status -ne 'Running') {
        $Cmdlet.WriteError([ClusterChaos.Lab.LabErrors]::Create("Failed to start service '$($Service.DisplayName) ($($Service.ServiceName))'.",
            'StartServiceFailed,Microsoft.PowerShell.Commands.StartServiceCommand', 'OpenError', $Service))
    }
    $Service
}

# reference/5.1/Microsoft.PowerShell.Management/Get-ItemProperty.md
function Get-ItemProperty {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [pscredential] $Credential,
        [string[]] $Exclude,
        [string] $Filter,
        [string[]] $Include,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('PSPath')]
        [string[]] $LiteralPath,
        [Parameter(Position = 1)]
        [Alias('PSProperty')]
        [string[]] $Name,
        [Parameter(ParameterSetName = 'Path', Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [string[]] $Path,
        [Alias('usetx')]
        [switch] $UseTransaction
    )
    process {
        if (-not (Test-ClusterChaosLabOnNode)) { Microsoft.PowerShell.Management\Get-ItemProperty @PSBoundParameters; return }
        foreach ($item in @(Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-ItemProperty' -Parameters $PSBoundParameters)) {
            # REG_BINARY values (FailureActions) arrive as arrays of numbers 0..255: byte[] as the registry provider gives.
            foreach ($property in @($item.PSObject.Properties)) {
                $value = $property.Value
                if ($value -is [object[]] -and $value.Count -gt 0 -and @($value | Where-Object { -not ($_ -is [int] -or $_ -is [long]) -or $_ -lt 0 -or $_ -gt 255 }).Count -eq 0) {
                    $property.Value = [byte[]]$value
                }
            }
            $item
        }
    }
}

# reference/5.1/Microsoft.PowerShell.Management/Test-Path.md
function Test-Path {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [pscredential] $Credential,
        [string[]] $Exclude,
        [string] $Filter,
        [string[]] $Include,
        [switch] $IsValid,
        [Parameter(ParameterSetName = 'LiteralPath', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('PSPath')]
        [string[]] $LiteralPath,
        [System.Nullable[datetime]] $NewerThan,
        [System.Nullable[datetime]] $OlderThan,
        [Parameter(ParameterSetName = 'Path', Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [string[]] $Path,
        [Alias('Type')]
        [Microsoft.PowerShell.Commands.TestPathType] $PathType,
        [Alias('usetx')]
        [switch] $UseTransaction
    )
    process {
        if (-not (Test-ClusterChaosLabOnNode)) { Microsoft.PowerShell.Management\Test-Path @PSBoundParameters; return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Test-Path' -Parameters $PSBoundParameters
    }
}

# The management host restarts a node (Windows PowerShell 5.1's syntax, which the module is written for; PowerShell
# 7 on Linux has a Restart-Computer without -ComputerName). The lab acts on -ComputerName <node> -Force, without
# -Wait, -AsJob or -Protocol.
# reference/5.1/Microsoft.PowerShell.Management/Restart-Computer.md
function Restart-Computer {
    [CmdletBinding(DefaultParameterSetName = 'DefaultSet', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param(
        [Parameter(ParameterSetName = 'AsJobSet')]
        [switch] $AsJob,
        [Alias('Authentication')]
        [ValidateSet('Default', 'None', 'Connect', 'Call', 'Packet', 'PacketIntegrity', 'PacketPrivacy', 'Unchanged')]
        [string] $DcomAuthentication,
        [ValidateSet('Default', 'Anonymous', 'Identify', 'Impersonate', 'Delegate')]
        [string] $Impersonation,
        [Parameter(ParameterSetName = 'DefaultSet')]
        [ValidateSet('Default', 'Basic', 'Negotiate', 'CredSSP', 'Digest', 'Kerberos')]
        [string] $WsmanAuthentication,
        [Parameter(ParameterSetName = 'DefaultSet')]
        [ValidateSet('DCOM', 'WSMan')]
        [string] $Protocol,
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('CN', '__SERVER', 'Server', 'IPAddress')]
        [ValidateNotNullOrEmpty()]
        [string[]] $ComputerName,
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty()]
        [pscredential] $Credential,
        [Alias('f')]
        [switch] $Force,
        [Parameter(ParameterSetName = 'AsJobSet')]
        [int] $ThrottleLimit,
        [Parameter(ParameterSetName = 'DefaultSet')]
        [switch] $Wait,
        [Parameter(ParameterSetName = 'DefaultSet')]
        [Alias('TimeoutSec')]
        [ValidateRange(-1, [int]::MaxValue)]
        [int] $Timeout,
        [Parameter(ParameterSetName = 'DefaultSet')]
        [ValidateSet('Wmi', 'WinRM', 'PowerShell')]
        [string] $For,
        [Parameter(ParameterSetName = 'DefaultSet')]
        [ValidateRange(1, [short]::MaxValue)]
        [short] $Delay
    )
    process {
        if (Test-ClusterChaosLabOnNode) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What 'on a node (the lab restarts nodes from the management host: -ComputerName)' }
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'AsJob', 'Wait', 'Protocol', 'For', 'Timeout', 'Delay'
        if (-not $ComputerName) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What 'without -ComputerName (restarting the management host)' }
        if (-not $PSCmdlet.ShouldProcess(($ComputerName -join ', '), 'Restart-Computer')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Restart-Computer' -Parameters $PSBoundParameters
    }
}

Export-ModuleMember -Function Stop-Process, Get-Service, Set-Service, Start-Service, Wait-ServiceRunning, Get-ItemProperty, Test-Path, Restart-Computer
