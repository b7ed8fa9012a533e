# The module's own rules, read from its source: Windows PowerShell 5.1 syntax, pure ASCII, time only from
# Get-Date and Start-Sleep, self-contained node- and cluster-side blocks, and the exports README.md lists.

BeforeDiscovery {
    $moduleRoot = Split-Path -Parent $PSScriptRoot
    $script:sourceFiles = @(Get-ChildItem -Path $moduleRoot -File | Where-Object { $_.Extension -in '.ps1', '.psm1', '.psd1' } |
            ForEach-Object { @{ name = $_.Name; path = $_.FullName } })
}

BeforeAll {
    $moduleRoot = Split-Path -Parent $PSScriptRoot
    function Get-Ast([string] $Path) {
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
        [pscustomobject]@{ ast = $ast; errors = $errors }
    }
    function Find-Ast($Ast, [scriptblock] $Predicate) { @($Ast.FindAll($Predicate, $true)) }
    function Get-ModuleFunctionName {
        foreach ($file in Get-ChildItem -Path $moduleRoot -Filter '*.ps1' -File) {
            $parsed = Get-Ast $file.FullName
            foreach ($definition in $parsed.ast.EndBlock.Statements | Where-Object { $_ -is [System.Management.Automation.Language.FunctionDefinitionAst] }) { $definition.Name }
        }
    }
}

Describe 'the source of <name>' -ForEach $sourceFiles {
    It 'is pure ASCII (Windows PowerShell 5.1 reads a file without a BOM in the ANSI code page)' {
        $bytes = [System.IO.File]::ReadAllBytes($path)
        @($bytes | Where-Object { $_ -gt 0x7E -or ($_ -lt 0x20 -and $_ -ne 0x0A -and $_ -ne 0x0D -and $_ -ne 0x09) }) | Should -HaveCount 0
    }

    It 'parses' {
        (Get-Ast $path).errors | Should -HaveCount 0
    }

    It 'uses Windows PowerShell 5.1 syntax only' {
        $ast = (Get-Ast $path).ast
        $found = @()
        $found += Find-Ast $ast { param($a) $a.GetType().Name -in 'TernaryExpressionAst', 'PipelineChainAst', 'TypeDefinitionAst', 'UsingStatementAst' } | ForEach-Object { $_.GetType().Name + ': ' + $_.Extent.Text }
        $found += Find-Ast $ast { param($a) $a -is [System.Management.Automation.Language.BinaryExpressionAst] -and [string]$a.Operator -eq 'QuestionQuestion' } | ForEach-Object { '??: ' + $_.Extent.Text }
        $found += Find-Ast $ast { param($a) $a -is [System.Management.Automation.Language.AssignmentStatementAst] -and [string]$a.Operator -eq 'QuestionQuestionEquals' } | ForEach-Object { '??=: ' + $_.Extent.Text }
        $found += Find-Ast $ast { param($a) ($a -is [System.Management.Automation.Language.MemberExpressionAst] -or $a -is [System.Management.Automation.Language.IndexExpressionAst]) -and $a.NullConditional } | ForEach-Object { '?.: ' + $_.Extent.Text }
        $found += Find-Ast $ast { param($a) $a -is [System.Management.Automation.Language.CommandParameterAst] -and $a.ParameterName -in 'Parallel', 'EnumsAsStrings', 'AsArray', 'AsHashtable', 'SkipEditionCheck' } | ForEach-Object { '-' + $_.ParameterName + ': ' + $_.Parent.Extent.Text }
        $found | Should -HaveCount 0
    }

    It 'reads time only from Get-Date and waits only through Start-Sleep (the rehearsal lab''s clock)' {
        $ast = (Get-Ast $path).ast
        $found = @()
        $found += Find-Ast $ast {
            param($a)
            $a -is [System.Management.Automation.Language.MemberExpressionAst] -and $a.Static -and
            $a.Expression.TypeName.Name -match '^(System\.)?(DateTime|DateTimeOffset|Environment|Threading\.Thread|Thread)$' -and
            [string]$a.Member -match '^(Now|UtcNow|Today|TickCount|TickCount64|Sleep)$'
        } | ForEach-Object { $_.Extent.Text }
        $found += Find-Ast $ast { param($a) ($a -is [System.Management.Automation.Language.TypeExpressionAst] -or $a -is [System.Management.Automation.Language.TypeConstraintAst]) -and $a.TypeName.Name -match 'Stopwatch|Timer' } | ForEach-Object { $_.Extent.Text }
        $found | Should -HaveCount 0
    }
}

Describe 'node- and cluster-side blocks' {
    BeforeAll {
        $moduleFunctions = @(Get-ModuleFunctionName)
        $automatic = @('_', 'PSItem', 'true', 'false', 'null', 'ErrorActionPreference', 'WarningPreference', 'ProgressPreference',
            'ExecutionContext', 'args', 'PSBoundParameters', 'this', 'Matches', 'input')
        # every $xxxBlock = { ... } in the module
        $script:blocks = @(foreach ($file in Get-ChildItem -Path $moduleRoot -Filter '*.ps1' -File) {
                $ast = (Get-Ast $file.FullName).ast
                Find-Ast $ast {
                    param($a)
                    $a -is [System.Management.Automation.Language.AssignmentStatementAst] -and
                    $a.Left -is [System.Management.Automation.Language.VariableExpressionAst] -and
                    $a.Left.VariablePath.UserPath -like '*Block' -and
                    $a.Right.Expression -is [System.Management.Automation.Language.ScriptBlockExpressionAst]
                } | ForEach-Object { [pscustomobject]@{ where = $file.Name + ': $' + $_.Left.VariablePath.UserPath; block = $_.Right.Expression.ScriptBlock } }
            })
    }

    It 'are found (a guard on the check itself)' {
        $blocks.Count | Should -BeGreaterThan 20
    }

    It 'call no function of the module: the other side does not have it' {
        $calls = foreach ($entry in $blocks) {
            $inner = @(Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.FunctionDefinitionAst] } | ForEach-Object { $_.Name })
            Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.CommandAst] } |
                Where-Object { $moduleFunctions -contains $_.GetCommandName() -and $inner -notcontains $_.GetCommandName() } |
                ForEach-Object { $entry.where + ' calls ' + $_.GetCommandName() }
        }
        @($calls) | Should -HaveCount 0
    }

    It 'use no $using: and no module state' {
        $found = foreach ($entry in $blocks) {
            Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.UsingExpressionAst] } | ForEach-Object { $entry.where + ': ' + $_.Extent.Text }
            Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.VariableExpressionAst] -and $a.VariablePath.IsScript } | ForEach-Object { $entry.where + ': ' + $_.Extent.Text }
        }
        @($found) | Should -HaveCount 0
    }

    It 'read only the variables they define or receive (values through -ArgumentList)' {
        $found = foreach ($entry in $blocks) {
            $defined = @{}
            foreach ($name in $automatic) { $defined[$name] = $true }
            Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.ParameterAst] } | ForEach-Object { $defined[$_.Name.VariablePath.UserPath] = $true }
            Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.AssignmentStatementAst] } | ForEach-Object {
                foreach ($variable in @(Find-Ast $_.Left { param($b) $b -is [System.Management.Automation.Language.VariableExpressionAst] })) { $defined[$variable.VariablePath.UserPath] = $true }
            }
            Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.ForEachStatementAst] } | ForEach-Object { $defined[$_.Variable.VariablePath.UserPath] = $true }
            Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.VariableExpressionAst] } |
                Where-Object { -not $defined.ContainsKey($_.VariablePath.UserPath) } |
                ForEach-Object { $entry.where + ' reads $' + $_.VariablePath.UserPath }
        }
        @($found | Select-Object -Unique) | Should -HaveCount 0
    }

    It 'set their own error and warning preferences (a remote session does not inherit ours)' {
        $found = foreach ($entry in $blocks) {
            $assigned = @(Find-Ast $entry.block { param($a) $a -is [System.Management.Automation.Language.AssignmentStatementAst] -and $a.Left -is [System.Management.Automation.Language.VariableExpressionAst] } |
                    ForEach-Object { $_.Left.VariablePath.UserPath })
            if ($assigned -notcontains 'ErrorActionPreference') { $entry.where + ' lacks $ErrorActionPreference' }
            if ($assigned -notcontains 'WarningPreference') { $entry.where + ' lacks $WarningPreference' }
        }
        @($found) | Should -HaveCount 0
    }
}

Describe 'the manifest and README.md' {
    BeforeAll {
        $manifest = Import-PowerShellDataFile -Path (Join-Path $moduleRoot 'ClusterChaos.psd1')
        $readme = Get-Content -Raw -Path (Join-Path $moduleRoot 'README.md')
        $documented = @([regex]::Matches($readme, '`((?:Connect|ConvertFrom|Disconnect|Get|Initialize|Move|Restart|Resume|Set|Start|Stop|Suspend)-ClusterChaos\w+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
    }

    It 'declares Windows PowerShell 5.1, Desktop and Core' {
        $manifest.PowerShellVersion | Should -BeExactly '5.1'
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
    }

    It 'exports exactly the functions README.md documents' {
        $documented.Count | Should -BeGreaterThan 20
        @($manifest.FunctionsToExport | Sort-Object) | Should -Be $documented
    }

    It 'exports what it declares' {
        Import-Module (Join-Path $moduleRoot 'ClusterChaos.psd1') -Force
        @((Get-Command -Module ClusterChaos).Name | Sort-Object) | Should -Be @($manifest.FunctionsToExport | Sort-Object)
    }

    It 'answers every operation through Invoke-ClusterChaosOperation (one framed answer, errors inside it)' {
        $missing = foreach ($name in $manifest.FunctionsToExport) {
            if ($name -in 'ConvertFrom-ClusterChaosBase64', 'Initialize-ClusterChaosSession') { continue }
            $body = (Get-Command -Module ClusterChaos -Name $name).ScriptBlock.Ast
            $calls = @(Find-Ast $body { param($a) $a -is [System.Management.Automation.Language.CommandAst] -and $a.GetCommandName() -eq 'Invoke-ClusterChaosOperation' })
            if ($calls.Count -ne 1) { $name }
        }
        @($missing) | Should -HaveCount 0
    }
}
