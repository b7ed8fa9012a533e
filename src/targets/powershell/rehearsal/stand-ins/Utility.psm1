# Invoke-RestMethod on the management host, for the lab's BMCs: a Redfish service per node at
# https://bmc-<node>.lab.local/redfish/v1/Systems/1 (../COMMANDS.md "Power"). A URI that is not one of the lab's
# BMCs is refused: the lab reaches nothing outside itself. The parameters are PowerShell 7's own (the management
# host of a rehearsal runs it), generated from the cmdlet's metadata with ProxyCommand.GetParamBlock;
# test/rehearsal/fixtures/stand-ins/StandIns.Tests.ps1 checks that they bind as the real cmdlet does. Those the
# lab does not act on are refused when given.

Set-StrictMode -Version 3.0

# reference/7.4/Microsoft.PowerShell.Utility/Invoke-RestMethod.md
function Invoke-RestMethod {
    [CmdletBinding(DefaultParameterSetName = 'StandardMethod')]
    param(
        [Alias('FL')]
        [switch]
        ${FollowRelLink},

        [Alias('ML')]
        [ValidateRange(1, 2147483647)]
        [int]
        ${MaximumFollowRelLink},

        [Alias('RHV')]
        [string]
        ${ResponseHeadersVariable},

        [string]
        ${StatusCodeVariable},

        [switch]
        ${UseBasicParsing},

        [Parameter(Mandatory=$true, Position=0)]
        [ValidateNotNullOrEmpty()]
        [uri]
        ${Uri},

        [version]
        ${HttpVersion},

        [Microsoft.PowerShell.Commands.WebRequestSession]
        ${WebSession},

        [Alias('SV')]
        [string]
        ${SessionVariable},

        [switch]
        ${AllowUnencryptedAuthentication},

        [Microsoft.PowerShell.Commands.WebAuthenticationType]
        ${Authentication},

        [pscredential]
        [System.Management.Automation.CredentialAttribute()]
        ${Credential},

        [switch]
        ${UseDefaultCredentials},

        [ValidateNotNullOrEmpty()]
        [string]
        ${CertificateThumbprint},

        [ValidateNotNull()]
        [X509Certificate]
        ${Certificate},

        [switch]
        ${SkipCertificateCheck},

        [Microsoft.PowerShell.Commands.WebSslProtocol]
        ${SslProtocol},

        [securestring]
        ${Token},

        [string]
        ${UserAgent},

        [switch]
        ${DisableKeepAlive},

        [Alias('TimeoutSec')]
        [ValidateRange(0, 2147483647)]
        [int]
        ${ConnectionTimeoutSeconds},

        [ValidateRange(0, 2147483647)]
        [int]
        ${OperationTimeoutSeconds},

        [System.Collections.IDictionary]
        ${Headers},

        [switch]
        ${SkipHeaderValidation},

        [switch]
        ${AllowInsecureRedirect},

        [ValidateRange(0, 2147483647)]
        [int]
        ${MaximumRedirection},

        [ValidateRange(0, 2147483647)]
        [int]
        ${MaximumRetryCount},

        [switch]
        ${PreserveAuthorizationOnRedirect},

        [ValidateRange(1, 2147483647)]
        [int]
        ${RetryIntervalSec},

        [Parameter(ParameterSetName='StandardMethod')]
        [Parameter(ParameterSetName='StandardMethodNoProxy')]
        [Microsoft.PowerShell.Commands.WebRequestMethod]
        ${Method},

        [Parameter(ParameterSetName='CustomMethod', Mandatory=$true)]
        [Parameter(ParameterSetName='CustomMethodNoProxy', Mandatory=$true)]
        [Alias('CM')]
        [ValidateNotNullOrEmpty()]
        [string]
        ${CustomMethod},

        [switch]
        ${PreserveHttpMethodOnRedirect},

        [ValidateNotNullOrEmpty()]
        [System.Net.Sockets.UnixDomainSocketEndPoint]
        ${UnixSocket},

        [Parameter(ParameterSetName='CustomMethodNoProxy', Mandatory=$true)]
        [Parameter(ParameterSetName='StandardMethodNoProxy', Mandatory=$true)]
        [switch]
        ${NoProxy},

        [Parameter(ParameterSetName='StandardMethod')]
        [Parameter(ParameterSetName='CustomMethod')]
        [uri]
        ${Proxy},

        [Parameter(ParameterSetName='StandardMethod')]
        [Parameter(ParameterSetName='CustomMethod')]
        [pscredential]
        [System.Management.Automation.CredentialAttribute()]
        ${ProxyCredential},

        [Parameter(ParameterSetName='StandardMethod')]
        [Parameter(ParameterSetName='CustomMethod')]
        [switch]
        ${ProxyUseDefaultCredentials},

        [Parameter(ValueFromPipeline=$true)]
        [System.Object]
        ${Body},

        [System.Collections.IDictionary]
        ${Form},

        [string]
        ${ContentType},

        [ValidateSet('chunked','compress','deflate','gzip','identity')]
        [string]
        ${TransferEncoding},

        [ValidateNotNullOrEmpty()]
        [string]
        ${InFile},

        [ValidateNotNullOrEmpty()]
        [string]
        ${OutFile},

        [switch]
        ${PassThru},

        [switch]
        ${Resume},

        [switch]
        ${SkipHttpErrorCheck}
    )
    process {
        if (Test-ClusterChaosLabOnNode) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What 'on a node (the lab''s BMCs are reached from the management host)' }
        $acted = 'Uri', 'Method', 'Body', 'Headers', 'ContentType', 'UseBasicParsing', 'SkipCertificateCheck', 'ErrorAction', 'WarningAction', 'Verbose', 'Debug', 'ErrorVariable', 'WarningVariable', 'InformationAction', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable', 'ProgressAction'
        foreach ($key in $PSBoundParameters.Keys) {
            if ($acted -notcontains $key) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What "-$key" }
        }
        $parameters = @{}
        foreach ($key in $PSBoundParameters.Keys) { $parameters[$key] = $PSBoundParameters[$key] }
        $parameters['Uri'] = $Uri.AbsoluteUri
        if ($PSBoundParameters.ContainsKey('Body') -and $Body -isnot [string]) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What '-Body other than a string (JSON)' }
        Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'Invoke-RestMethod' -Parameters $parameters
    }
}

Export-ModuleMember -Function Invoke-RestMethod
