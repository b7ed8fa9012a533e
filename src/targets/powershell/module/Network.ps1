# A node cut off from the cluster's network by Windows Firewall rules (UDP and TCP 3343, both ways, the run
# tag as their group), or from one cluster network (all traffic to and from its subnet), with a dead-man task on
# the node that removes them, and the rules removed again.

function Assert-ClusterChaosRunTag {
    <#
    .SYNOPSIS
    The run tag names firewall rules (a group Get-NetFirewallRule -Group looks up) and scheduled tasks:
    only 'clusterchaos-' and letters, digits, '.', '_', '-' (no wildcard can match another rule).
    #>
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Tag)
    if ($Tag -cnotmatch '^clusterchaos-[A-Za-z0-9][A-Za-z0-9._-]{0,99}$') {
        throw ("the run tag must be 'clusterchaos-' followed by letters, digits, '.', '_' or '-' (at most 100), got '" + $Tag + "'; nothing was changed")
    }
}

function Get-ClusterChaosFirewallProblem {
    <#
    .SYNOPSIS
    Why Windows Firewall would not enforce rules on the cluster NICs (review R4): for each NIC's profile
    (its network category), the ActiveStore must have Enabled True and AllowLocalFirewallRules not False,
    and the NIC must not be one of the profile's DisabledInterfaceAliases. No profile at all is a problem too.
    .PARAMETER Profile
    [{ interface, category, profile, enabled, allowLocalRules, disabledInterfaces: string[] }]
    #>
    param([AllowNull()] [AllowEmptyCollection()] [object[]] $Profile)
    $found = @($Profile | Where-Object { $null -ne $_ })
    if ($found.Count -eq 0) { return 'no network connection profile was found, so which firewall profile applies is unknown' }
    $problems = New-Object System.Collections.ArrayList
    foreach ($entry in $found) {
        $where = "the " + $entry.profile + " firewall profile (interface '" + $entry.interface + "', network category " + $entry.category + ')'
        if ([string]$entry.enabled -ne 'True') {
            [void]$problems.Add($where + ' is not enabled (Enabled ' + [string]$entry.enabled + ' in the ActiveStore)')
        }
        if ([string]$entry.allowLocalRules -eq 'False') {
            [void]$problems.Add($where + " ignores local rules (AllowLocalFirewallRules False: Group Policy's 'Apply local firewall rules: No')")
        }
        if (@($entry.disabledInterfaces) -contains [string]$entry.interface) {
            [void]$problems.Add($where + ' lists the interface in DisabledInterfaceAliases')
        }
    }
    $problems.ToArray()
}

function Select-ClusterChaosPeerAddress {
    <#
    .SYNOPSIS
    The addresses a firewall rule can name (review N4): zone indexes (fe80::1%12) cut off, link-local ones
    (fe80::/10, 169.254.0.0/16) dropped, duplicates and what is not an IP address removed.
    #>
    param([AllowNull()] [AllowEmptyCollection()] [string[]] $Address)
    $kept = New-Object System.Collections.ArrayList
    foreach ($text in @($Address)) {
        if (-not $text) { continue }
        $bare = ([string]$text).Trim() -replace '%.*$', ''
        $ip = $null
        if (-not [System.Net.IPAddress]::TryParse($bare, [ref]$ip)) { continue }
        if ($ip.AddressFamily -eq [System.Net.Sockets.AddressFamily]::InterNetworkV6 -and $ip.IsIPv6LinkLocal) { continue }
        if ($ip.AddressFamily -eq [System.Net.Sockets.AddressFamily]::InterNetwork) {
            $bytes = $ip.GetAddressBytes()
            if ($bytes[0] -eq 169 -and $bytes[1] -eq 254) { continue }
        }
        $canonical = $ip.ToString()
        if (-not $kept.Contains($canonical)) { [void]$kept.Add($canonical) }
    }
    $kept.ToArray()
}

function Select-ClusterChaosNetwork {
    <#
    .SYNOPSIS
    The cluster networks -Network names (isolate-network `network:`): the one of that name, else every one of that
    role (ClusterOnly = Role 1, ClusterAndClient = 3, None = 0 [NET-ROLE]); none: an error naming them all.
    .PARAMETER Network
    [{ Name, Role: int, Address, AddressMask }] as Get-ClusterNetwork gives them.
    #>
    param([AllowNull()] [AllowEmptyCollection()] [object[]] $Network, [Parameter(Mandatory = $true)] [string] $Name)
    $all = @($Network | Where-Object { $null -ne $_ })
    $byName = @($all | Where-Object { [string]$_.Name -eq $Name })
    if ($byName.Count -gt 0) { return $byName }
    $roles = @{ 'None' = 0; 'ClusterOnly' = 1; 'ClusterAndClient' = 3 }
    if ($roles.ContainsKey($Name)) {
        $byRole = @($all | Where-Object { [int]$_.Role -eq $roles[$Name] })
        if ($byRole.Count -gt 0) { return $byRole }
    }
    $names = @{ 0 = 'None'; 1 = 'ClusterOnly'; 3 = 'ClusterAndClient' }
    $known = @($all | ForEach-Object { [string]$_.Name + ' (' + $names[[int]$_.Role] + ')' }) -join ', '
    throw ('no cluster network named ' + $Name + ', nor of that role (Get-ClusterNetwork: ' + $known + '); name one of them, or a role; nothing was changed')
}

function Disconnect-ClusterChaosNetwork {
    <#
    .SYNOPSIS
    Cuts the node's cluster traffic (op `isolate-network`): firewall rules (group = the run tag) blocking UDP
    and TCP 3343 inbound and outbound, to everyone or only to -Peer. With -Network, one cluster network instead
    (or every one of a role): rules blocking all traffic, inbound and outbound, to and from its subnet
    (Get-ClusterNetwork Address/AddressMask), or only the peers' addresses on it; the node's heartbeats go on over
    its other networks.
    .DESCRIPTION
    1. Refuses (notEffective, nothing changed) when Windows Firewall would not enforce the rules on the
       profiles of the node's cluster NICs (review R4).
    2. The peers' addresses: their cluster NICs' and their DNS addresses as the node resolves them, without
       link-local ones or zone indexes (review N4); a peer without any address refuses the cut.
    3. On the node: the heal task first (SYSTEM; a Once trigger at the absolute deadline with its offset
       plus AtStartup, started when available; it removes the rules, checks, and only then unregisters
       itself: review R5, N9), then the rules, then a check that they are in the ActiveStore (review R4),
       then a check that the deadline has not passed (else everything is removed: an error).
    .OUTPUTS
    { effectiveAt, healAt, rules: string[] } - effectiveAt: the node's time once the rules were enforced.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [AllowEmptyCollection()] [string[]] $Peer = @(),
        [Parameter(Mandatory = $true)] [ValidateRange(1, [long]::MaxValue)] [long] $HealAfterMs,
        [Parameter(Mandatory = $true)] [string] $Tag,
        [string] $Network = ''
    )
    Invoke-ClusterChaosOperation {
        Assert-ClusterChaosRunTag -Tag $Tag
        $peers = @($Peer | Where-Object { $_ })

        # The cluster's NICs: the node's (their adapters name its connection profiles) and the peers' addresses.
        $nicBlock = {
            param($cluster)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            foreach ($nic in @(Get-ClusterNetworkInterface -Cluster $cluster -WarningAction SilentlyContinue)) {
                $addresses = @(@($nic.Address) + @($nic.Ipv4Addresses) + @($nic.Ipv6Addresses) | Where-Object { $_ } | ForEach-Object { [string]$_ })
                [pscustomobject]@{ kind = 'nic'; Node = [string]$nic.Node; Name = [string]$nic.Name; Adapter = [string]$nic.Adapter; Network = [string]$nic.Network; Addresses = [string[]]$addresses }
            }
            foreach ($net in @(Get-ClusterNetwork -Cluster $cluster -WarningAction SilentlyContinue)) {
                [pscustomobject]@{ kind = 'network'; Name = [string]$net.Name; Role = [int]$net.Role; Address = [string]$net.Address; AddressMask = [string]$net.AddressMask }
            }
            [pscustomobject]@{ kind = 'done' }
        }
        $clusterAnswer = @(Invoke-ClusterChaosCluster -ScriptBlock $nicBlock -ArgumentList @($Cluster))
        $nics = @($clusterAnswer | Where-Object { [string]$_.kind -eq 'nic' })
        # -Network: only that network's (or role's) interfaces, and its subnets
        $chosen = @()
        if ($Network) {
            $chosen = @(Select-ClusterChaosNetwork -Network @($clusterAnswer | Where-Object { [string]$_.kind -eq 'network' }) -Name $Network)
            $chosenNames = @($chosen | ForEach-Object { [string]$_.Name })
            $nics = @($nics | Where-Object { $chosenNames -contains [string]$_.Network })
        }
        # The node's cluster NICs by the names a connection profile may have: the interface's Adapter, and its
        # connection name from the interface's Name ('<node> - <connection>'). None found on the node: every
        # connected profile is checked.
        $adapters = New-Object System.Collections.ArrayList
        foreach ($nic in @($nics | Where-Object { $_.Node -eq $Node })) {
            $candidates = @([string]$nic.Adapter)
            $prefix = $Node + ' - '
            if ([string]$nic.Name -and ([string]$nic.Name).StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) { $candidates += ([string]$nic.Name).Substring($prefix.Length) }
            foreach ($candidate in $candidates) { if ($candidate -and -not $adapters.Contains($candidate)) { [void]$adapters.Add($candidate) } }
        }
        $adapters = [string[]]$adapters.ToArray()

        $preflightBlock = {
            param($adapters, $peers)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            try {
                $connections = @()
                foreach ($adapter in @($adapters)) {
                    if ($adapter) { $connections += @(Get-NetConnectionProfile -InterfaceAlias $adapter -ErrorAction SilentlyContinue) }
                }
                if ($connections.Count -eq 0) { $connections = @(Get-NetConnectionProfile -ErrorAction SilentlyContinue) }
                foreach ($connection in $connections) {
                    $category = [string]$connection.NetworkCategory
                    $profileName = $category
                    if ($category -eq 'DomainAuthenticated') { $profileName = 'Domain' }
                    $firewall = Get-NetFirewallProfile -PolicyStore ActiveStore -Name $profileName
                    [pscustomobject]@{
                        kind = 'profile'
                        interface = [string]$connection.InterfaceAlias
                        category = $category
                        profile = $profileName
                        enabled = [string]$firewall.Enabled
                        allowLocalRules = [string]$firewall.AllowLocalFirewallRules
                        disabledInterfaces = [string[]]@(@($firewall.DisabledInterfaceAliases) | Where-Object { $_ } | ForEach-Object { [string]$_ })
                    }
                }
                foreach ($peer in @($peers)) {
                    foreach ($record in @(Resolve-DnsName -Name $peer -ErrorAction SilentlyContinue)) {
                        if ($record.IPAddress) { [pscustomobject]@{ kind = 'address'; peer = [string]$peer; address = [string]$record.IPAddress } }
                    }
                }
            } catch {
                [pscustomobject]@{ kind = 'error'; message = [string]$_.Exception.Message }
            }
            [pscustomobject]@{ kind = 'done' }
        }
        $preflight = @(Invoke-ClusterChaosOnNode -Node $Node -ScriptBlock $preflightBlock -ArgumentList @($adapters, [string[]]$peers))
        $failure = @($preflight | Where-Object { [string]$_.kind -eq 'error' })
        if ($failure.Count -gt 0) { throw ($Node + ': ' + $failure[0].message + '; nothing was changed') }

        # R4: rules the firewall would not enforce would make a fault that does nothing.
        $problems = @(Get-ClusterChaosFirewallProblem -Profile @($preflight | Where-Object { [string]$_.kind -eq 'profile' }))
        if ($problems.Count -gt 0) {
            throw (New-ClusterChaosException -NotEffective -Message ('fault not effective: on ' + $Node + ', ' + ($problems -join '; ') + '; nothing was changed'))
        }

        # Whom to cut off: everyone, or the peers by every address they have. Never cut more than asked.
        $remote = @('Any')
        if ($Network) {
            # One network: its subnets, or the peers' addresses on it (their DNS names resolve to another network)
            $remote = @($chosen | ForEach-Object { [string]$_.Address + '/' + [string]$_.AddressMask })
            if ($peers.Count -gt 0) {
                $remote = @()
                foreach ($one in $peers) {
                    $addresses = @(Select-ClusterChaosPeerAddress -Address ([string[]]@($nics | Where-Object { $_.Node -eq $one } | ForEach-Object { @($_.Addresses) })))
                    if ($addresses.Count -eq 0) { throw ('no address found for the peer ' + $one + ' on ' + $Network + '; nothing was changed') }
                    $remote += $addresses
                }
            }
        } elseif ($peers.Count -gt 0) {
            $remote = @()
            foreach ($one in $peers) {
                $candidates = @($nics | Where-Object { $_.Node -eq $one } | ForEach-Object { @($_.Addresses) })
                $candidates += @($preflight | Where-Object { [string]$_.kind -eq 'address' -and $_.peer -eq $one } | ForEach-Object { [string]$_.address })
                $addresses = @(Select-ClusterChaosPeerAddress -Address ([string[]]$candidates))
                if ($addresses.Count -eq 0) { throw ('no address found for the peer ' + $one + '; nothing was changed') }
                $remote += $addresses
            }
            $remote = @(Select-ClusterChaosPeerAddress -Address ([string[]]$remote))
        }

        $isolateBlock = {
            param($tag, $remote, $healAfterMs, $allTraffic)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $invariant = [Globalization.CultureInfo]::InvariantCulture
            $healTask = $tag + '-heal'
            $remote = [string[]]@($remote)
            function Quote($text) { "'" + [System.Management.Automation.Language.CodeGeneration]::EscapeSingleQuotedStringContent($text) + "'" }
            $undo = {
                Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag } | Remove-NetFirewallRule -ErrorAction SilentlyContinue
                Get-ScheduledTask -TaskName $healTask -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false -ErrorAction SilentlyContinue
            }
            $ruleNames = @()
            try {
                # The heal, before any rule exists (the cut also cuts whatever would undo it from outside).
                # R5: it loops - remove, check none is left, only then unregister itself; a heal that cannot
                # finish keeps its task (AtStartup runs it again; the residue scan lists it). Its names are
                # quoted by PowerShell's own CodeGeneration and the command travels base64-encoded.
                $heal = '$ErrorActionPreference = ''Continue''; $tag = ' + (Quote $tag) + '; $task = ' + (Quote $healTask) + '; ' +
                    'for ($i = 0; $i -lt 120; $i++) { ' +
                    'Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag } | Remove-NetFirewallRule -ErrorAction SilentlyContinue; ' +
                    'if (@(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag }).Count -eq 0) { Unregister-ScheduledTask -TaskName $task -Confirm:$false -ErrorAction SilentlyContinue; break } ' +
                    'Start-Sleep -Seconds 5 }'
                $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($heal))
                $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -EncodedCommand ' + $encoded)
                $deadline = (Get-Date).AddMilliseconds($healAfterMs)
                $once = New-ScheduledTaskTrigger -Once -At $deadline
                # N9: an absolute time with its offset, not wall-clock time re-read after a DST change.
                $once.StartBoundary = $deadline.ToString('yyyy-MM-ddTHH:mm:sszzz', $invariant)
                # R5: a node rebooted past the deadline still heals (the rules persist across a reboot).
                $startup = New-ScheduledTaskTrigger -AtStartup
                $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
                $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
                Register-ScheduledTask -TaskName $healTask -Action $action -Trigger @($once, $startup) -Settings $settings -Principal $principal -Force | Out-Null

                # Block the cluster port 3343, UDP (heartbeats) and TCP (joins), both ways, from a clean slate; or,
                # for one network, all traffic to and from its addresses (heartbeats, CSV, live migration).
                Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag } | Remove-NetFirewallRule
                if ($allTraffic) {
                    foreach ($direction in 'Inbound', 'Outbound') {
                        $rule = @{
                            Name = $tag + '-' + $direction + '-Any'
                            DisplayName = $tag + ' ' + $direction + ' all traffic'
                            Group = $tag
                            Direction = $direction
                            Protocol = 'Any'
                            RemoteAddress = $remote
                            Action = 'Block'
                        }
                        New-NetFirewallRule @rule | Out-Null
                        $ruleNames += $rule.Name
                    }
                }
                foreach ($direction in @('Inbound', 'Outbound' | Where-Object { -not $allTraffic })) {
                    foreach ($protocol in 'UDP', 'TCP') {
                        $rule = @{
                            Name = $tag + '-' + $direction + '-' + $protocol
                            DisplayName = $tag + ' ' + $direction + ' ' + $protocol + ' 3343'
                            Group = $tag
                            Direction = $direction
                            Protocol = $protocol
                            RemoteAddress = $remote
                            Action = 'Block'
                        }
                        # Inbound: others reaching this node's 3343; outbound: this node reaching theirs.
                        if ($direction -eq 'Inbound') { $rule.LocalPort = 3343 } else { $rule.RemotePort = 3343 }
                        New-NetFirewallRule @rule | Out-Null
                        $ruleNames += $rule.Name
                    }
                }

                # R4: the rules are what the firewall enforces now, not only what is stored.
                $active = @(Get-NetFirewallRule -PolicyStore ActiveStore -Name $ruleNames -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.Name })
                $missing = @($ruleNames | Where-Object { $active -notcontains $_ })
                if ($missing.Count -gt 0) {
                    & $undo
                    return [pscustomobject]@{ kind = 'notEffective'; message = ('the rules ' + ($missing -join ', ') + ' are not in the ActiveStore; they were removed') }
                }
                $effectiveAt = Get-Date
                # R5: a heal that already ran (deadline passed) would leave the rules with no dead-man.
                if ($effectiveAt -ge $deadline) {
                    throw ('the heal deadline passed before the rules were in place (heal after ' + $healAfterMs + ' ms is too short); they were removed')
                }
            } catch {
                $problem = $_.Exception.Message
                & $undo
                throw $problem
            }
            [pscustomobject]@{
                kind = 'isolated'
                effectiveAt = $effectiveAt.ToUniversalTime().ToString('o', $invariant)
                healAt = $deadline.ToUniversalTime().ToString('o', $invariant)
                rules = [string[]]$ruleNames
            }
        }
        $answer = @(Invoke-ClusterChaosOnNode -Node $Node -ScriptBlock $isolateBlock -ArgumentList @($Tag, [string[]]$remote, $HealAfterMs, [bool]$Network))
        $last = $answer[$answer.Count - 1]
        if ([string]$last.kind -eq 'notEffective') {
            throw (New-ClusterChaosException -NotEffective -Message ('fault not effective: on ' + $Node + ', ' + [string]$last.message))
        }
        [ordered]@{ effectiveAt = [string]$last.effectiveAt; healAt = [string]$last.healAt; rules = [string[]]@(ConvertTo-ClusterChaosStringList $last.rules) }
    }
}

function Connect-ClusterChaosNetwork {
    <#
    .SYNOPSIS
    Removes the tag's firewall rules and its heal task from the node (op `restore-network`); nothing to remove
    is fine (the heal may have been first). Rules still there afterwards are an error.
    .OUTPUTS
    { at, removed: string[] } - the names of the rules removed.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string] $Cluster,
        [Parameter(Mandatory = $true)] [string] $Node,
        [Parameter(Mandatory = $true)] [string] $Tag
    )
    Invoke-ClusterChaosOperation {
        Assert-ClusterChaosRunTag -Tag $Tag
        $restoreBlock = {
            param($tag)
            $ErrorActionPreference = 'Stop'
            $WarningPreference = 'SilentlyContinue'
            $ProgressPreference = 'SilentlyContinue'
            $rules = @(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag })
            $names = [string[]]@($rules | ForEach-Object { [string]$_.Name })
            if ($rules.Count -gt 0) { $rules | Remove-NetFirewallRule }
            Get-ScheduledTask -TaskName ($tag + '-heal') -ErrorAction SilentlyContinue | Unregister-ScheduledTask -Confirm:$false
            $left = @(Get-NetFirewallRule -Group $tag -ErrorAction SilentlyContinue | Where-Object { $_.Group -eq $tag })
            if ($left.Count -gt 0) { throw ('the rules ' + (@($left | ForEach-Object { [string]$_.Name }) -join ', ') + ' are still there') }
            [pscustomobject]@{ at = (Get-Date).ToUniversalTime().ToString('o', [Globalization.CultureInfo]::InvariantCulture); removed = $names }
        }
        $answer = @(Invoke-ClusterChaosOnNode -Node $Node -ScriptBlock $restoreBlock -ArgumentList @($Tag))
        $last = $answer[$answer.Count - 1]
        [ordered]@{ at = [string]$last.at; removed = [string[]]@(ConvertTo-ClusterChaosStringList $last.removed) }
    }
}
