# Runs the ClusterChaos module's Pester tests (PowerShell 7 on any OS; the Windows cmdlets are stubbed):
#   pwsh -NoProfile -File src/targets/powershell/module/tests/Invoke-Tests.ps1 [-Pester <Pester.psd1>] [-Path <file>...]
# Pester 5.9.1: -Pester, else $env:CLUSTERCHAOS_PESTER, else the repository's .cache/powershell-modules (npm test's
# pretest puts it there), else an installed Pester 5.9.1. Exit code: the number of failed tests.
param([string] $Pester = $env:CLUSTERCHAOS_PESTER, [string[]] $Path = @($PSScriptRoot), [string] $Verbosity = 'Normal')
$ErrorActionPreference = 'Stop'
if (-not $Pester) {
    $cached = Join-Path $PSScriptRoot '../../../../../.cache/powershell-modules/Pester/5.9.1/Pester.psd1'
    if (Test-Path -LiteralPath $cached) { $Pester = $cached }
}
if ($Pester) { Import-Module $Pester } else { Import-Module Pester -RequiredVersion 5.9.1 }
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = $Verbosity
Invoke-Pester -Configuration $configuration
