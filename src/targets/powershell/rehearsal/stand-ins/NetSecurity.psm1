# Network stand-ins on a node: NetSecurity (firewall rules and profiles), NetConnection
# (Get-NetConnectionProfile) and DnsClient (Resolve-DnsName). Parameter sets as in
# MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/<Module>/<Cmdlet>.md (Syntax and Parameters).
# CDXML parameters the lab cannot honour (-CimSession, -AsJob, -GPOSession, the -Associated* filters) are
# declared and refused. Objects are CIM-instance stand-ins (types.cs CimInstance) with the real class names.

Set-StrictMode -Version 3.0

# docset/winserver2022-ps/NetSecurity/New-NetFirewallRule.md
function New-NetFirewallRule {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param(
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Action] $Action,
        [switch] $AsJob,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Authentication] $Authentication,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [string] $Description,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Direction] $Direction,
        [Parameter(Mandatory = $true)]
        [string] $DisplayName,
        [Alias('DynamicTransport')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.DynamicTransport] $DynamicTarget,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.EdgeTraversal] $EdgeTraversalPolicy,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Enabled] $Enabled,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Encryption] $Encryption,
        [string] $GPOSession,
        [string] $Group,
        [string[]] $IcmpType,
        [System.Management.Automation.WildcardPattern[]] $InterfaceAlias,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.InterfaceType] $InterfaceType,
        [string[]] $LocalAddress,
        [bool] $LocalOnlyMapping,
        [string[]] $LocalPort,
        [string] $LocalUser,
        [Alias('LSM')]
        [bool] $LooseSourceMapping,
        [Alias('ID')]
        [string] $Name,
        [bool] $OverrideBlockRules,
        [string] $Owner,
        [string] $Package,
        [string[]] $Platform,
        [string] $PolicyStore,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Profile] $Profile,
        [string] $Program,
        [string] $Protocol,
        [string[]] $RemoteAddress,
        [string[]] $RemoteDynamicKeywordAddresses,
        [string] $RemoteMachine,
        [string[]] $RemotePort,
        [string] $RemoteUser,
        [string] $Service,
        [int] $ThrottleLimit
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob', 'GPOSession'
        if (-not $PSCmdlet.ShouldProcess($DisplayName, 'New-NetFirewallRule')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'New-NetFirewallRule' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/NetSecurity/Get-NetFirewallRule.md
function Get-NetFirewallRule {
    [CmdletBinding(DefaultParameterSetName = 'GetAll')]
    param(
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Action[]] $Action,
        [Parameter(ParameterSetName = 'GetAll')]
        [switch] $All,
        [switch] $AsJob,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallAddressFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallAddressFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallApplicationFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallApplicationFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallInterfaceFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallInterfaceFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallInterfaceTypeFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallInterfaceTypeFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallPortFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallPortFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallProfile', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallProfile,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallSecurityFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallSecurityFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallServiceFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallServiceFilter,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $Description,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Direction[]] $Direction,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $DisplayGroup,
        [Parameter(ParameterSetName = 'ByDisplayName', Mandatory = $true)]
        [string[]] $DisplayName,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.EdgeTraversal[]] $EdgeTraversalPolicy,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Enabled[]] $Enabled,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $Group,
        [Parameter(ParameterSetName = 'ByQuery')]
        [bool[]] $LocalOnlyMapping,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Alias('LSM')]
        [bool[]] $LooseSourceMapping,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 0)]
        [Alias('ID')]
        [string[]] $Name,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $Owner,
        [string] $PolicyStore,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $PolicyStoreSource,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.PolicyStoreType[]] $PolicyStoreSourceType,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.PrimaryStatus[]] $PrimaryStatus,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $Status,
        [int] $ThrottleLimit,
        [switch] $TracePolicyStore
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob', 'GPOSession', 'AssociatedNetFirewallAddressFilter', 'AssociatedNetFirewallApplicationFilter', 'AssociatedNetFirewallInterfaceFilter', 'AssociatedNetFirewallInterfaceTypeFilter', 'AssociatedNetFirewallPortFilter', 'AssociatedNetFirewallProfile', 'AssociatedNetFirewallSecurityFilter', 'AssociatedNetFirewallServiceFilter'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-NetFirewallRule' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/NetSecurity/Remove-NetFirewallRule.md
function Remove-NetFirewallRule {
    [CmdletBinding(DefaultParameterSetName = 'GetAll', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Action[]] $Action,
        [Parameter(ParameterSetName = 'GetAll')]
        [switch] $All,
        [switch] $AsJob,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallAddressFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallAddressFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallApplicationFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallApplicationFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallInterfaceFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallInterfaceFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallInterfaceTypeFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallInterfaceTypeFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallPortFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallPortFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallProfile', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallProfile,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallSecurityFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallSecurityFilter,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallServiceFilter', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallServiceFilter,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $Description,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Direction[]] $Direction,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $DisplayGroup,
        [Parameter(ParameterSetName = 'ByDisplayName', Mandatory = $true)]
        [string[]] $DisplayName,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.EdgeTraversal[]] $EdgeTraversalPolicy,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Enabled[]] $Enabled,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $Group,
        [Parameter(ParameterSetName = 'InputObject (cdxml)', Mandatory = $true, ValueFromPipeline = $true)]
        [ClusterChaos.Lab.CimInstance[]] $InputObject,
        [Parameter(ParameterSetName = 'ByQuery')]
        [bool[]] $LocalOnlyMapping,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Alias('LSM')]
        [bool[]] $LooseSourceMapping,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 0)]
        [Alias('ID')]
        [string[]] $Name,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $Owner,
        [switch] $PassThru,
        [Parameter(ParameterSetName = 'GetAll')]
        [Parameter(ParameterSetName = 'ByName')]
        [Parameter(ParameterSetName = 'ByDisplayName')]
        [Parameter(ParameterSetName = 'ByQuery')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallAddressFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallApplicationFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallInterfaceFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallInterfaceTypeFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallPortFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallSecurityFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallServiceFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallProfile')]
        [string] $PolicyStore,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $PolicyStoreSource,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.PolicyStoreType[]] $PolicyStoreSourceType,
        [Parameter(ParameterSetName = 'ByQuery')]
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.PrimaryStatus[]] $PrimaryStatus,
        [Parameter(ParameterSetName = 'ByQuery')]
        [string[]] $Status,
        [int] $ThrottleLimit,
        [Parameter(ParameterSetName = 'GetAll')]
        [Parameter(ParameterSetName = 'ByName')]
        [Parameter(ParameterSetName = 'ByDisplayName')]
        [Parameter(ParameterSetName = 'ByQuery')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallAddressFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallApplicationFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallInterfaceFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallInterfaceTypeFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallPortFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallSecurityFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallServiceFilter')]
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallProfile')]
        [switch] $TracePolicyStore
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob', 'GPOSession', 'AssociatedNetFirewallAddressFilter', 'AssociatedNetFirewallApplicationFilter', 'AssociatedNetFirewallInterfaceFilter', 'AssociatedNetFirewallInterfaceTypeFilter', 'AssociatedNetFirewallPortFilter', 'AssociatedNetFirewallProfile', 'AssociatedNetFirewallSecurityFilter', 'AssociatedNetFirewallServiceFilter'
        if (-not $PSCmdlet.ShouldProcess($(if ($Name) { $Name -join ', ' } elseif ($Group) { $Group -join ', ' } else { 'rules' }), 'Remove-NetFirewallRule')) { return }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Remove-NetFirewallRule' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/NetSecurity/Get-NetFirewallProfile.md
function Get-NetFirewallProfile {
    [CmdletBinding(DefaultParameterSetName = 'GetAll')]
    param(
        [Parameter(ParameterSetName = 'GetAll')]
        [switch] $All,
        [switch] $AsJob,
        [Parameter(ParameterSetName = 'ByAssociatedNetFirewallRule', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetFirewallRule,
        [Parameter(ParameterSetName = 'ByAssociatedNetIPsecMainModeRule', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetIPsecMainModeRule,
        [Parameter(ParameterSetName = 'ByAssociatedNetIPsecRule', Mandatory = $true, ValueFromPipeline = $true)]
        [ciminstance] $AssociatedNetIPsecRule,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [string] $GPOSession,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 0)]
        [Alias('Profile')]
        [string[]] $Name,
        [string] $PolicyStore,
        [int] $ThrottleLimit
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob', 'GPOSession', 'AssociatedNetFirewallRule', 'AssociatedNetIPsecRule', 'AssociatedNetIPsecMainModeRule'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-NetFirewallProfile' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/NetConnection/Get-NetConnectionProfile.md
function Get-NetConnectionProfile {
    [CmdletBinding()]
    param(
        [switch] $AsJob,
        [Alias('Session')]
        [Microsoft.Management.Infrastructure.CimSession[]] $CimSession,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetConnectionProfile.IPv4Connectivity[]] $IPv4Connectivity,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetConnectionProfile.IPv6Connectivity[]] $IPv6Connectivity,
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [string[]] $InterfaceAlias,
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [uint32[]] $InterfaceIndex,
        [string[]] $Name,
        [Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetConnectionProfile.NetworkCategory[]] $NetworkCategory,
        [int] $ThrottleLimit
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CimSession', 'AsJob'
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-NetConnectionProfile' -Parameters $PSBoundParameters
    }
}

# docset/winserver2022-ps/DnsClient/Resolve-DnsName.md
function Resolve-DnsName {
    [CmdletBinding()]
    param(
        [switch] $CacheOnly,
        [switch] $DnsOnly,
        [switch] $DnssecCd,
        [switch] $DnssecOk,
        [switch] $LlmnrFallback,
        [switch] $LlmnrNetbiosOnly,
        [switch] $LlmnrOnly,
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [string] $Name,
        [switch] $NetbiosFallback,
        [switch] $NoHostsFile,
        [switch] $NoIdn,
        [switch] $NoRecursion,
        [switch] $QuickTimeout,
        [string[]] $Server,
        [switch] $TcpOnly,
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = $true)]
        [Microsoft.DnsClient.Commands.RecordType] $Type
    )
    process {
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Resolve-DnsName' -Parameters $PSBoundParameters
    }
}

Export-ModuleMember -Function New-NetFirewallRule, Get-NetFirewallRule, Remove-NetFirewallRule, Get-NetFirewallProfile, Get-NetConnectionProfile, Resolve-DnsName
