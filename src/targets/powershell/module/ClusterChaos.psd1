@{
    RootModule = 'ClusterChaos.psm1'
    ModuleVersion = '0.1.0'
    GUID = '5b0f3a0e-6c1d-4f57-9d43-2f7d1c9a8e61'
    Author = 'clusterchaos'
    Description = 'What clusterchaos does on a Windows Server failover cluster running Hyper-V: one function per operation, one framed JSON answer each (README.md).'
    PowerShellVersion = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FunctionsToExport = @(
        'ConvertFrom-ClusterChaosBase64'
        'Initialize-ClusterChaosSession'
        'Connect-ClusterChaosCluster'
        'Get-ClusterChaosObservation'
        'Get-ClusterChaosEvent'
        'Get-ClusterChaosSetting'
        'Set-ClusterChaosSetting'
        'Get-ClusterChaosVmSetting'
        'Set-ClusterChaosVmSetting'
        'Stop-ClusterChaosService'
        'Start-ClusterChaosService'
        'Stop-ClusterChaosNode'
        'Start-ClusterChaosNode'
        'Disconnect-ClusterChaosNetwork'
        'Connect-ClusterChaosNetwork'
        'Disconnect-ClusterChaosWitness'
        'Connect-ClusterChaosWitness'
        'Disconnect-ClusterChaosStorage'
        'Connect-ClusterChaosStorage'
        'Move-ClusterChaosVm'
        'Stop-ClusterChaosMigration'
        'Suspend-ClusterChaosNode'
        'Resume-ClusterChaosNode'
        'Get-ClusterChaosResidue'
        'Get-ClusterChaosConfiguration'
        'Stop-ClusterChaosHost'
        'Start-ClusterChaosHost'
        'Get-ClusterChaosPowerState'
        'Restart-ClusterChaosNode'
    )
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
