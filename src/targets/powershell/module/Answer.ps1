# The answer every public function prints, and the values that reach it: the frame around one line of
# ASCII JSON, failures inside the frame, values that arrive base64-encoded, [Flags] values bit by bit.

function ConvertTo-ClusterChaosJson {
    <#
    .SYNOPSIS
    One line of JSON in which every character outside ASCII is written \uNNNN, so the answer means the same
    whatever the console's code page (review R9).
    #>
    param([AllowNull()] $InputObject)
    $json = ConvertTo-Json -InputObject $InputObject -Depth 20 -Compress
    if ($json -notmatch '[^\x00-\x7F]') { return $json }
    # Outside ASCII is only ever inside a string, where \uNNNN means the same UTF-16 unit (a surrogate pair
    # becomes two escapes, which JSON reads back as the one character).
    $ascii = New-Object System.Text.StringBuilder ($json.Length + 16)
    foreach ($c in $json.ToCharArray()) {
        if ([int]$c -gt 0x7F) { [void]$ascii.Append(('\u{0:x4}' -f [int]$c)) } else { [void]$ascii.Append($c) }
    }
    $ascii.ToString()
}

function Write-ClusterChaosAnswer {
    <#
    .SYNOPSIS
    The three lines of an answer: the opening marker, the JSON, the closing marker. Whatever else a cmdlet
    prints (a warning, progress) lands outside them and the parser ignores it (review B3).
    #>
    param([AllowNull()] $InputObject)
    '@@clusterchaos-answer@@'
    ConvertTo-ClusterChaosJson -InputObject $InputObject
    '@@clusterchaos-end@@'
}

function New-ClusterChaosFailure {
    <#
    .SYNOPSIS
    A failure the function caught, as the object inside the frame: { error, notEffective?, ... }.
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Message,
        [switch] $NotEffective,
        [hashtable] $Extra
    )
    $failure = [ordered]@{ error = $Message }
    if ($NotEffective) { $failure.notEffective = $true }
    if ($Extra) { foreach ($key in $Extra.Keys) { $failure[$key] = $Extra[$key] } }
    $failure
}

function New-ClusterChaosException {
    <#
    .SYNOPSIS
    An exception Invoke-ClusterChaosOperation turns into a failure answer carrying more than the message:
    notEffective (the fault would not have taken effect) and extra fields (e.g. restoreErrors).
    #>
    param(
        [Parameter(Mandatory = $true)] [string] $Message,
        [switch] $NotEffective,
        [hashtable] $Extra
    )
    $exception = New-Object System.InvalidOperationException $Message
    $exception.Data['clusterchaos.notEffective'] = [bool]$NotEffective
    if ($Extra) { $exception.Data['clusterchaos.extra'] = $Extra }
    $exception
}

function Invoke-ClusterChaosOperation {
    <#
    .SYNOPSIS
    Runs a public function's body and prints its answer: the body's last output object, or { error } when
    it threw. Nothing reaches stderr; warnings, progress and information are silenced for everything the
    body calls (review B3).
    #>
    param([Parameter(Mandatory = $true)] [scriptblock] $Body)
    $ErrorActionPreference = 'Stop'
    $WarningPreference = 'SilentlyContinue'
    $ProgressPreference = 'SilentlyContinue'
    $InformationPreference = 'SilentlyContinue'
    $VerbosePreference = 'SilentlyContinue'
    $ConfirmPreference = 'None'
    $answer = $null
    try {
        # The answer is the body's last object: a stray object a cmdlet let through must not turn an
        # operation that happened into a failure.
        $output = @(& $Body)
        if ($output.Count -eq 0) { throw 'the module produced no answer (a bug in ClusterChaos)' }
        $answer = $output[$output.Count - 1]
    } catch {
        $exception = $_.Exception
        $message = [string]$exception.Message
        if (-not $message) { $message = [string]$_ }
        $extra = $null
        $notEffective = $false
        if ($exception.Data.Contains('clusterchaos.notEffective')) { $notEffective = [bool]$exception.Data['clusterchaos.notEffective'] }
        if ($exception.Data.Contains('clusterchaos.extra')) { $extra = $exception.Data['clusterchaos.extra'] }
        $answer = New-ClusterChaosFailure -Message $message -NotEffective:$notEffective -Extra $extra
    }
    Write-ClusterChaosAnswer -InputObject $answer
}

function ConvertFrom-ClusterChaosBase64 {
    <#
    .SYNOPSIS
    A value sent as base64 of its UTF-8 bytes, so the script that carries it is pure ASCII whatever the
    console's code page (review R9).
    .EXAMPLE
    Get-ClusterChaosVmSetting -Cluster 'HVCLUSTER01' -Vm (ConvertFrom-ClusterChaosBase64 'Qm9i4oCZcyBWTQ==')
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)] [AllowEmptyString()] [string] $Base64)
    process {
        $bytes = [Convert]::FromBase64String($Base64)
        # Strict: bytes that are not UTF-8 are an error, never a silently different name.
        $utf8 = New-Object System.Text.UTF8Encoding ($false, $true)
        $utf8.GetString($bytes)
    }
}

function ConvertTo-ClusterChaosUnsigned {
    <#
    .SYNOPSIS
    An enum's raw value as the unsigned number of its bits: a negative Int32 (Unknown = -2147483648) is
    2147483648. As [decimal], which holds every UInt64.
    #>
    param([Parameter(Mandatory = $true)] $Value, [string] $Underlying = 'Int64')
    $number = [decimal]::Parse([string]$Value, [Globalization.CultureInfo]::InvariantCulture)
    if ($number -ge 0) { return $number }
    $bits = 64
    switch ($Underlying) {
        'SByte' { $bits = 8 }
        'Int16' { $bits = 16 }
        'Int32' { $bits = 32 }
    }
    $modulus = [decimal]1
    for ($i = 0; $i -lt $bits; $i++) { $modulus = $modulus * 2 }
    $number + $modulus
}

function ConvertTo-ClusterChaosFlagName {
    <#
    .SYNOPSIS
    A [Flags] value bit by bit (review R10): for each bit set, the name of the enum member that is exactly
    that bit, or 'bit:<value>' when the enum defines none (a cluster newer than the management host's
    FailoverClusters module). No bit set ('Normal') is none. Collect with [string[]]@(...).
    .PARAMETER Value
    The raw value (the enum's value__), as a number or its decimal string.
    .PARAMETER Definition
    The enum as the cluster side read it: { underlying, names: string[], values: string[] } (values as the
    members' raw values, same order as names). Without it every bit is 'bit:<value>'.
    #>
    param([AllowNull()] $Value, [AllowNull()] $Definition)
    $names = New-Object System.Collections.ArrayList
    if ($null -eq $Value -or [string]$Value -eq '') { return }
    $underlying = 'Int64'
    if ($Definition -and $Definition.underlying) { $underlying = [string]$Definition.underlying }
    $remaining = ConvertTo-ClusterChaosUnsigned -Value $Value -Underlying $underlying
    $nameOfBit = @{}
    if ($Definition) {
        $memberNames = @($Definition.names)
        $memberValues = @($Definition.values)
        for ($i = 0; $i -lt $memberNames.Count; $i++) {
            $key = [string](ConvertTo-ClusterChaosUnsigned -Value $memberValues[$i] -Underlying $underlying)
            # the first name of a value wins (an enum may define aliases)
            if (-not $nameOfBit.ContainsKey($key)) { $nameOfBit[$key] = [string]$memberNames[$i] }
        }
    }
    $bit = [decimal]1
    while ($remaining -gt 0) {
        if ([decimal]::Remainder($remaining, 2) -eq 1) {
            $key = [string]$bit
            if ($nameOfBit.ContainsKey($key)) { [void]$names.Add($nameOfBit[$key]) } else { [void]$names.Add('bit:' + $key) }
            $remaining = $remaining - 1
        }
        $remaining = $remaining / 2
        $bit = $bit * 2
    }
    $names.ToArray()
}

function Get-ClusterChaosUtcNow {
    <#
    .SYNOPSIS
    Now, ISO 8601 UTC, from Get-Date (the rehearsal lab's clock replaces Get-Date; never [DateTime]::UtcNow).
    #>
    (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture)
}

function Get-ClusterChaosElapsedMs {
    <#
    .SYNOPSIS
    Whole milliseconds from $Since to now, by Get-Date (never a Stopwatch: the rehearsal lab's clock).
    #>
    param([Parameter(Mandatory = $true)] [datetime] $Since)
    [long][math]::Round(((Get-Date) - $Since).TotalMilliseconds)
}

function ConvertTo-ClusterChaosStringList {
    <#
    .SYNOPSIS
    The strings of whatever came back (an array, a deserialized ArrayList, one value, $null), without nulls.
    Callers collect them with [string[]]@(...), so an answer's list is a list even of one or none.
    #>
    param([AllowNull()] $Value)
    @($Value) | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ }
}
