# Runs the module's Pester tests: pwsh -NoProfile -File Invoke-Tests.ps1 [-Pester <path to Pester.psd1>] [-Path <test file>]
# Pester 5.9.1 is found through -Pester, $env:CLUSTERCHAOS_PESTER, or Import-Module Pester -RequiredVersion 5.9.1.
param([string] $Pester = $env:CLUSTERCHAOS_PESTER, [string[]] $Path = @($PSScriptRoot), [string] $Verbosity = 'Normal')
$ErrorActionPreference = 'Stop'
if ($Pester) { Import-Module $Pester } else { Import-Module Pester -RequiredVersion 5.9.1 }
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = $Verbosity
Invoke-Pester -Configuration $configuration
