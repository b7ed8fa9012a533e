# The ClusterChaos module: everything the PowerShell target does on a cluster (README.md beside this file).
# Windows PowerShell 5.1 syntax throughout; every file pure ASCII (5.1 reads a file without a BOM in the
# system's ANSI code page).

# The module's only state (review N6: nothing at global scope, module scope only for these caches).
$script:ClusterChaosCredential = $null
# node name -> its PSSession (review R2)
$script:ClusterChaosNodeSessions = @{}
# the Windows PowerShell session FailoverClusters runs in under PowerShell 7 (review B1)
$script:ClusterChaosCompatSession = $null
# Virtual Machine resource Id -> the VM's Id (its VmID parameter; review R7)
$script:ClusterChaosVmIds = @{}
# VM Id -> the VM's name as last seen by Get-VM on its owner
$script:ClusterChaosVmNames = @{}

foreach ($file in @(
        'Answer.ps1'
        'Sessions.ps1'
        'Vms.ps1'
        'Connect.ps1'
        'Observe.ps1'
        'Settings.ps1'
        'ClusterService.ps1'
        'Network.ps1'
        'Witness.ps1'
        'Storage.ps1'
        'Migration.ps1'
        'Power.ps1'
        'Residue.ps1'
        'Configuration.ps1'
    )) {
    . (Join-Path -Path $PSScriptRoot -ChildPath $file)
}
Remove-Variable -Name file

Export-ModuleMember -Function @(
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
