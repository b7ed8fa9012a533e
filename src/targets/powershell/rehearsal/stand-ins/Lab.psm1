# The rehearsal lab's client side: the object types (types.cs, compiled once and cached), the process's
# context (which node, the compat session), and one function every stand-in calls to ask the lab
# (README.md "One request per stand-in call").

Set-StrictMode -Version 3.0

# ---- types.cs: compiled once per source hash into the cache, then loaded (compiling ~1.3 s, loading ~0.25 s)

function Import-ClusterChaosLabTypes {
    if ('ClusterChaos.Lab.LabObjects' -as [type]) { return }   # another runspace of this process loaded it
    $source = Join-Path $PSScriptRoot 'types.cs'
    $bytes = [System.IO.File]::ReadAllBytes($source)
    $hash = [System.Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($bytes)).Substring(0, 16)
    $cache = $env:CLUSTERCHAOS_LAB_CACHE
    if (-not $cache) { $cache = Join-Path ([System.IO.Path]::GetTempPath()) 'clusterchaos-lab' }
    [void][System.IO.Directory]::CreateDirectory($cache)
    $dll = Join-Path $cache "ClusterChaosLab-$hash.dll"
    if (-not [System.IO.File]::Exists($dll)) {
        # Several processes may start at once: each compiles to its own name, the first rename wins.
        $temporary = Join-Path $cache ("ClusterChaosLab-$hash-" + [System.Guid]::NewGuid().ToString('N') + '.dll')
        $references = 'System.Management.Automation', 'System.ServiceProcess.ServiceController', 'System.Text.Json',
            'System.Net.Http', 'System.Net.Primitives', 'System.Collections', 'System.Runtime', 'System.Runtime.Numerics',
            'System.Text.Encoding.Extensions', 'System.Memory', 'System.Xml.ReaderWriter',
            'netstandard', 'System.Linq'
        Add-Type -Path $source -ReferencedAssemblies $references -OutputAssembly $temporary -OutputType Library -ErrorAction Stop
        try { [System.IO.File]::Move($temporary, $dll) }
        catch { Remove-Item -LiteralPath $temporary -Force -ErrorAction SilentlyContinue }
        if (-not [System.IO.File]::Exists($dll)) { throw "clusterchaos lab: could not write the compiled types to $dll" }
    }
    Add-Type -Path $dll -ErrorAction Stop
}

Import-ClusterChaosLabTypes

# ---- the context: where this runspace's stand-ins run

$script:Node = $null      # null: the management host; 'N2': inside a (stand-in) remote session on N2
$script:Compat = $false   # true: inside New-PSSession -UseWindowsPowerShell on the management host

function Set-ClusterChaosLabContext {
    <#
    .SYNOPSIS
    Sets where this runspace's stand-ins run: -Node N2 on a node (scheduled-task processes the lab spawns,
    the stand-in remote sessions), no -Node for the management host; -Compat for the compat session.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)] [AllowNull()] [AllowEmptyString()] [string] $Node,
        [switch] $Compat
    )
    $script:Node = if ($Node) { $Node } else { $null }
    $script:Compat = [bool]$Compat
}

function Get-ClusterChaosLabContext {
    [CmdletBinding()]
    [OutputType([ClusterChaos.Lab.LabContext])]
    param()
    $url = $env:CLUSTERCHAOS_LAB_URL
    if (-not $url) {
        throw 'clusterchaos lab: CLUSTERCHAOS_LAB_URL is not set; the stand-ins run only inside the rehearsal lab (see src/targets/powershell/rehearsal/README.md).'
    }
    [ClusterChaos.Lab.LabContext]::new($url, $env:CLUSTERCHAOS_LAB_PROCESS, $script:Node, $script:Compat)
}

# ---- one round trip

function Invoke-ClusterChaosLabCall {
    <#
    .SYNOPSIS
    Sends one stand-in call to the lab and plays its answer back through the stand-in's $PSCmdlet:
    warnings, non-terminating errors, a terminating error, and the output as typed objects.
    -Raw returns the answer's output as parsed JSON (lab-only commands).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [string] $Command,
        [System.Collections.IDictionary] $Parameters,
        [string] $ParameterSet,
        [switch] $Raw,
        # Receives how many non-terminating errors the answer carried.
        [ref] $ErrorCount
    )
    $context = Get-ClusterChaosLabContext
    $body = [ordered]@{
        process      = $context.Process
        node         = $context.Node
        compat       = $context.Compat
        command      = $Command
        parameterSet = $(if ($PSBoundParameters.ContainsKey('ParameterSet')) { $ParameterSet } else { $Cmdlet.ParameterSetName })
        parameters   = $(if ($null -eq $Parameters) { @{} } else { [ClusterChaos.Lab.LabRequest]::Parameters($Parameters) })
    }
    $json = ConvertTo-Json -InputObject $body -Depth 10 -Compress
    try {
        $text = [ClusterChaos.Lab.LabHttp]::Post($context.Url.TrimEnd('/') + '/call', $json)
    }
    catch {
        $message = "clusterchaos lab: $Command could not reach the lab at $($context.Url): $($_.Exception.GetBaseException().Message)"
        $Cmdlet.ThrowTerminatingError([ClusterChaos.Lab.LabErrors]::Create($message, 'ClusterChaosLabUnreachable', 'ConnectionError', $Command))
    }
    $answer = ConvertFrom-Json -InputObject $text -Depth 10 -DateKind String
    foreach ($warning in @(Get-AnswerField $answer 'warnings')) { if ($null -ne $warning) { $Cmdlet.WriteWarning([string]$warning) } }
    $errors = @(foreach ($e in @(Get-AnswerField $answer 'errors')) { if ($null -ne $e) { $e } })
    foreach ($e in $errors) { $Cmdlet.WriteError((ConvertTo-LabErrorRecord $e)) }
    if ($PSBoundParameters.ContainsKey('ErrorCount')) { $ErrorCount.Value = $errors.Count }
    $terminating = Get-AnswerField $answer 'terminating'
    if ($null -ne $terminating) { $Cmdlet.ThrowTerminatingError((ConvertTo-LabErrorRecord $terminating)) }
    $output = @(foreach ($o in @(Get-AnswerField $answer 'output')) { if ($null -ne $o) { $o } })
    if ($Raw) { return $output }
    foreach ($item in $output) {
        if ($null -eq $item) { continue }
        if ($item -is [System.Management.Automation.PSCustomObject]) { [ClusterChaos.Lab.LabObjects]::Create($item, $context) }
        else { $item }
    }
}

function Get-AnswerField($answer, [string]$name) {
    $property = $answer.PSObject.Properties[$name]
    if ($null -ne $property) { $property.Value }
}

function ConvertTo-LabErrorRecord($e) {
    $message = [string](Get-AnswerField $e 'message')
    $id = [string](Get-AnswerField $e 'id')
    $category = [string](Get-AnswerField $e 'category')
    $target = Get-AnswerField $e 'target'
    [ClusterChaos.Lab.LabErrors]::Create($message, $id, $category, $target)
}

function Invoke-ClusterChaosLabQuery {
    <#
    .SYNOPSIS
    A lab-only command (Lab-Now, Lab-Sleep, Lab-Context): its answer's first output object, as parsed JSON.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [string] $Command,
        [System.Collections.IDictionary] $Parameters = @{}
    )
    $output = @(Invoke-ClusterChaosLabCall -Cmdlet $Cmdlet -Command $Command -Parameters $Parameters -ParameterSet '' -Raw)
    if ($output.Count -gt 0) { $output[0] }
}

function Stop-ClusterChaosLabUnsupported {
    <#
    .SYNOPSIS
    A parameter value the lab cannot honour (Get-WinEvent -Path, Invoke-Command -VMName, ...): a terminating
    error that says so, never a silent approximation.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [string] $What
    )
    $command = $Cmdlet.MyInvocation.MyCommand.Name
    $message = "$command $What is not supported by the rehearsal lab (src/targets/powershell/rehearsal/COMMANDS.md)."
    $Cmdlet.ThrowTerminatingError([ClusterChaos.Lab.LabErrors]::Create($message, "NotSupportedByRehearsalLab,$command", 'NotImplemented', $null))
}

function Assert-ClusterChaosLabSupported {
    <#
    .SYNOPSIS
    Refuses (Stop-ClusterChaosLabUnsupported) when any of these parameters was given.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [string[]] $Parameter
    )
    foreach ($name in $Parameter) {
        if ($Cmdlet.MyInvocation.BoundParameters.ContainsKey($name)) { Stop-ClusterChaosLabUnsupported -Cmdlet $Cmdlet -What "-$name" }
    }
}

function Get-ClusterChaosLabNow {
    <#
    .SYNOPSIS
    The lab's clock where this runspace runs (the node's, with its skew, or the management host's), as a
    local DateTime like [DateTime]::Now.
    #>
    [CmdletBinding()]
    [OutputType([datetime])]
    param([Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet)
    $now = Invoke-ClusterChaosLabQuery -Cmdlet $Cmdlet -Command 'Lab-Now'
    [datetime]::Parse([string](Get-AnswerField $now 'utc'), [cultureinfo]::InvariantCulture,
        [System.Globalization.DateTimeStyles]::RoundtripKind).ToLocalTime()
}

function Invoke-ClusterChaosLabSleep {
    <#
    .SYNOPSIS
    Waits this much lab (virtual) time: returns when the lab's clock has advanced by it.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [long] $Milliseconds
    )
    $null = Invoke-ClusterChaosLabQuery -Cmdlet $Cmdlet -Command 'Lab-Sleep' -Parameters @{ Milliseconds = $Milliseconds }
}

function Get-ClusterChaosLabEdition {
    <#
    .SYNOPSIS
    'core' or 'desktop' (Lab-Context), asked once per process.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet)
    if ($null -eq [ClusterChaos.Lab.LabState]::Edition) {
        $lab = Invoke-ClusterChaosLabQuery -Cmdlet $Cmdlet -Command 'Lab-Context'
        [ClusterChaos.Lab.LabState]::Edition = [string](Get-AnswerField $lab 'edition')
    }
    [ClusterChaos.Lab.LabState]::Edition
}

function ConvertTo-ClusterChaosLabDeserialized {
    <#
    .SYNOPSIS
    What a remoting boundary makes of an object: PSSerializer at depth 1 (fragmentor.cs
    SerializationDepthForRemoting), so an object one level down arrives as its ToString.
    #>
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)] $InputObject,
        [string] $ComputerName,
        [guid] $RunspaceId,
        [bool] $ShowComputerName = $true
    )
    process {
        if ($null -eq $InputObject) { return }
        [ClusterChaos.Lab.LabRemote]::Copy($InputObject, $ComputerName, $RunspaceId, $ShowComputerName)
    }
}

$script:WinCompatRunspaceId = [guid]::NewGuid()

function Invoke-ClusterChaosLabFailoverClusters {
    <#
    .SYNOPSIS
    A FailoverClusters stand-in's call. On the management host outside a compat session, under the core edition
    (pwsh on Windows), the module would be loaded through WinCompat: the warning PowerShell 7 writes, once per
    process, and every object deserialized at depth 1 (review B1; COMMANDS.md).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [string] $Command,
        [System.Collections.IDictionary] $Parameters
    )
    $winCompat = ($null -eq $script:Node) -and (-not $script:Compat) -and ((Get-ClusterChaosLabEdition -Cmdlet $Cmdlet) -eq 'core')
    if ($winCompat -and -not [ClusterChaos.Lab.LabState]::WinCompatWarned) {
        [ClusterChaos.Lab.LabState]::WinCompatWarned = $true
        $Cmdlet.WriteWarning("Module FailoverClusters is loaded in Windows PowerShell using WinPSCompatSession remoting session; please note that all input and output of commands from this module will be deserialized objects. If you want to load this module into PowerShell please use 'Import-Module -SkipEditionCheck' syntax.")
    }
    $output = Invoke-ClusterChaosLabCall -Cmdlet $Cmdlet -Command $Command -Parameters $Parameters
    if (-not $winCompat) { return $output }
    foreach ($item in $output) { [ClusterChaos.Lab.LabRemote]::Copy($item, 'localhost', $script:WinCompatRunspaceId, $false) }
}

function Test-ClusterChaosLabOnNode {
    <#
    .SYNOPSIS
    True inside a node's context; on the management host the node-only stand-ins pass to the real cmdlet.
    #>
    [CmdletBinding()]
    param()
    $null -ne $script:Node
}

Export-ModuleMember -Function Set-ClusterChaosLabContext, Get-ClusterChaosLabContext, Invoke-ClusterChaosLabCall,
    Assert-ClusterChaosLabSupported, Get-ClusterChaosLabNow, Invoke-ClusterChaosLabSleep,
    Invoke-ClusterChaosLabQuery, Stop-ClusterChaosLabUnsupported, Get-ClusterChaosLabEdition,
    ConvertTo-ClusterChaosLabDeserialized, Invoke-ClusterChaosLabFailoverClusters, Test-ClusterChaosLabOnNode
