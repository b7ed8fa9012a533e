# Get-WinEvent on a node. Parameter sets as in MicrosoftDocs/PowerShell-Docs
# reference/5.1/Microsoft.PowerShell.Diagnostics/Get-WinEvent.md (the nodes run Windows PowerShell 5.1;
# positions as GetEventCommand.cs declares them: 0). -Path, -FilterXml and -ListProvider are refused.

Set-StrictMode -Version 3.0

# reference/5.1/Microsoft.PowerShell.Diagnostics/Get-WinEvent.md
function Get-WinEvent {
    [CmdletBinding(DefaultParameterSetName = 'GetLogSet')]
    param(
        [Parameter(ParameterSetName = 'GetLogSet')]
        [Parameter(ParameterSetName = 'ListLogSet')]
        [Parameter(ParameterSetName = 'ListProviderSet')]
        [Parameter(ParameterSetName = 'GetProviderSet')]
        [Parameter(ParameterSetName = 'HashQuerySet')]
        [Parameter(ParameterSetName = 'XmlQuerySet')]
        [Alias('Cn')]
        [string] $ComputerName,
        [pscredential] $Credential,
        [Parameter(ParameterSetName = 'HashQuerySet', Mandatory = $true, Position = 0)]
        [hashtable[]] $FilterHashtable,
        [Parameter(ParameterSetName = 'XmlQuerySet', Mandatory = $true, Position = 0)]
        [xml] $FilterXml,
        [Parameter(ParameterSetName = 'GetLogSet')]
        [Parameter(ParameterSetName = 'GetProviderSet')]
        [Parameter(ParameterSetName = 'FileSet')]
        [string] $FilterXPath,
        [Parameter(ParameterSetName = 'GetLogSet')]
        [Parameter(ParameterSetName = 'ListLogSet')]
        [Parameter(ParameterSetName = 'GetProviderSet')]
        [Parameter(ParameterSetName = 'HashQuerySet')]
        [switch] $Force,
        [Parameter(ParameterSetName = 'ListLogSet', Mandatory = $true, Position = 0)]
        [string[]] $ListLog,
        [Parameter(ParameterSetName = 'ListProviderSet', Mandatory = $true, Position = 0)]
        [string[]] $ListProvider,
        [Parameter(ParameterSetName = 'GetLogSet', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [string[]] $LogName,
        [Parameter(ParameterSetName = 'GetLogSet')]
        [Parameter(ParameterSetName = 'GetProviderSet')]
        [Parameter(ParameterSetName = 'FileSet')]
        [Parameter(ParameterSetName = 'HashQuerySet')]
        [Parameter(ParameterSetName = 'XmlQuerySet')]
        [long] $MaxEvents,
        [Parameter(ParameterSetName = 'GetLogSet')]
        [Parameter(ParameterSetName = 'GetProviderSet')]
        [Parameter(ParameterSetName = 'FileSet')]
        [Parameter(ParameterSetName = 'HashQuerySet')]
        [Parameter(ParameterSetName = 'XmlQuerySet')]
        [switch] $Oldest,
        [Parameter(ParameterSetName = 'FileSet', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('PSPath')]
        [string[]] $Path,
        [Parameter(ParameterSetName = 'GetProviderSet', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [string[]] $ProviderName
    )
    process {
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'Path', 'FilterXml', 'ListProvider'
        $parameters = [ordered]@{} + $PSBoundParameters
        if ($PSBoundParameters.ContainsKey('FilterHashtable')) {
            $parameters['FilterHashtable'] = @($FilterHashtable | ForEach-Object { ConvertTo-EventQueryHashtable $_ })
        }
        $errorCount = 0
        $records = @(Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Get-WinEvent' -Parameters $parameters -ErrorCount ([ref]$errorCount))
        $records
        if ($records.Count -eq 0 -and $errorCount -eq 0 -and $PSCmdlet.ParameterSetName -ne 'ListLogSet') {
            # GetEventCommand: no record → a non-terminating error (windows-cluster-facts §2.5)
            $PSCmdlet.WriteError([ClusterChaos.Lab.LabErrors]::Create('No events were found that match the specified selection criteria.',
                'NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand', 'ObjectNotFound', $null))
        }
    }
}

# StartTime/EndTime as GetEventCommand reads them (HandleStartTimeHashValue → StringToDateTime): the value's
# ToString() parsed in the current culture, then ToUniversalTime() — so a UTC DateTime is read as LOCAL time
# (review B2). Sent to the lab as the resulting UTC instant.
function ConvertTo-EventQueryHashtable([hashtable] $Query) {
    $copy = @{}
    foreach ($key in $Query.Keys) {
        $value = $Query[$key]
        if ($null -ne $value -and ([string]$key -eq 'StartTime' -or [string]$key -eq 'EndTime')) {
            $value = [datetime]::Parse($value.ToString(), [cultureinfo]::CurrentCulture).ToUniversalTime()
        }
        $copy[$key] = $value
    }
    $copy
}

Export-ModuleMember -Function Get-WinEvent
