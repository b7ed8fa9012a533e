# Remoting stand-ins: Invoke-Command, New-PSSession, Remove-PSSession. No lab state of their own: a node's
# blocks run in a runspace of this process whose stand-ins have that node's context (Set-ClusterChaosLabContext),
# with what a remote session does to data: fresh default preferences, $using: values from the caller,
# arguments and output through PSSerializer at depth 1, output annotated with PSComputerName/RunspaceId,
# remote warnings re-emitted, remote errors (terminating or not) as local non-terminating errors.
# Parameter sets as MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Core/<Cmdlet>.md lists
# them; positions as PowerShell 7's own metadata declares them (the docs' yaml gives position 0 to both
# -ComputerName and -ScriptBlock). -Session takes the lab's ClusterChaos.Lab.PSSession.

Set-StrictMode -Version 3.0

$script:Manifest = Join-Path $PSScriptRoot 'ClusterChaosLab.psd1'
$script:LocalNames = @('localhost', '.', '127.0.0.1', '::1')

$script:WinRMUnreachable = 'WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer. By default, the WinRM firewall exception for public profiles limits access to remote computers within the same local subnet. For more information, see the about_Remote_Troubleshooting Help topic.'
$script:WinRMNotFound = 'The WinRM client cannot process the request because the server name cannot be resolved. For more information, see the about_Remote_Troubleshooting Help topic.'

# A runspace with the stand-ins imported and the given context: a node ('N2'), the management host ($null),
# or the compat session (-Compat).
function New-LabRunspace([string] $Node, [switch] $Compat) {
    $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
    $state.ImportPSModule([string[]]@($script:Manifest))
    $runspace = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($state)
    $runspace.Open()
    $ps = [powershell]::Create()
    try {
        $ps.Runspace = $runspace
        $null = $ps.AddCommand('Set-ClusterChaosLabContext').AddParameter('Node', $Node).AddParameter('Compat', [bool]$Compat).Invoke()
    }
    finally { $ps.Dispose() }
    $runspace
}

# The runspace Invoke-Command -ComputerName uses for a node (one per node per process, made on first use).
function Get-LabNodeRunspace([string] $Node) {
    $key = if ($Node) { $Node } else { '' }
    $runspaces = [ClusterChaos.Lab.LabState]::NodeRunspaces
    $existing = $null
    if ($runspaces.TryGetValue($key, [ref]$existing) -and $existing.RunspaceStateInfo.State -eq 'Opened') { return $existing }
    $runspace = New-LabRunspace -Node $Node
    $runspaces[$key] = $runspace
    $runspace
}

# Lab-Context once per Invoke-Command / New-PSSession: which nodes WinRM cannot reach, (if the lab says) which
# computer names exist, and the language mode the nodes' remote sessions run in (review N5).
function Get-LabReachability([System.Management.Automation.PSCmdlet] $Cmdlet) {
    $lab = Invoke-ClusterChaosLabQuery -Cmdlet $Cmdlet -Command 'Lab-Context'
    $unreachable = @(); $nodes = $null; $languageMode = 'FullLanguage'
    if ($null -ne $lab) {
        if ($lab.PSObject.Properties['unreachable']) { $unreachable = @(foreach ($u in @($lab.unreachable)) { if ($null -ne $u) { [string]$u } }) }
        if ($lab.PSObject.Properties['nodes'] -and $null -ne $lab.nodes) { $nodes = @(foreach ($n in @($lab.nodes)) { [string]$n }) }
        if ($lab.PSObject.Properties['languageMode'] -and $lab.languageMode) { $languageMode = [string]$lab.languageMode }
    }
    [pscustomobject]@{ Unreachable = $unreachable; Nodes = $nodes; LanguageMode = $languageMode }
}

function Test-LabLocalName([string] $Name) {
    ($script:LocalNames -contains $Name) -or ($env:COMPUTERNAME -and $Name -eq $env:COMPUTERNAME)
}

# The connection error PowerShell gives for a computer it cannot reach ($Open: New-PSSession's id).
function New-LabConnectionError([string] $ComputerName, [switch] $NotFound, [switch] $Open) {
    $reason = if ($NotFound) { $script:WinRMNotFound } else { $script:WinRMUnreachable }
    $message = "Connecting to remote server $ComputerName failed with the following error message : $reason"
    $prefix = if ($NotFound) { 'ComputerNotFound' } else { 'WinRMOperationTimeout' }
    $suffix = if ($Open) { 'PSSessionOpenFailed' } else { 'PSSessionStateBroken' }
    [ClusterChaos.Lab.LabErrors]::Create([System.Management.Automation.Remoting.PSRemotingTransportException]::new($message),
        "$prefix,$suffix", 'OpenError', $ComputerName)
}

# Copies as the remoting serializer makes them (depth 1), each kept whole: a collection stays one value
# (a deserialized ArrayList), as an argument does through real remoting; nothing is unrolled.
function Copy-LabRemoteValues([object[]] $Values) {
    $copies = [System.Collections.Generic.List[object]]::new()
    foreach ($value in $Values) {
        if ($null -eq $value) { $copies.Add($null); continue }
        $copies.Add([System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($value, 1)))
    }
    , $copies.ToArray()
}

# The block as text the target runspace compiles: every $using: expression replaced by a parameter
# ($__ccUsing<n>, added to the block's param block or a new one) whose value is read in the caller's scope
# ($PSCmdlet.SessionState sees the caller) and passed by name.
function ConvertTo-LabRemoteBlock([System.Management.Automation.PSCmdlet] $Cmdlet, [scriptblock] $ScriptBlock) {
    $ast = $ScriptBlock.Ast
    $text = $ast.Extent.Text
    $base = $ast.Extent.StartOffset
    $inner = 0
    if ($null -ne $ast.Parent -and $text.StartsWith('{') -and $text.EndsWith('}')) { $inner = 1 }
    $usings = if ($text.IndexOf('using:', [System.StringComparison]::OrdinalIgnoreCase) -ge 0) { [ClusterChaos.Lab.LabAst]::Usings($ast) } else { @() }
    $values = @{}
    $names = [ordered]@{}
    $edits = [System.Collections.Generic.List[object]]::new()
    foreach ($using in $usings) {
        $source = $using.Extent.Text
        if (-not $names.Contains($source)) {
            $name = '__ccUsing' + $names.Count
            $names[$source] = $name
            $variable = [System.Management.Automation.Language.UsingExpressionAst]::ExtractUsingVariable($using)
            $path = $variable.VariablePath.UserPath
            if ($path -like 'using:*') { $path = $path.Substring(6) }
            if ($path -like 'env:*') { $value = [System.Environment]::GetEnvironmentVariable($path.Substring(4)) }
            else { $value = $Cmdlet.SessionState.PSVariable.GetValue($path) }
            $rest = $using.SubExpression.Extent.Text.Substring($variable.Extent.Text.Length)
            if ($rest) { $value = & ([scriptblock]::Create("param(`$__v) `$__v$rest")) $value }
            $values[$name] = (Copy-LabRemoteValues @(, $value))[0]
        }
        $edits.Add([pscustomobject]@{ Start = $using.Extent.StartOffset - $base; Length = $using.Extent.EndOffset - $using.Extent.StartOffset; Text = '$' + $names[$source] })
    }
    if ($names.Count -gt 0) {
        $declared = ($names.Values | ForEach-Object { '$' + $_ }) -join ', '
        if ($null -ne $ast.ParamBlock) {
            $close = $ast.ParamBlock.Extent.EndOffset - 1 - $base
            $separator = if ($ast.ParamBlock.Parameters.Count -gt 0) { ', ' } else { '' }
            $edits.Add([pscustomobject]@{ Start = $close; Length = 0; Text = $separator + $declared })
        }
        else {
            $edits.Add([pscustomobject]@{ Start = $inner; Length = 0; Text = "param($declared)`n" })
        }
    }
    foreach ($edit in ($edits | Sort-Object Start -Descending)) {
        $text = $text.Remove($edit.Start, $edit.Length).Insert($edit.Start, $edit.Text)
    }
    if ($inner) { $text = $text.Substring(1, $text.Length - 2) }
    [pscustomobject]@{ Text = $text; Using = $values }
}

# Runs the block in the runspace and plays back what came out, in order, as a remote session would.
function Invoke-LabRemoteBlock {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [System.Management.Automation.Runspaces.Runspace] $Runspace,
        [string] $ComputerName,
        $Block,
        [object[]] $Arguments,
        [System.Collections.Generic.List[object]] $InputObjects,
        [switch] $Persistent,
        [switch] $HideComputerName,
        # The remote session's language mode: a node's as the lab says; the management host's is FullLanguage.
        [System.Management.Automation.PSLanguageMode] $LanguageMode = 'FullLanguage'
    )
    $call = if ($Persistent) { '.' } else { '&' }
    # A terminating error ends the block and comes out as its ErrorRecord, after what the block wrote before it.
    $wrapper = "param(`$__ccArgs, `$__ccUsing, `$__ccInput, `$__ccHasInput)`n" +
        "try {`nif (`$__ccHasInput) { `$__ccInput | $call {$($Block.Text)`n} @__ccArgs @__ccUsing *>&1 }`n" +
        "else { $call {$($Block.Text)`n} @__ccArgs @__ccUsing *>&1 }`n} catch { `$_ }"
    # The stand-ins were loaded in FullLanguage and stay so; the block runs in the session's mode.
    $Runspace.SessionStateProxy.LanguageMode = $LanguageMode
    $ps = [powershell]::Create()
    $ps.Runspace = $Runspace
    $null = $ps.AddScript($wrapper, -not $Persistent)
    $null = $ps.AddParameter('__ccArgs', (Copy-LabRemoteValues $Arguments))
    $null = $ps.AddParameter('__ccUsing', $Block.Using)
    $null = $ps.AddParameter('__ccInput', (Copy-LabRemoteValues $InputObjects.ToArray()))
    $null = $ps.AddParameter('__ccHasInput', $InputObjects.Count -gt 0)
    $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $failure = $null
    try { $ps.Invoke($null, $output) }
    catch { $failure = $_.Exception }
    finally { $ps.Dispose() }
    foreach ($item in $output) {
        $value = $item
        if ($value -is [System.Management.Automation.WarningRecord]) { $Cmdlet.WriteWarning($value.Message) }
        elseif ($value -is [System.Management.Automation.ErrorRecord]) { $Cmdlet.WriteError((ConvertTo-LabRemoteError $value $ComputerName $Runspace.InstanceId)) }
        elseif ($value -is [System.Management.Automation.VerboseRecord]) { $Cmdlet.WriteVerbose($value.Message) }
        elseif ($value -is [System.Management.Automation.DebugRecord]) { $Cmdlet.WriteDebug($value.Message) }
        elseif ($value -is [System.Management.Automation.InformationRecord]) { $Cmdlet.WriteInformation($value) }
        else {
            # Output of this function is Invoke-Command's output (WriteObject would drop the note properties of a
            # wrapped string); $null is not sent back.
            if ($null -ne $item) { [ClusterChaos.Lab.LabRemote]::Copy($item, $ComputerName, $Runspace.InstanceId, -not $HideComputerName) }
        }
    }
    if ($null -ne $failure) {
        # A terminating error in the remote block ends that block only: locally a non-terminating error.
        $inner = $failure
        if ($inner -is [System.Management.Automation.MethodInvocationException] -and $null -ne $inner.InnerException) { $inner = $inner.InnerException }
        while ($null -ne $inner.InnerException -and -not ($inner -is [System.Management.Automation.IContainsErrorRecord])) { $inner = $inner.InnerException }
        $record = if ($inner -is [System.Management.Automation.IContainsErrorRecord]) { $inner.ErrorRecord }
            else { [System.Management.Automation.ErrorRecord]::new($inner, 'RemoteFailure', 'NotSpecified', $null) }
        $Cmdlet.WriteError((ConvertTo-LabRemoteError $record $ComputerName $Runspace.InstanceId))
    }
}

# A remote error as the local session shows it: a RemotingErrorRecord with the remote message,
# FullyQualifiedErrorId, category and target, and its OriginInfo (PSComputerName, RunspaceID).
function ConvertTo-LabRemoteError([System.Management.Automation.ErrorRecord] $Record, [string] $ComputerName, [guid] $RunspaceId) {
    $message = if ($null -ne $Record.ErrorDetails -and $Record.ErrorDetails.Message) { $Record.ErrorDetails.Message } else { $Record.Exception.Message }
    $exception = [System.Management.Automation.RemoteException]::new($message)
    $local = [ClusterChaos.Lab.LabErrors]::Create($exception, $Record.FullyQualifiedErrorId, [string]$Record.CategoryInfo.Category, $Record.TargetObject)
    [System.Management.Automation.Runspaces.RemotingErrorRecord]::new($local, [System.Management.Automation.Remoting.OriginInfo]::new($ComputerName, $RunspaceId))
}

# reference/7.4/Microsoft.PowerShell.Core/Invoke-Command.md
function Invoke-Command {
    [CmdletBinding(DefaultParameterSetName = 'InProcess')]
    param(
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [switch] $AllowRedirection,
        [Parameter(ParameterSetName = 'ComputerName', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathComputerName', ValueFromPipelineByPropertyName = $true)]
        [System.String] $ApplicationName,
        [Parameter()]
        [Alias('Args')]
        [System.Object[]] $ArgumentList,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Session')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'FilePathRunspace')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [Parameter(ParameterSetName = 'VMId')]
        [Parameter(ParameterSetName = 'VMName')]
        [Parameter(ParameterSetName = 'ContainerId')]
        [Parameter(ParameterSetName = 'FilePathVMId')]
        [Parameter(ParameterSetName = 'FilePathVMName')]
        [Parameter(ParameterSetName = 'FilePathContainerId')]
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'SSHHostHashParam')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHostHash')]
        [switch] $AsJob,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [System.Management.Automation.Runspaces.AuthenticationMechanism] $Authentication,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Uri')]
        [System.String] $CertificateThumbprint,
        [Parameter(ParameterSetName = 'ComputerName', Position = 0)]
        [Parameter(ParameterSetName = 'FilePathComputerName', Position = 0)]
        [ValidateNotNullOrEmpty()]
        [Alias('Cn')]
        [System.String[]] $ComputerName,
        [Parameter(ParameterSetName = 'ComputerName', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'Uri', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathComputerName', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathUri', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'ContainerId', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'VMId', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'VMName', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathContainerId', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathVMId', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathVMName', ValueFromPipelineByPropertyName = $true)]
        [System.String] $ConfigurationName,
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [System.Int32] $ConnectingTimeout,
        [Parameter(ParameterSetName = 'Uri', Position = 0)]
        [Parameter(ParameterSetName = 'FilePathUri', Position = 0)]
        [ValidateNotNullOrEmpty()]
        [Alias('URI', 'CU')]
        [System.Uri[]] $ConnectionUri,
        [Parameter(ParameterSetName = 'ContainerId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathContainerId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $ContainerId,
        [Parameter(ParameterSetName = 'ComputerName', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'Uri', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathComputerName', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathUri', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'VMId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathVMId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathVMName', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [System.Management.Automation.PSCredential] $Credential,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [switch] $EnableNetworkAccess,
        [Parameter(ParameterSetName = 'FilePathComputerName', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'FilePathRunspace', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'FilePathUri', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'FilePathVMId', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'FilePathVMName', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'FilePathContainerId', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'FilePathSSHHost', Mandatory = $true)]
        [Parameter(ParameterSetName = 'FilePathSSHHostHash', Mandatory = $true)]
        [ValidateNotNull()]
        [Alias('PSPath')]
        [System.String] $FilePath,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Session')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'FilePathRunspace')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [Parameter(ParameterSetName = 'VMId')]
        [Parameter(ParameterSetName = 'VMName')]
        [Parameter(ParameterSetName = 'ContainerId')]
        [Parameter(ParameterSetName = 'FilePathVMId')]
        [Parameter(ParameterSetName = 'FilePathVMName')]
        [Parameter(ParameterSetName = 'FilePathContainerId')]
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'SSHHostHashParam')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHostHash')]
        [Alias('HCN')]
        [switch] $HideComputerName,
        [Parameter(ParameterSetName = 'SSHHost', Mandatory = $true)]
        [Parameter(ParameterSetName = 'FilePathSSHHost', Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $HostName,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [Alias('Disconnected')]
        [switch] $InDisconnectedSession,
        [Parameter(ValueFromPipeline = $true)]
        [System.Management.Automation.PSObject] $InputObject,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Session')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'FilePathRunspace')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [Parameter(ParameterSetName = 'ContainerId')]
        [Parameter(ParameterSetName = 'FilePathContainerId')]
        [Parameter(ParameterSetName = 'SSHHostHashParam')]
        [Parameter(ParameterSetName = 'SSHHost')]
        [System.String] $JobName,
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [ValidateNotNullOrEmpty()]
        [Alias('IdentityFilePath')]
        [System.String] $KeyFilePath,
        [Parameter(ParameterSetName = 'InProcess')]
        [switch] $NoNewScope,
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Hashtable] $Options,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'SSHHost')]
        [ValidateRange(1, 65535)]
        [System.Int32] $Port,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Session')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'FilePathRunspace')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [Parameter(ParameterSetName = 'VMId')]
        [Parameter(ParameterSetName = 'VMName')]
        [Parameter(ParameterSetName = 'ContainerId')]
        [Parameter(ParameterSetName = 'FilePathVMId')]
        [Parameter(ParameterSetName = 'FilePathVMName')]
        [Parameter(ParameterSetName = 'FilePathContainerId')]
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'SSHHostHashParam')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHostHash')]
        [switch] $RemoteDebug,
        [Parameter(ParameterSetName = 'ContainerId')]
        [Parameter(ParameterSetName = 'FilePathContainerId')]
        [switch] $RunAsAdministrator,
        [Parameter(ParameterSetName = 'ComputerName', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'Session', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'Uri', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'InProcess', Mandatory = $true, Position = 0)]
        [Parameter(ParameterSetName = 'VMId', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'ContainerId', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'SSHHost', Mandatory = $true, Position = 1)]
        [Parameter(ParameterSetName = 'SSHHostHashParam', Mandatory = $true, Position = 1)]
        [ValidateNotNull()]
        [Alias('Command')]
        [System.Management.Automation.ScriptBlock] $ScriptBlock,
        [Parameter(ParameterSetName = 'Session', Position = 0)]
        [Parameter(ParameterSetName = 'FilePathRunspace', Position = 0)]
        [ValidateNotNullOrEmpty()]
        [ClusterChaos.Lab.PSSession[]] $Session,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $SessionName,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [System.Management.Automation.Remoting.PSSessionOption] $SessionOption,
        [Parameter(ParameterSetName = 'SSHHostHashParam', Mandatory = $true)]
        [Parameter(ParameterSetName = 'FilePathSSHHostHash', Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Hashtable[]] $SSHConnection,
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [ValidateSet('true')]
        [switch] $SSHTransport,
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [System.String] $Subsystem,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Session')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [Parameter(ParameterSetName = 'FilePathRunspace')]
        [Parameter(ParameterSetName = 'FilePathUri')]
        [Parameter(ParameterSetName = 'VMId')]
        [Parameter(ParameterSetName = 'VMName')]
        [Parameter(ParameterSetName = 'ContainerId')]
        [Parameter(ParameterSetName = 'FilePathVMId')]
        [Parameter(ParameterSetName = 'FilePathVMName')]
        [Parameter(ParameterSetName = 'FilePathContainerId')]
        [System.Int32] $ThrottleLimit,
        [Parameter(ParameterSetName = 'SSHHost')]
        [Parameter(ParameterSetName = 'FilePathSSHHost')]
        [ValidateNotNullOrEmpty()]
        [System.String] $UserName,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'FilePathComputerName')]
        [switch] $UseSSL,
        [Parameter(ParameterSetName = 'VMId', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathVMId', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Alias('VMGuid')]
        [System.Guid[]] $VMId,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'FilePathVMName', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $VMName
    )
    begin {
        $pipelineInput = [System.Collections.Generic.List[object]]::new()
    }
    process {
        if ($PSBoundParameters.ContainsKey('InputObject')) { $pipelineInput.Add($InputObject) }
    }
    end {
        $set = $PSCmdlet.ParameterSetName
        if ($set -eq 'InProcess') {
            # No -ComputerName/-Session: the real cmdlet runs the block here.
            $parameters = [ordered]@{} + $PSBoundParameters
            $parameters.Remove('InputObject')
            if ($pipelineInput.Count -gt 0) { $pipelineInput | Microsoft.PowerShell.Core\Invoke-Command @parameters }
            else { Microsoft.PowerShell.Core\Invoke-Command @parameters }
            return
        }
        if ($set -ne 'ComputerName' -and $set -ne 'Session') { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What "(parameter set $set)" }
        Assert-ClusterChaosLabSupported -Cmdlet $PSCmdlet -Parameter 'AsJob', 'InDisconnectedSession', 'RemoteDebug'
        $block = ConvertTo-LabRemoteBlock -Cmdlet $PSCmdlet -ScriptBlock $ScriptBlock
        $reach = Get-LabReachability -Cmdlet $PSCmdlet
        # Not `$arguments = if (…) { $ArgumentList }`: the statement's output would unroll the list, so a lone
        # array argument (-ArgumentList @(, $ids)) would become several arguments.
        $arguments = @()
        if ($PSBoundParameters.ContainsKey('ArgumentList')) { $arguments = $ArgumentList }
        if ($set -eq 'ComputerName') {
            $names = if ($PSBoundParameters.ContainsKey('ComputerName')) { $ComputerName } else { @('localhost') }
            foreach ($name in $names) {
                if (Test-LabLocalName $name) { $node = $null }
                elseif ($null -ne $reach.Nodes -and $reach.Nodes -notcontains $name) { $PSCmdlet.WriteError((New-LabConnectionError $name -NotFound)); continue }
                elseif ($reach.Unreachable -contains $name) { $PSCmdlet.WriteError((New-LabConnectionError $name)); continue }
                else { $node = $name }
                $runspace = Get-LabNodeRunspace -Node $node
                $mode = if ($null -eq $node) { 'FullLanguage' } else { $reach.LanguageMode }
                Invoke-LabRemoteBlock -Cmdlet $PSCmdlet -Runspace $runspace -ComputerName $name -Block $block -Arguments $arguments `
                    -InputObjects $pipelineInput -HideComputerName:$HideComputerName -LanguageMode $mode
            }
            return
        }
        foreach ($s in $Session) {
            if ($s.State -ne 'Opened') {
                $PSCmdlet.WriteError([ClusterChaos.Lab.LabErrors]::Create([System.InvalidOperationException]::new(
                    "Because the session state for session $($s.Name), $($s.InstanceId), $($s.ComputerName) is not equal to Open, you cannot run a command in the session.  The session state is $($s.State)."),
                    'InvalidSessionState,Microsoft.PowerShell.Commands.InvokeCommandCommand', 'InvalidOperation', $s))
                continue
            }
            if ($s.LabNode -and $reach.Unreachable -contains $s.LabNode) {
                # The node went away under an open session: the session breaks.
                $s.State = 'Broken'; $s.Availability = 'None'
                $PSCmdlet.WriteError((New-LabConnectionError $s.ComputerName))
                continue
            }
            $mode = if ($s.LabNode) { $reach.LanguageMode } else { 'FullLanguage' }
            Invoke-LabRemoteBlock -Cmdlet $PSCmdlet -Runspace $s.Runspace -ComputerName $s.ComputerName -Block $block -Arguments $arguments `
                -InputObjects $pipelineInput -Persistent -HideComputerName:$HideComputerName -LanguageMode $mode
        }
    }
}

# reference/7.4/Microsoft.PowerShell.Core/New-PSSession.md
function New-PSSession {
    [CmdletBinding(DefaultParameterSetName = 'ComputerName')]
    param(
        [Parameter(ParameterSetName = 'Uri')]
        [switch] $AllowRedirection,
        [Parameter(ParameterSetName = 'ComputerName', ValueFromPipelineByPropertyName = $true)]
        [System.String] $ApplicationName,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Uri')]
        [System.Management.Automation.Runspaces.AuthenticationMechanism] $Authentication,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Uri')]
        [System.String] $CertificateThumbprint,
        [Parameter(ParameterSetName = 'ComputerName', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Alias('Cn')]
        [System.String[]] $ComputerName,
        [Parameter(ParameterSetName = 'ComputerName', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'Uri', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'ContainerId', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'VMId', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'VMName', ValueFromPipelineByPropertyName = $true)]
        [System.String] $ConfigurationName,
        [Parameter(ParameterSetName = 'SSHHost')]
        [System.Int32] $ConnectingTimeout,
        [Parameter(ParameterSetName = 'Uri', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Alias('URI', 'CU')]
        [System.Uri[]] $ConnectionUri,
        [Parameter(ParameterSetName = 'ContainerId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $ContainerId,
        [Parameter(ParameterSetName = 'ComputerName', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'Uri', ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'VMId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [System.Management.Automation.PSCredential] $Credential,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Session')]
        [Parameter(ParameterSetName = 'Uri')]
        [switch] $EnableNetworkAccess,
        [Parameter(ParameterSetName = 'SSHHost', Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $HostName,
        [Parameter(ParameterSetName = 'SSHHost')]
        [ValidateNotNullOrEmpty()]
        [Alias('IdentityFilePath')]
        [System.String] $KeyFilePath,
        [Parameter()]
        [System.String[]] $Name,
        [Parameter(ParameterSetName = 'SSHHost')]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Hashtable] $Options,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'SSHHost')]
        [ValidateRange(1, 65535)]
        [System.Int32] $Port,
        [Parameter(ParameterSetName = 'ContainerId')]
        [switch] $RunAsAdministrator,
        [Parameter(ParameterSetName = 'Session', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [ClusterChaos.Lab.PSSession[]] $Session,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Uri')]
        [ValidateNotNull()]
        [System.Management.Automation.Remoting.PSSessionOption] $SessionOption,
        [Parameter(ParameterSetName = 'SSHHostHashParam', Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [System.Collections.Hashtable[]] $SSHConnection,
        [Parameter(ParameterSetName = 'SSHHost')]
        [ValidateSet('true')]
        [switch] $SSHTransport,
        [Parameter(ParameterSetName = 'SSHHost', ValueFromPipelineByPropertyName = $true)]
        [System.String] $Subsystem,
        [Parameter(ParameterSetName = 'ComputerName')]
        [Parameter(ParameterSetName = 'Session')]
        [Parameter(ParameterSetName = 'Uri')]
        [Parameter(ParameterSetName = 'ContainerId')]
        [Parameter(ParameterSetName = 'VMId')]
        [Parameter(ParameterSetName = 'VMName')]
        [System.Int32] $ThrottleLimit,
        [Parameter(ParameterSetName = 'SSHHost')]
        [ValidateNotNullOrEmpty()]
        [System.String] $UserName,
        [Parameter(ParameterSetName = 'ComputerName')]
        [switch] $UseSSL,
        [Parameter(ParameterSetName = 'UseWindowsPowerShellParameterSet', Mandatory = $true)]
        [switch] $UseWindowsPowerShell,
        [Parameter(ParameterSetName = 'VMId', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Alias('VMGuid')]
        [System.Guid[]] $VMId,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $VMName
    )
    process {
        $set = $PSCmdlet.ParameterSetName
        if ($set -eq 'UseWindowsPowerShellParameterSet') {
            # The Windows PowerShell compatibility session: FailoverClusters objects are live inside it.
            New-LabSession -Node $null -ComputerName 'localhost' -Name $Name -Compat
            return
        }
        if ($set -ne 'ComputerName') { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What "(parameter set $set)" }
        $reach = Get-LabReachability -Cmdlet $PSCmdlet
        $opened = [System.Collections.Generic.List[string]]::new()
        $names = if ($PSBoundParameters.ContainsKey('ComputerName')) { $ComputerName } else { @('localhost') }
        $index = 0
        foreach ($computer in $names) {
            $sessionName = if ($Name -and $index -lt $Name.Count) { $Name[$index] } else { $null }
            $index++
            if (Test-LabLocalName $computer) { New-LabSession -Node $null -ComputerName $computer -Name $sessionName; continue }
            if ($null -ne $reach.Nodes -and $reach.Nodes -notcontains $computer) { $PSCmdlet.WriteError((New-LabConnectionError $computer -NotFound -Open)); continue }
            if ($reach.Unreachable -contains $computer) { $PSCmdlet.WriteError((New-LabConnectionError $computer -Open)); continue }
            New-LabSession -Node $computer -ComputerName $computer -Name $sessionName
            $opened.Add($computer)
        }
        if ($opened.Count -gt 0) {
            # The lab counts the sessions opened per node.
            $null = Invoke-ClusterChaosLabCall -Cmdlet $PSCmdlet -Command 'New-PSSession' -Parameters @{ ComputerName = $opened.ToArray() } -Raw
        }
    }
}

function New-LabSession([string] $Node, [string] $ComputerName, [string] $Name, [switch] $Compat) {
    $session = [ClusterChaos.Lab.PSSession]::new()
    [System.Threading.Monitor]::Enter([ClusterChaos.Lab.LabState]::Gate)
    try { $session.Id = [ClusterChaos.Lab.LabState]::NextSessionId; [ClusterChaos.Lab.LabState]::NextSessionId++ }
    finally { [System.Threading.Monitor]::Exit([ClusterChaos.Lab.LabState]::Gate) }
    $session.Name = if ($Name) { $Name } else { "Runspace$($session.Id)" }
    $session.ComputerName = $ComputerName
    $session.ComputerType = 'RemoteMachine'
    $session.State = 'Opened'
    $session.Availability = 'Available'
    $session.ConfigurationName = 'Microsoft.PowerShell'
    $session.Transport = if ($Compat) { 'Process' } else { 'WSMan' }
    $session.InstanceId = [guid]::NewGuid()
    $session.LabNode = $Node
    $session.LabCompat = [bool]$Compat
    $session.Runspace = New-LabRunspace -Node $Node -Compat:$Compat
    [ClusterChaos.Lab.LabState]::Sessions.Add($session)
    $session
}

# reference/7.4/Microsoft.PowerShell.Core/Remove-PSSession.md
function Remove-PSSession {
    [CmdletBinding(DefaultParameterSetName = 'Id', SupportsShouldProcess = $true)]
    param(
        [Parameter(ParameterSetName = 'ComputerName', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Alias('Cn')]
        [System.String[]] $ComputerName,
        [Parameter(ParameterSetName = 'ContainerId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $ContainerId,
        [Parameter(ParameterSetName = 'Id', Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNull()]
        [System.Int32[]] $Id,
        [Parameter(ParameterSetName = 'InstanceId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNull()]
        [System.Guid[]] $InstanceId,
        [Parameter(ParameterSetName = 'Name', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $Name,
        [Parameter(ParameterSetName = 'Session', Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [ClusterChaos.Lab.PSSession[]] $Session,
        [Parameter(ParameterSetName = 'VMId', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [Alias('VMGuid')]
        [System.Guid[]] $VMId,
        [Parameter(ParameterSetName = 'VMName', Mandatory = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [System.String[]] $VMName
    )
    process {
        $set = $PSCmdlet.ParameterSetName
        if ('Session', 'Id', 'Name', 'InstanceId', 'ComputerName' -notcontains $set) { Stop-ClusterChaosLabUnsupported -Cmdlet $PSCmdlet -What "(parameter set $set)" }
        $all = @([ClusterChaos.Lab.LabState]::Sessions)
        $chosen = switch ($set) {
            'Session' { $Session }
            'Id' { $all | Where-Object { $Id -contains $_.Id } }
            'Name' { $all | Where-Object { $n = $_.Name; @($Name | Where-Object { $n -like $_ }).Count -gt 0 } }
            'InstanceId' { $all | Where-Object { $InstanceId -contains $_.InstanceId } }
            'ComputerName' { $all | Where-Object { $ComputerName -contains $_.ComputerName } }
        }
        foreach ($s in @($chosen)) {
            if ($null -eq $s) { continue }
            if (-not $PSCmdlet.ShouldProcess($s.ToString(), 'Remove-PSSession')) { continue }
            if ($null -ne $s.Runspace) { $s.Runspace.Dispose() }
            $s.State = 'Closed'
            $s.Availability = 'None'
            [void][ClusterChaos.Lab.LabState]::Sessions.Remove($s)
        }
    }
}

Export-ModuleMember -Function Invoke-Command, New-PSSession, Remove-PSSession
