# FailoverClusters stand-ins (management host; on a node inside a remote session). Parameter sets as in
# MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/FailoverClusters/<Cmdlet>.md (Syntax and
# Parameters), set names and DefaultParameterSetName as the real module declares them (FailoverClusterDsc
# tests/Unit/Stubs/FailoverClusters.stubs.psm1). What the lab does for each: ../COMMANDS.md.
# Under edition core outside a compat session: the WinCompat warning and depth-1 deserialized objects
# (Invoke-ClusterChaosLabFailoverClusters, Lab.psm1). Validation attributes as the stubs show them.

Set-StrictMode -Version 3.0

# docset/winserver2022-ps/FailoverClusters/Get-Cluster.md
function Get-Cluster {
    [CmdletBinding(DefaultParameterSetName = 'Name')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.Cluster])]
    param(
        [Parameter(ParameterSetName = 'Name', Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,
        [string] $Domain
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-Cluster' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Get-ClusterNode.md
function Get-ClusterNode {
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterNode])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-ClusterNode' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Get-ClusterGroup.md
function Get-ClusterGroup {
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterGroup])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [guid] $VMId,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-ClusterGroup' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Get-ClusterResource.md
function Get-ClusterResource {
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterResource])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [guid] $VMId,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-ClusterResource' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Get-ClusterQuorum.md
function Get-ClusterQuorum {
    [CmdletBinding()]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterQuorumSettings])]
    param(
        [Parameter(ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-ClusterQuorum' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Get-ClusterParameter.md
function Get-ClusterParameter {
    [CmdletBinding()]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterParameter])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-ClusterParameter' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Get-ClusterOwnerNode.md
function Get-ClusterOwnerNode {
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterOwnerNodeList])]
    param(
        [Alias('Res')]
        [ValidateNotNullOrEmpty()]
        [string] $Resource,
        [ValidateNotNullOrEmpty()]
        [string] $Group,
        [Alias('ResType')]
        [ValidateNotNullOrEmpty()]
        [string] $ResourceType,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-ClusterOwnerNode' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Get-ClusterNetworkInterface.md
function Get-ClusterNetworkInterface {
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterNetworkInterface])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Node,
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Network,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-ClusterNetworkInterface' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Get-ClusterNetwork.md
function Get-ClusterNetwork {
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterNetwork])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Get-ClusterNetwork' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Move-ClusterVirtualMachineRole.md
function Move-ClusterVirtualMachineRole {
    [CmdletBinding()]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterGroup])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Node,
        [switch] $Cancel,
        [Microsoft.FailoverClusters.NativeHelp.NativeGroupHelp+VmMigrationType] $MigrationType,
        [switch] $IgnoreLocked,
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [guid] $VMId,
        [int] $Wait,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Move-ClusterVirtualMachineRole' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Suspend-ClusterNode.md
function Suspend-ClusterNode {
    [CmdletBinding(DefaultParameterSetName = 'InputObject', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterNode])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [switch] $Drain,
        [switch] $ForceDrain,
        [switch] $Wait,
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $TargetNode,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        if (-not $PSCmdlet.ShouldProcess("$(if ($InputObject) { [string]$InputObject } else { [string]$Name })", 'Suspend-ClusterNode')) { return }
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Suspend-ClusterNode' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Resume-ClusterNode.md
function Resume-ClusterNode {
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterNode])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty()]
        [Microsoft.FailoverClusters.PowerShell.ResumeClusterNodeFailbackType] $Failback,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Resume-ClusterNode' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Stop-ClusterNode.md
function Stop-ClusterNode {
    [CmdletBinding(DefaultParameterSetName = 'InputObject', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterNode])]
    param(
        [Parameter(Position = 0)]
        [System.Collections.Specialized.StringCollection] $Name,
        [int] $Wait,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        if (-not $PSCmdlet.ShouldProcess("$(if ($InputObject) { [string]$InputObject } else { [string]$Name })", 'Stop-ClusterNode')) { return }
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Stop-ClusterNode' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/FailoverClusters/Start-ClusterNode.md
function Start-ClusterNode {
    [CmdletBinding(DefaultParameterSetName = 'InputObject')]
    [OutputType([Microsoft.FailoverClusters.PowerShell.ClusterNode])]
    param(
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Specialized.StringCollection] $Name,
        [Alias('fq', 'FixQuorum')]
        [switch] $ForceQuorum,
        [Alias('cq')]
        [switch] $ClearQuarantine,
        [Alias('ips')]
        [switch] $IgnorePersistentState,
        [Alias('pq')]
        [switch] $PreventQuorum,
        [int] $Wait,
        [Parameter(ParameterSetName = 'InputObject', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [psobject] $InputObject,
        [ValidateNotNullOrEmpty()]
        [string] $Cluster
    )
    process {
        Invoke-ClusterChaosLabFailoverClusters -Cmdlet $PSCmdlet -Command 'Start-ClusterNode' -Parameters $PSBoundParameters
    }
}

Export-ModuleMember -Function Get-Cluster, Get-ClusterNode, Get-ClusterGroup, Get-ClusterResource, Get-ClusterParameter, Get-ClusterOwnerNode, Get-ClusterQuorum, Get-ClusterNetworkInterface, Get-ClusterNetwork, Move-ClusterVirtualMachineRole, Suspend-ClusterNode, Resume-ClusterNode, Stop-ClusterNode, Start-ClusterNode
