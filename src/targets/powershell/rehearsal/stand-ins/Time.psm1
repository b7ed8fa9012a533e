# Lab time: Get-Date and Start-Sleep read and wait on the lab's clock (Lab-Now, Lab-Sleep), on the management
# host and on a node (the node's clock, with its skew). Parameter sets as in MicrosoftDocs/PowerShell-Docs
# reference/7.4/Microsoft.PowerShell.Utility/<Cmdlet>.md; every parameter of the real cmdlets works: Get-Date
# passes the lab's time as -Date to the real Get-Date unless -Date (or -UnixTimeSeconds) was given.

Set-StrictMode -Version 3.0

# On a node the commands run in Windows PowerShell 5.1 (its remote endpoint), and so does the management host
# under the lab's desktop edition; its Get-Date has no -AsUTC or -UnixTimeSeconds and its Start-Sleep no
# -Duration (reference/5.1/Microsoft.PowerShell.Utility/Get-Date.md, Start-Sleep.md): there they fail as an
# unknown parameter does. (The edition is asked only when such a parameter is given.)
function Test-WindowsPowerShell([System.Management.Automation.PSCmdlet] $Cmdlet) {
    (Test-ClusterChaosLabOnNode) -or ((Get-ClusterChaosLabEdition -Cmdlet $Cmdlet) -eq 'desktop')
}

function Assert-WindowsPowerShellParameter([System.Management.Automation.PSCmdlet] $Cmdlet, [string[]] $Parameter, [string] $CommandType) {
    foreach ($name in $Parameter) {
        if (-not $Cmdlet.MyInvocation.BoundParameters.ContainsKey($name)) { continue }
        if (-not (Test-WindowsPowerShell $Cmdlet)) { return }
        $exception = [System.Management.Automation.ParameterBindingException]::new("A parameter cannot be found that matches parameter name '$name'.")
        $Cmdlet.ThrowTerminatingError([ClusterChaos.Lab.LabErrors]::Create($exception, "NamedParameterNotFound,$CommandType", 'InvalidArgument', $null))
    }
}

# reference/7.4/Microsoft.PowerShell.Utility/Get-Date.md
function Get-Date {
    [CmdletBinding(DefaultParameterSetName = 'DateAndFormat')]
    param(
        [switch] $AsUTC,
        [Parameter(ParameterSetName = 'DateAndFormat', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'DateAndUFormat', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('LastWriteTime')]
        [datetime] $Date,
        [int] $Day,
        [Microsoft.PowerShell.Commands.DisplayHintType] $DisplayHint,
        [Parameter(ParameterSetName = 'DateAndFormat')]
        [Parameter(ParameterSetName = 'UnixTimeSecondsAndFormat')]
        [string] $Format,
        [int] $Hour,
        [int] $Millisecond,
        [int] $Minute,
        [int] $Month,
        [int] $Second,
        # Mandatory in its sets, as PowerShell 7's own metadata says (the doc's yaml says not).
        [Parameter(ParameterSetName = 'DateAndUFormat', Mandatory = $true)]
        [Parameter(ParameterSetName = 'UnixTimeSecondsAndUFormat', Mandatory = $true)]
        [string] $UFormat,
        [Parameter(ParameterSetName = 'UnixTimeSecondsAndFormat', Mandatory = $true)]
        [Parameter(ParameterSetName = 'UnixTimeSecondsAndUFormat', Mandatory = $true)]
        [Alias('UnixTime')]
        [long] $UnixTimeSeconds,
        [int] $Year
    )
    process {
        Assert-WindowsPowerShellParameter -Cmdlet $PSCmdlet -Parameter 'AsUTC', 'UnixTimeSeconds' -CommandType 'Microsoft.PowerShell.Commands.GetDateCommand'
        $parameters = [ordered]@{} + $PSBoundParameters
        if (-not $PSBoundParameters.ContainsKey('Date') -and -not $PSBoundParameters.ContainsKey('UnixTimeSeconds')) {
            $parameters['Date'] = Get-ClusterChaosLabNow -Cmdlet $PSCmdlet
        }
        Microsoft.PowerShell.Utility\Get-Date @parameters
    }
}

# reference/7.4/Microsoft.PowerShell.Utility/Start-Sleep.md
function Start-Sleep {
    [CmdletBinding(DefaultParameterSetName = 'Seconds')]
    param(
        # Position 0, as PowerShell 7's own metadata says (the doc's yaml says named).
        [Parameter(ParameterSetName = 'FromTimeSpan', Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('ts')]
        [timespan] $Duration,
        [Parameter(ParameterSetName = 'Milliseconds', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('ms')]
        [ValidateRange(0, 2147483647)]
        [int] $Milliseconds,
        [Parameter(ParameterSetName = 'Seconds', Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateRange(0.0, 2147483.0)]
        [double] $Seconds
    )
    process {
        Assert-WindowsPowerShellParameter -Cmdlet $PSCmdlet -Parameter 'Duration' -CommandType 'Microsoft.PowerShell.Commands.StartSleepCommand'
        $milliseconds = switch ($PSCmdlet.ParameterSetName) {
            # Windows PowerShell 5.1 takes -Seconds as [int]: 1.5 binds as 2.
            'Seconds' {
                if ($Seconds -ne [math]::Truncate($Seconds) -and (Test-WindowsPowerShell $PSCmdlet)) { [long]([int]$Seconds) * 1000 }
                else { [long][math]::Round($Seconds * 1000) }
            }
            'Milliseconds' { [long]$Milliseconds }
            'FromTimeSpan' { [long][math]::Round($Duration.TotalMilliseconds) }
        }
        Invoke-ClusterChaosLabSleep -Cmdlet $PSCmdlet -Milliseconds $milliseconds
    }
}

Export-ModuleMember -Function Get-Date, Start-Sleep
