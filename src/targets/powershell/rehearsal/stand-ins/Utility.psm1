# Invoke-RestMethod on the management host, for the lab's BMCs: a Redfish service per node at
# https://bmc-<node>.lab.local/redfish/v1/Systems/1 (../COMMANDS.md). Parameters as in
# MicrosoftDocs/PowerShell-Docs reference/7.6/Microsoft.PowerShell.Utility/Invoke-RestMethod.md (the management
# host of a rehearsal runs PowerShell 7); those the lab does not act on are declared and refused when given.
# A URI that is not one of the lab's BMCs is refused: the lab reaches nothing outside itself.

Set-StrictMode -Version 3.0

function Invoke-RestMethod {
    [CmdletBinding(DefaultParameterSetName = 'StandardMethod')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [uri] $Uri,
        [Parameter(ParameterSetName = 'StandardMethod')]
        [Parameter(ParameterSetName = 'StandardMethodNoProxy')]
        [Microsoft.PowerShell.Commands.WebRequestMethod] $Method,
        [Parameter(ParameterSetName = 'CustomMethod', Mandatory = $true)]
        [Parameter(ParameterSetName = 'CustomMethodNoProxy', Mandatory = $true)]
        [Alias('CM')]
        [ValidateNotNullOrEmpty()]
        [string] $CustomMethod,
        [Parameter(ValueFromPipeline = $true)]
        [object] $Body,
        [System.Collections.IDictionary] $Headers,
        [string] $ContentType,
        [pscredential] $Credential,
        [switch] $UseDefaultCredentials,
        [switch] $UseBasicParsing,
        [switch] $SkipCertificateCheck,
        [switch] $AllowUnencryptedAuthentication,
        [Microsoft.PowerShell.Commands.WebAuthenticationType] $Authentication,
        [ValidateRange(0, [int]::MaxValue)]
        [int] $TimeoutSec,
        [Microsoft.PowerShell.Commands.WebRequestSession] $WebSession,
        [Alias('SV')]
        [string] $SessionVariable,
        [string] $OutFile,
        [Parameter(ParameterSetName = 'StandardMethodNoProxy', Mandatory = $true)]
        [Parameter(ParameterSetName = 'CustomMethodNoProxy', Mandatory = $true)]
        [switch] $NoProxy
    )
    process {
        if (Test-ClusterChaosLabOnNode) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What 'on a node (the lab''s BMCs are reached from the management host)' }
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'CustomMethod', 'Credential', 'UseDefaultCredentials', 'Authentication', 'WebSession', 'SessionVariable', 'OutFile'
        $parameters = @{}
        foreach ($key in $PSBoundParameters.Keys) { $parameters[$key] = $PSBoundParameters[$key] }
        $parameters['Uri'] = $Uri.AbsoluteUri
        if ($PSBoundParameters.ContainsKey('Body') -and $Body -isnot [string]) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What '-Body other than a string (JSON)' }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Invoke-RestMethod' -Parameters $parameters
    }
}

Export-ModuleMember -Function Invoke-RestMethod
