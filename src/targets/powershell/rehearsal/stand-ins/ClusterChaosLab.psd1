# The rehearsal lab's stand-in commands (README.md beside this folder). A rehearsal session imports this
# manifest before the ClusterChaos module; the stand-ins then shadow the Windows commands (functions win over
# cmdlets). Lab.psm1 comes first: it loads types.cs and holds the context the others read.
@{
    ModuleVersion     = '0.1.0'
    GUID              = 'b3c1e0a4-6f1d-4c8e-9a57-2f0d6c1c7e21'
    Author            = 'clusterchaos'
    Description       = 'Stand-ins of the FailoverClusters, Hyper-V, NetSecurity, ScheduledTasks, event-log, service, remoting and time commands, backed by the clusterchaos rehearsal lab.'
    PowerShellVersion = '7.5'   # ConvertFrom-Json -DateKind (7.5+); the lab runs 7.6.10
    CompatiblePSEditions = @('Core')
    NestedModules     = @(
        'Lab.psm1'
        'FailoverClusters.psm1'
        'Hyper-V.psm1'
        'NetSecurity.psm1'
        'ScheduledTasks.psm1'
        'Diagnostics.psm1'
        'Management.psm1'
        'Utility.psm1'
        'Remoting.psm1'
        'Time.psm1'
    )
    FunctionsToExport = @(
        # Lab.psm1 (the context, and what the other stand-ins call)
        'Set-ClusterChaosLabContext', 'Get-ClusterChaosLabContext', 'Invoke-ClusterChaosLabCall',
        'Invoke-ClusterChaosLabQuery', 'Assert-ClusterChaosLabSupported', 'Stop-ClusterChaosLabUnsupported',
        'Get-ClusterChaosLabNow', 'Invoke-ClusterChaosLabSleep', 'Get-ClusterChaosLabEdition',
        'ConvertTo-ClusterChaosLabDeserialized', 'Invoke-ClusterChaosLabFailoverClusters', 'Test-ClusterChaosLabOnNode'
        # FailoverClusters
        'Get-Cluster', 'Get-ClusterNode', 'Get-ClusterGroup', 'Get-ClusterResource', 'Get-ClusterParameter', 'Get-ClusterOwnerNode', 'Get-ClusterQuorum',
        'Get-ClusterNetworkInterface', 'Get-ClusterNetwork', 'Move-ClusterVirtualMachineRole', 'Suspend-ClusterNode', 'Resume-ClusterNode',
        'Stop-ClusterNode', 'Start-ClusterNode'
        # Hyper-V
        'Get-VM', 'Get-VMHardDiskDrive', 'Get-VMHost', 'Set-VMHost', 'Get-VMHostCluster', 'Get-VMHostSupportedVersion',
        'Stop-VM', 'Start-VM'
        # NetSecurity, NetConnection, DnsClient
        'New-NetFirewallRule', 'Get-NetFirewallRule', 'Remove-NetFirewallRule', 'Get-NetFirewallProfile',
        'Get-NetConnectionProfile', 'Resolve-DnsName'
        # ScheduledTasks
        'New-ScheduledTaskAction', 'New-ScheduledTaskTrigger', 'New-ScheduledTaskPrincipal', 'New-ScheduledTaskSettingsSet',
        'Register-ScheduledTask', 'Unregister-ScheduledTask', 'Get-ScheduledTask'
        # Diagnostics, Management
        'Get-WinEvent', 'Stop-Process', 'Get-Service', 'Set-Service', 'Start-Service', 'Get-ItemProperty', 'Test-Path',
        'Restart-Computer', 'Invoke-RestMethod'
        # Remoting, Time
        'Invoke-Command', 'New-PSSession', 'Remove-PSSession', 'Get-Date', 'Start-Sleep'
    )
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
