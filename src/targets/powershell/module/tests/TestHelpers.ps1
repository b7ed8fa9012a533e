# Shared set-up of the module's Pester tests: stand-in stubs of the Windows cmdlets the module calls (so that
# Pester can mock them on any OS), the FailoverClusters enum types, a fake remoting layer, and a reader of
# the module's framed answers. Dot-source it in BeforeAll.

$script:ModuleManifest = Join-Path (Split-Path -Parent $PSScriptRoot) 'ClusterChaos.psd1'

# Empty stubs with the parameters the module uses; only where the real command does not exist (Linux).
$stubs = @{
    'Get-Cluster' = 'param([Parameter(Position = 0)] [string] $Name)'
    'Get-ClusterNode' = 'param([Parameter(Position = 0)] [string[]] $Name, [string] $Cluster)'
    'Get-ClusterGroup' = 'param([Parameter(Position = 0)] [string[]] $Name, [string] $Cluster)'
    'Get-ClusterResource' = 'param([Parameter(Position = 0)] [string[]] $Name, [string] $Cluster)'
    'Get-ClusterParameter' = 'param([Parameter(Position = 0)] [string[]] $Name, [Parameter(ValueFromPipeline = $true)] $InputObject, [string] $Cluster)'
    'Get-ClusterOwnerNode' = 'param([string] $Group, [string] $Resource, [Parameter(ValueFromPipeline = $true)] $InputObject, [string] $Cluster)'
    'Get-ClusterNetworkInterface' = 'param([string] $Node, [string] $Cluster)'
    'Get-ClusterNetwork' = 'param([Parameter(Position = 0)] [string[]] $Name, [string] $Cluster)'
    'Move-ClusterVirtualMachineRole' = 'param([Parameter(Position = 0)] [string] $Name, [Parameter(Position = 1)] [string] $Node, [string] $MigrationType, [switch] $Cancel, [string] $Cluster)'
    'Suspend-ClusterNode' = 'param([Parameter(Position = 0)] [string[]] $Name, [string] $Cluster, [switch] $Drain, [switch] $Wait)'
    'Resume-ClusterNode' = 'param([Parameter(Position = 0)] [string[]] $Name, [Parameter(Position = 1)] [string] $Failback, [string] $Cluster)'
    'Stop-ClusterNode' = 'param([Parameter(Position = 0)] [string[]] $Name, [string] $Cluster)'
    'Start-ClusterNode' = 'param([Parameter(Position = 0)] [string[]] $Name, [string] $Cluster, [switch] $ClearQuarantine)'
    'Get-VM' = 'param([Parameter(Position = 0)] [string[]] $Name, [string[]] $Id, [string[]] $ComputerName)'
    'Stop-VM' = 'param([Parameter(Position = 0)] [string[]] $Name, [string[]] $ComputerName, [pscredential[]] $Credential, [switch] $TurnOff, [switch] $Force)'
    'Start-VM' = 'param([Parameter(Position = 0)] [string[]] $Name, [string[]] $ComputerName, [pscredential[]] $Credential)'
    'Get-VMHost' = 'param([string[]] $ComputerName)'
    'Set-VMHost' = 'param([string] $VirtualMachineMigrationPerformanceOption)'
    'Get-VMHostCluster' = 'param([string[]] $ClusterName, [pscredential] $Credential)'
    'Get-VMHostSupportedVersion' = 'param([string[]] $ComputerName)'
    'Get-VMHardDiskDrive' = 'param($VM)'
    'Get-WinEvent' = 'param([string[]] $ListLog, [string[]] $LogName, [string] $FilterXPath, [hashtable[]] $FilterHashtable)'
    'Get-Service' = 'param([Parameter(Position = 0)] [string[]] $Name)'
    'Set-Service' = 'param([Parameter(Position = 0)] [string] $Name, [string] $StartupType)'
    'Start-Service' = 'param([Parameter(Position = 0)] [string[]] $Name)'
    'Get-NetFirewallRule' = 'param([string[]] $Name, [string[]] $Group, [string] $PolicyStore)'
    'New-NetFirewallRule' = 'param([string] $Name, [string] $DisplayName, [string] $Group, [string] $Direction, [string] $Protocol, $LocalPort, $RemotePort, [string[]] $RemoteAddress, [string] $Action)'
    'Remove-NetFirewallRule' = 'param([Parameter(ValueFromPipeline = $true)] $InputObject)'
    'Get-NetFirewallProfile' = 'param([string] $PolicyStore, [string[]] $Name)'
    'Get-NetConnectionProfile' = 'param([string[]] $InterfaceAlias)'
    'Resolve-DnsName' = 'param([Parameter(Position = 0)] [string] $Name)'
    'New-ScheduledTaskAction' = 'param([string] $Execute, [string] $Argument)'
    'New-ScheduledTaskTrigger' = 'param([switch] $Once, [datetime] $At, [switch] $AtStartup)'
    'New-ScheduledTaskPrincipal' = 'param([string] $UserId, [string] $LogonType, [string] $RunLevel)'
    'New-ScheduledTaskSettingsSet' = 'param([switch] $StartWhenAvailable, [switch] $AllowStartIfOnBatteries, [switch] $DontStopIfGoingOnBatteries)'
    'Register-ScheduledTask' = 'param([Parameter(Position = 0)] [string] $TaskName, $Action, $Trigger, $Settings, $Principal, [switch] $Force)'
    'Unregister-ScheduledTask' = 'param([string] $TaskName, [Parameter(ValueFromPipeline = $true)] $InputObject)'
    'Get-ScheduledTask' = 'param([Parameter(Position = 0)] [string[]] $TaskName)'
}
foreach ($name in $stubs.Keys) {
    if (Get-Command -Name $name -CommandType Cmdlet, Function -ErrorAction SilentlyContinue) { continue }
    $shouldProcess = ''
    if ($name -like 'Unregister-*' -or $name -like 'Remove-*' -or $name -like 'Stop-VM' -or $name -like 'Start-VM') { $shouldProcess = 'SupportsShouldProcess = $true' }
    $body = '[CmdletBinding(' + $shouldProcess + ')] ' + $stubs[$name] + ' process { }'
    Set-Item -Path ('function:global:' + $name) -Value ([scriptblock]::Create($body))
}

# The FailoverClusters enums the module projects (windows-cluster-facts 1.3), as the real module defines them.
if (-not ('Microsoft.FailoverClusters.PowerShell.ClusterNodeStatusInformation' -as [type])) {
    Add-Type -TypeDefinition @'
namespace Microsoft.FailoverClusters.PowerShell {
    public enum ClusterNodeState { Unknown = -1, Up = 0, Down = 1, Paused = 2, Joining = 3 }
    [System.Flags] public enum ClusterNodeStatusInformation : int {
        Normal = 0, Isolated = 1, Quarantined = 2, DrainInProgress = 4, DrainCompleted = 8, DrainFailed = 16,
        AvoidPlacement = 32, Unknown = -2147483648 }
    public enum ClusterGroupState { Unknown = -1, Online = 0, Offline = 1, Failed = 2, PartialOnline = 3, Pending = 4 }
    [System.Flags] public enum ClusterApplicationStatusInformation : ulong {
        Locked = 1, Preempted = 2, Queued = 4, PhysicalResourcesLacking = 8, WaitingToStart = 16,
        EmbeddedFailure = 32, OfflineAntiAffinityConflict = 64, NetworkFailure = 128, Unmonitored = 256,
        WaitingForDependencies = 4096 }
    public enum ClusterNodeDrainStatus { NotInitiated = 0, InProgress = 1, Completed = 2, Failed = 3 }
}
'@
}

function Read-ClusterChaosAnswer {
    <#
    .SYNOPSIS
    Runs a call of the module and returns its answer parsed, after checking the frame: exactly three lines,
    the markers around one line of pure-ASCII JSON.
    #>
    param([Parameter(Mandatory = $true)] [scriptblock] $Call, [switch] $Raw)
    $lines = @(& $Call)
    if ($lines.Count -ne 3) { throw ('expected 3 lines, got ' + $lines.Count + ': ' + ($lines -join ' | ')) }
    if ($lines[0] -ne '@@clusterchaos-answer@@' -or $lines[2] -ne '@@clusterchaos-end@@') { throw ('not framed: ' + ($lines -join ' | ')) }
    if ($lines[1] -match '[^\x20-\x7E]') { throw ('the JSON line is not printable ASCII: ' + $lines[1]) }
    if ($Raw) { return $lines[1] }
    ConvertFrom-Json -InputObject $lines[1]
}

function New-TestNode {
    param([string] $Name, [string] $State = 'Up', $Status = 0, [string] $DrainStatus = 'NotInitiated')
    [pscustomobject]@{
        Name = $Name
        State = [Microsoft.FailoverClusters.PowerShell.ClusterNodeState]$State
        StatusInformation = [Microsoft.FailoverClusters.PowerShell.ClusterNodeStatusInformation]$Status
        DrainStatus = [Microsoft.FailoverClusters.PowerShell.ClusterNodeDrainStatus]$DrainStatus
    }
}

function New-TestGroup {
    param([string] $Name, [string] $Id, [string] $Owner, [string] $State = 'Online', [uint64] $Status = 0, [long] $ResiliencyPeriod = 0)
    [pscustomobject]@{
        Name = $Name
        Id = $Id
        OwnerNode = [pscustomobject]@{ Name = $Owner }
        State = [Microsoft.FailoverClusters.PowerShell.ClusterGroupState]$State
        StatusInformation = [Microsoft.FailoverClusters.PowerShell.ClusterApplicationStatusInformation]$Status
        GroupType = 'VirtualMachine'
        ResiliencyPeriod = $ResiliencyPeriod
    }
}

function New-TestVmResource {
    param([string] $Id, [string] $Group, [string] $Owner, [string] $VmId)
    [pscustomobject]@{
        Name = 'Virtual Machine ' + $Group
        Id = $Id
        ResourceType = 'Virtual Machine'
        OwnerGroup = [pscustomobject]@{ Name = $Group }
        OwnerNode = [pscustomobject]@{ Name = $Owner }
        TestVmId = $VmId
    }
}

function ConvertTo-TestRemoted {
    <#
    .SYNOPSIS
    An object as Invoke-Command hands it back: serialized one level deep, deserialized, with PSComputerName.
    #>
    param($InputObject, [string] $ComputerName)
    $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($InputObject, 1))
    Add-Member -InputObject $copy -NotePropertyName PSComputerName -NotePropertyValue $ComputerName -Force -PassThru
}

function Use-TestRemoting {
    <#
    .SYNOPSIS
    Mocks New-PSSession, Remove-PSSession and Invoke-Command inside the module: a session is an object with
    ComputerName and State; Invoke-Command runs the block here, one session after the other, with
    $script:Lab.current set to the session's node ('compat' for the Windows PowerShell session), and hands
    back what it emitted as remoting would. Nodes in $script:Lab.down cannot be reached; an error inside a
    block comes back as a non-terminating error naming the node.
    #>
    Mock -ModuleName ClusterChaos New-PSSession -RemoveParameterType Credential, SessionOption {
        # (unbound parameters are read through $PesterBoundParameters: a bare $Name would find a caller's variable)
        if ($PesterBoundParameters.ContainsKey('UseWindowsPowerShell')) {
            $script:Lab.compatOpened++
            return [pscustomobject]@{ ComputerName = 'localhost'; State = 'Opened'; Compat = $true }
        }
        $node = [string]@($ComputerName)[0]
        $script:Lab.opened[$node] = 1 + [int]$script:Lab.opened[$node]
        $script:Lab.credentials[$node] = $PesterBoundParameters['Credential']
        if ($script:Lab.down -contains $node) { throw ('Connecting to remote server ' + $node + ' failed: WinRM cannot complete the operation') }
        [pscustomobject]@{ ComputerName = $node; State = 'Opened'; Compat = $false }
    }
    Mock -ModuleName ClusterChaos Remove-PSSession -RemoveParameterType Session { }
    Mock -ModuleName ClusterChaos Invoke-Command -RemoveParameterType Session {
        # a remote error is non-terminating, or what the caller's -ErrorAction makes of it
        $errorAction = 'Continue'
        if ($PesterBoundParameters.ContainsKey('ErrorAction')) { $errorAction = $PesterBoundParameters['ErrorAction'] }
        foreach ($one in @($Session)) {
            $where = [string]$one.ComputerName
            if ($one.Compat) { $script:Lab.current = 'compat' } else { $script:Lab.current = $where }
            $script:Lab.invocations += $script:Lab.current
            if ($script:Lab.broken -contains $where) {
                $one.State = 'Broken'
                Write-Error -Message ('The session to ' + $where + ' is broken') -TargetObject $where -ErrorAction $errorAction
                continue
            }
            try {
                $arguments = @($PesterBoundParameters['ArgumentList'])
                foreach ($item in @(& $ScriptBlock @arguments)) { ConvertTo-TestRemoted -InputObject $item -ComputerName $where }
            } catch {
                Write-Error -Message $_.Exception.Message -TargetObject $where -ErrorAction $errorAction
            } finally {
                $script:Lab.current = $null
            }
        }
    }
}

function Reset-TestLab {
    <#
    .SYNOPSIS
    A fresh fake lab, and the module's caches emptied (sessions, VmIDs, names).
    #>
    $script:Lab = @{
        current = $null
        down = @()
        broken = @()
        opened = @{}
        credentials = @{}
        compatOpened = 0
        invocations = @()
        vms = @{}
    }
    InModuleScope ClusterChaos {
        $script:ClusterChaosNodeSessions.Clear()
        $script:ClusterChaosCompatSession = $null
        $script:ClusterChaosCredential = $null
        $script:ClusterChaosVmIds.Clear()
        $script:ClusterChaosVmNames.Clear()
    }
}

function Use-TestCluster {
    <#
    .SYNOPSIS
    A three-node cluster: N1, N2, N3 Up; VMs web01 (group 'web01-group' on N1), db01 (group 'SCVMM db01
    Resources' on N2: a group named otherwise, review R7). Get-VM answers per node from $script:Lab.vms.
    #>
    $script:Lab.nodes = @((New-TestNode N1), (New-TestNode N2), (New-TestNode N3))
    $script:Lab.groups = @(
        (New-TestGroup -Name 'web01-group' -Id 'g-web01' -Owner N1),
        (New-TestGroup -Name 'SCVMM db01 Resources' -Id 'g-db01' -Owner N2),
        (New-TestGroup -Name 'Cluster Group' -Id 'g-core' -Owner N1)
    )
    $script:Lab.resources = @(
        (New-TestVmResource -Id 'r-web01' -Group 'web01-group' -Owner N1 -VmId '11111111-1111-1111-1111-111111111111'),
        (New-TestVmResource -Id 'r-db01' -Group 'SCVMM db01 Resources' -Owner N2 -VmId '22222222-2222-2222-2222-222222222222')
    )
    $script:Lab.vms = @{
        N1 = @([pscustomobject]@{ Id = [guid]'11111111-1111-1111-1111-111111111111'; Name = 'web01'; State = 'Running' })
        N2 = @(
            [pscustomobject]@{ Id = [guid]'22222222-2222-2222-2222-222222222222'; Name = 'db01'; State = 'Running' },
            [pscustomobject]@{ Id = [guid]'33333333-3333-3333-3333-333333333333'; Name = 'web01'; State = 'Off' }
        )
        N3 = @()
    }
    Mock -ModuleName ClusterChaos Get-ClusterNode {
        $wanted = $PesterBoundParameters['Name']
        @($script:Lab.nodes | Where-Object { $null -eq $wanted -or $wanted -contains $_.Name })
    }
    Mock -ModuleName ClusterChaos Get-ClusterGroup { $script:Lab.groups }
    Mock -ModuleName ClusterChaos Get-ClusterResource { $script:Lab.resources }
    Mock -ModuleName ClusterChaos Get-ClusterParameter { [pscustomobject]@{ Name = 'VmID'; Value = $InputObject.TestVmId } }
    Mock -ModuleName ClusterChaos Get-VM { $script:Lab.vms[$script:Lab.current] }
}
