/**
 * Every source the models, the settings and the code cite by key (`[PETRI]`, `[MSDN-RL]`): its title and its
 * address, so a key in a comment, a setting's source, docs/ or a report resolves to something a person can open.
 * From windows-cluster-facts.md §9 and lab-observations.md, where the keys were first given; docs/sources.md is
 * generated from it (`npm run docs`), and test/report/sources.test.ts fails on a key cited anywhere in machines/,
 * src/ or docs/ that is not here.
 */

export interface Source {
  title: string;
  /** Where to read it: a web address (a book excerpt's page, a repository file at a commit). */
  url: string;
  /** What to know before trusting it (only part of the page was readable, an unconfirmed title). */
  note?: string;
}

const MSCS = 'https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs';
const PSDOC = 'https://learn.microsoft.com/en-us/powershell/module';
const WSDOCS = 'https://learn.microsoft.com/en-us/windows-server';
const TSG = 'https://learn.microsoft.com/en-us/troubleshoot/windows-server';
const PSSRC = 'https://github.com/PowerShell/PowerShell/blob/929903692e';
const SAVILL = (page: number): Source => ({
  title: `J. Savill, Mastering Windows Server 2016 Hyper-V, excerpt page ${page}`,
  url: `https://issuhub.com/view/index?id=6089&pageIndex=${page}`,
  note: 'a book excerpt hosted by a third party',
});
const AIDAN = (post: number, title: string): Source => ({ title: `Aidan Finn, ${title}`, url: `https://aidanfinn.com/?p=${post}` });

export const sources: Readonly<Record<string, Source>> = {
  // Compute Resiliency and quarantine
  MSBLOG: {
    title: 'Virtual Machine Compute Resiliency in Windows Server 2016 (Failover Clustering blog, 2015)',
    url: 'https://blogs.msdn.microsoft.com/clustering/2015/06/03/virtual-machine-compute-resiliency-in-windows-server-2016/',
    note: 'opening only; mirror https://argonsys.com/microsoft-cloud/library/virtual-machine-compute-resiliency-in-windows-server-2016/',
  },
  'ITPRO-RES': { title: 'Q. What is Compute and Storage Resiliency in Windows Server 2016 clustering? (ITPro Today, J. Savill)', url: 'http://www.itprotoday.com/windows-8/q-what-compute-and-storage-resiliency-windows-server-2016-clustering' },
  'ITPRO-HB': { title: 'What are the defaults for the 2016 latency settings? (Windows IT Pro)', url: 'http://windowsitpro.com/windows-server-2016/what-are-defaults-2016-latency-settings' },
  'ITPRO-SMB': { title: 'When to use SMB live migration (ITPro Today)', url: 'https://itprotoday.com/server-virtualization/when-to-use-smb-live-migration' },
  PETRI: { title: 'Configuring Windows Server 2016 Hyper-V Compute Resiliency (Petri)', url: 'https://petri.com/configuring-windows-server-2016-hyper-v-compute-resiliency/', note: 'opening only' },
  'WHII-TEST': { title: 'Testing Virtual Machine Compute Resiliency in Windows Server 2016 (Working Hard In IT)', url: 'https://blog.workinghardinit.work/2015/07/01/testing-virtual-machine-compute-resiliency-in-windows-server-2016/', note: 'opening only' },
  'WHII-SOFS': { title: 'VM Compute Resiliency posts (Working Hard In IT)', url: 'https://blog.workinghardinit.work/tag/vm-compute-resiliency/' },
  'WHII-COMP': { title: 'Compression posts (Working Hard In IT)', url: 'https://blog.workinghardinit.work/tag/compression/' },
  'SAVILL-49': SAVILL(49),
  'SAVILL-476': SAVILL(476),
  'SAVILL-477': SAVILL(477),
  'SAVILL-478': SAVILL(478),
  'SAVILL-479': SAVILL(479),
  'SAVILL-499': SAVILL(499),
  'AFINN-12314': AIDAN(12314, 'post 12314 (VM priority: "These VMs fail over but do not start up automatically")'),
  'AFINN-17525': AIDAN(17525, 'post 17525 (Windows Server 2016 Compute Resiliency)'),
  'AFINN-17759': AIDAN(17759, 'post 17759 (node quarantine)'),
  AF12228: AIDAN(12228, 'post 12228'),
  AF14907: AIDAN(14907, 'post 14907'),
  AF15421: AIDAN(15421, 'post 15421'),
  URTECH: { title: 'SOLVED: What is Quarantine in a Server 2016 Cluster & how can a node be moved out of quarantine (urtech.ca)', url: 'https://www.urtech.ca/2018/03/solved-what-is-quarantine-in-a-server-2016-cluster-how-can-a-node-be-moved-out-of-quarantine/' },
  TDA: { title: 'Quarantine state in Windows Failover Clusters: how to resolve a quarantined cluster node on Hyper-V (TechDirectArchive)', url: 'https://techdirectarchive.com/2021/07/15/quarantine-state-in-windows-failover-clusters-how-to-resolve-quarantined-cluster-node-on-hyper-v/' },
  CENGIZ: { title: 'Failover Clusters quarantine mode (Cengiz Yılmaz)', url: 'https://cengizyilmaz.net/en/failover-clusters-quarantine-mode/' },
  MSSQLTIPS: { title: 'Windows Failover Cluster node quarantined (MSSQLTips)', url: 'https://www.mssqltips.com/sqlservertip/6714/windows-failover-cluster-node-quarantined/' },
  'SR-FAQ': { title: 'Frequently asked questions about Storage Replica ("(Get-Cluster).ResiliencyDefaultPeriod=0")', url: `${WSDOCS}/storage/storage-replica/storage-replica-frequently-asked-questions` },
  INNOV: { title: 'VM Storage Resiliency (innovativeii.com)', url: 'http://innovativeii.com/vm-storage-resiliency/' },

  // The failover cluster API's property and state references
  'MSDN-RL': { title: 'ResiliencyLevel (Failover Cluster common properties)', url: `${MSCS}/resiliencylevel` },
  'MSDN-RDP': { title: 'ResiliencyDefaultPeriod (Failover Cluster common properties)', url: `${MSCS}/resiliencydefaultperiod` },
  'MSDN-RP': { title: 'ResiliencyPeriod (group common property)', url: `${MSCS}/resiliencyperiod` },
  'MSDN-QT': { title: 'QuarantineThreshold (Failover Cluster common properties)', url: `${MSCS}/quarantinethreshold` },
  'MSDN-QD': { title: 'QuarantineDuration (Failover Cluster common properties)', url: `${MSCS}/quarantineduration` },
  'MSDN-NDS': { title: 'NodeDrainStatus (node common property)', url: `${MSCS}/nodes-nodedrainstatus` },
  'MSDN-PAUSE': { title: 'Pause method of the MSCluster_Node class', url: 'https://learn.microsoft.com/en-us/previous-versions/windows/desktop/cluswmi/mscluster-node-pause' },
  'MSDN-PRIO': { title: 'Priority (group common property)', url: `${MSCS}/groups-priority` },
  'MSDN-AACN': { title: 'AntiAffinityClassNames (group common property)', url: `${MSCS}/groups-antiaffinityclassnames` },
  'MSDN-CEAA': { title: 'ClusterEnforcedAntiAffinity (cluster common property)', url: `${MSCS}/clusters-clusterenforcedantiaffinity` },
  'MSDN-DQ': { title: 'DynamicQuorum (cluster common property)', url: `${MSCS}/clusters-dynamicquorum` },
  'MSDN-WRI': { title: 'WitnessRestartInterval (cluster common property)', url: `${MSCS}/clusters-witnessrestartinterval` },
  'MSDN-SST': { title: 'SameSubnetThreshold (cluster common property)', url: `${MSCS}/clusters-samesubnetthreshold` },
  MIGNETORDER: { title: 'MigrationNetworkOrder (Virtual Machine resource type private property)', url: `${MSCS}/virtual-machines-migrationnetworkorder` },
  CNS: { title: 'CLUSTER_NODE_STATE enumeration (clusapi.h)', url: 'https://learn.microsoft.com/en-us/windows/win32/api/clusapi/ne-clusapi-cluster_node_state' },
  'NET-ROLE': { title: 'CLUSTER_NETWORK_ROLE enumeration (clusapi.h)', url: 'https://learn.microsoft.com/en-us/windows/win32/api/clusapi/ne-clusapi-cluster_network_role' },
  'CLUSAPI-PAUSE': { title: 'PauseClusterNode function (clusapi.h)', url: 'https://learn.microsoft.com/en-us/windows/win32/api/clusapi/nf-clusapi-pauseclusternode' },
  'MSVM-RSC': { title: 'RequestStateChange method of the Msvm_ComputerSystem class', url: 'https://learn.microsoft.com/en-us/windows/win32/hyperv_v2/requeststatechange-msvm-computersystem' },
  NETFT: { title: 'What is a Microsoft Failover Cluster Virtual Adapter anyway? (Ask the Core Team)', url: 'https://learn.microsoft.com/en-us/archive/blogs/askcore/what-is-a-microsoft-failover-cluster-virtual-adapter-anyway' },
  'MS-QUORUM': { title: 'Configure and manage quorum (Windows Server failover clustering)', url: `${WSDOCS}/failover-clustering/manage-cluster-quorum` },
  'KB-299631': { title: 'KB 299631: Failover behavior on clusters of three or more nodes', url: 'http://support.microsoft.com/kb/299631' },
  'MSBLOG-PO': { title: 'Preferred Owners in a Cluster (Failover Clustering blog, 2008)', url: 'https://techcommunity.microsoft.com/blog/failoverclustering/preferred-owners-in-a-cluster/371290' },
  'MSBLOG-DRAIN': { title: 'Draining Nodes for Planned Maintenance with Windows Server 2012 (Failover Clustering blog)', url: 'https://techcommunity.microsoft.com/t5/failover-clustering/draining-nodes-for-planned-maintenance-with-windows-server-2012/ba-p/371713' },
  'ASKCOREJP-CAU': {
    title: 'Hyper-V クラスター環境にて、クラスター対応更新 (CAU) のライブ マイグレーションがメモリ不足で失敗する (Ask CORE, Microsoft Japan Windows Technology Support, 2018)',
    url: 'https://learn.microsoft.com/en-us/archive/blogs/askcorejp/cau',
  },
  'CSV-REDIR': { title: "Q. What's the difference between Redirected Access and Maintenance mode for a Cluster Shared Volume (CSV)? (ITPro Today, J. Savill)", url: 'https://itprotoday.com/cloud-computing/q-what-s-the-difference-between-redirected-access-and-maintenance-mode-for-a-cluster-shared-volume-csv-' },

  // PowerShell cmdlet references and the FailoverClusters module's shape
  STUB: { title: 'FailoverClusters.stubs.psm1 (dsccommunity/FailoverClusterDsc, generated from FailoverClusters 2.0.0.0)', url: 'https://github.com/dsccommunity/FailoverClusterDsc/blob/main/tests/Unit/Stubs/FailoverClusters.stubs.psm1' },
  'DSC-SCHEMA': { title: 'DSC_ClusterProperty.schema.mof (FailoverClusterDsc 2.2.0)', url: 'https://www.powershellgallery.com/packages/FailoverClusterDsc/2.2.0/Content/DSCResources%5CDSC_ClusterProperty%5CDSC_ClusterProperty.schema.mof' },
  'PSDOC-GC': { title: 'Get-Cluster (FailoverClusters module)', url: `${PSDOC}/failoverclusters/get-cluster` },
  'PSDOC-STARTCN': { title: 'Start-ClusterNode (FailoverClusters module)', url: `${PSDOC}/failoverclusters/start-clusternode` },
  'PSDOC-STOPCN': { title: 'Stop-ClusterNode (FailoverClusters module)', url: `${PSDOC}/failoverclusters/stop-clusternode` },
  'PSDOC-SUSP': { title: 'Suspend-ClusterNode (FailoverClusters module)', url: `${PSDOC}/failoverclusters/suspend-clusternode` },
  'PSDOC-RESUME': { title: 'Resume-ClusterNode (FailoverClusters module)', url: `${PSDOC}/failoverclusters/resume-clusternode` },
  'PSDOC-MOVE': { title: 'Move-ClusterVirtualMachineRole (FailoverClusters module)', url: `${PSDOC}/failoverclusters/move-clustervirtualmachinerole` },
  'PSDOC-SETVMHOST': { title: 'Set-VMHost (Hyper-V module)', url: `${PSDOC}/hyper-v/set-vmhost` },
  'PSDOC-VMHC': { title: 'Get-VMHostCluster and Set-VMHostCluster (Hyper-V module)', url: `${PSDOC}/hyper-v/get-vmhostcluster` },
  'PSDOC-SETVM': { title: 'Set-VM (Hyper-V module)', url: `${PSDOC}/hyper-v/set-vm` },
  'PSDOC-DNA': { title: 'Disable-NetAdapter (NetAdapter module)', url: `${PSDOC}/netadapter/disable-netadapter` },
  'PSDOC-NFR': { title: 'New-NetFirewallRule (NetSecurity module)', url: `${PSDOC}/netsecurity/new-netfirewallrule` },
  'NETQOS-DOC': { title: 'windows-powershell-docs commit 30e8624: "cluster network driver UDP port 3343"', url: 'https://github.com/MicrosoftDocs/windows-powershell-docs/commit/30e86244152337fbb48e5be7dfecbc4894e9d34f' },

  // Events and troubleshooting guides
  EVT: { title: 'Failover Clustering system log events', url: `${TSG}/high-availability/failover-clustering-system-log-events` },
  QTSG: { title: 'Troubleshoot cluster node quarantine', url: `${TSG}/virtualization/cluster-node-quarantine-troubleshooting` },
  LMTSG: { title: 'Hyper-V virtual machine live migration troubleshooting guidance', url: `${TSG}/virtualization/hyper-v-virtual-machine-live-migration` },
  'HAVM-TSG': { title: 'High availability virtual machine troubleshooting guidance', url: `${TSG}/virtualization/high-availability-virtual-machine-troubleshooting-guidance` },
  'LM-ISSUES': { title: 'Troubleshoot live migration issues (events 20413, 20417, 21024, 21125, 21501)', url: `${TSG}/virtualization/troubleshoot-live-migration-issues` },
  'CSFS-TSG': { title: 'Troubleshoot the Cluster service failing to start', url: `${TSG}/high-availability/troubleshoot-cluster-service-fails-to-start` },
  'BRAIN-FC': { title: 'Microsoft-Windows-FailoverClustering event manifest dump (scheatkode/brain, 2022)', url: 'https://github.com/scheatkode/brain/blob/main/knowledgebase/systems/windows/event-logs/Microsoft-Windows-FailoverClustering.md' },
  'BRAIN-HA': { title: 'Microsoft-Windows-Hyper-V-High-Availability event manifest dump (scheatkode/brain, 2022)', url: 'https://github.com/scheatkode/brain/blob/main/knowledgebase/systems/windows/event-logs/Microsoft-Windows-Hyper-V-High-Availability.md' },
  LIS: { title: 'CORE_PanicNotifierTest.ps1 (microsoft/lis-test: event 18590 in Hyper-V-Worker-Admin on a guest panic)', url: 'https://github.com/microsoft/lis-test/blob/master/WS2012R2/lisa/setupscripts/CORE_PanicNotifierTest.ps1' },
  'OPENHCL-TSG': { title: 'OpenHCL troubleshooting (microsoft/openvmm)', url: 'https://github.com/microsoft/openvmm', note: 'the page within the repository was not recorded' },
  PSTOOLS: { title: 'Get-LiveMigrationBlackoutTime.ps1 (R-Studio/PSTools)', url: 'https://github.com/R-Studio/PSTools/blob/master/Public/Get-LiveMigrationBlackoutTime.ps1' },
  WEBPERFECT: { title: 'Blackout-Time (VM Live Migration) (webperfect wiki)', url: 'http://wiki.webperfect.ch/index.php?title=Blackout-Time_(VM_Live_Migration)' },
  RAMP: { title: 'Hyper-V live migration terms: brownout, blackout and dirty pages', url: 'https://ramprasadtech.com/hyper-v-live-migration-terms-brownout-blackout-and-dirty-pages/' },
  SCM7031: { title: 'Event ID 7031: Service Control Manager (TechNet)', url: 'http://technet.microsoft.com/en-us/library/cc756337(v=WS.10).aspx' },
  ANAVEM7034: { title: 'Windows event ID 7034: a service terminated unexpectedly (anavem)', url: 'https://anavem.com/en/windows-events/windows-event-id-7034-service-control-manager-service-crashed' },
  ICINGA67: { title: 'icinga-powershell-plugins issue 67', url: 'https://github.com/Icinga/icinga-powershell-plugins/issues/67' },
  'HV-STOPSVC': { title: 'Start or Stop the Cluster Service on a Cluster Node (Failover Cluster Manager help)', url: 'http://healthvalidator.com/en-us/cluadmin/html/7572cb38-8d4a-42c3-b7be-5019c97b3887.htm' },
  'MS-SCMR': { title: '[MS-SCMR] Service Control Manager Remote Protocol: SERVICE_FAILURE_ACTIONS', url: 'https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-scmr/58032b71-1e5c-4f2e-8545-34b0f2e8c6ad' },
  'SC-FAILURE': { title: 'Sc failure (Windows Server 2012 R2 command-line reference)', url: 'https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2012-r2-and-2012/cc742019(v=ws.11)' },

  // Hyper-V and live migration
  NEON: { title: 'Neon.HyperV WMI driver (VMState, VMHeartbeatStatus, VMMigrationPerformance, …) (nforgeio/neonSDK @35b0f3c9)', url: 'https://github.com/nforgeio/neonSDK/tree/35b0f3c9/Lib/Neon.HyperV/HyperVWmiDriver/Microsoft/HyperV/PowerShell' },
  ERYPH: { title: 'VirtualMachineState.cs (eryph-org/eryph)', url: 'https://github.com/eryph-org/eryph', note: 'the path within the repository was not recorded' },
  VMVER: { title: 'Upgrade virtual machine version in Hyper-V on Windows or Windows Server', url: `${WSDOCS}/virtualization/hyper-v/deploy/upgrade-virtual-machine-version-in-hyper-v-on-windows-or-windows-server` },
  ROLLUP: { title: 'Cluster operating system rolling upgrade', url: `${WSDOCS}/failover-clustering/cluster-operating-system-rolling-upgrade` },
  'LM-SETUP': { title: 'Set up hosts for live migration without Failover Clustering', url: `${WSDOCS}/virtualization/hyper-v/deploy/set-up-hosts-for-live-migration-without-failover-clustering` },
  SMBBW: { title: 'Configure live migration SMB bandwidth (failover clustering)', url: `${WSDOCS}/failover-clustering/configure-live-migration-smb-bandwidth` },
  'TC-MPM': { title: 'New cluster-wide control for virtual machine live migrations (Failover Clustering blog)', url: 'https://techcommunity.microsoft.com/t5/failover-clustering/new-cluster-wide-control-for-virtual-machine-live-migrations-in/ba-p/3709680' },
  KARL: { title: 'Windows Server / Azure Local keeps setting live migration to 1 — here is why (Tech Community)', url: 'https://techcommunity.microsoft.com/discussions/windowsserver/blog-windows-server--azure-local-keeps-setting-live-migration-to-1---here-is-why/3850949' },
  STARWIND: { title: 'StarWind blog post 25049 (live migration)', url: 'https://www.starwindsoftware.com/blog/?p=25049' },
  ANYSTACK: { title: 'Live migration internals and tuning for Hyper-V on Windows Server 2025 (anystackarchitect)', url: 'https://www.anystackarchitect.com/live-migration-internals-and-tuning-for-hyper-v-on-windows-server-2025/' },
  THISISMYDEMO: { title: 'Live migration internals (thisismydemo.cloud)', url: 'https://thisismydemo.cloud/post/live-migration-internals' },
  DIRMS: { title: 'Live migration switch-over (Directions on Microsoft chart)', url: 'https://www.directionsonmicrosoft.com/charts-illustrations/live-migration-switch-over' },
  HOLMAN: { title: 'Hyper-V live migration and the upgrade to 10 gigabit Ethernet (Kevin Holman)', url: 'https://blogs.technet.microsoft.com/kevinholman/2013/07/01/hyper-v-live-migration-and-the-upgrade-to-10-gigabit-ethernet/' },
  IMPRESS: { title: 'Live migration figure 1-7 (Impress Cloud Watch)', url: 'https://cloud.watch.impress.co.jp/img/clw/docs/645/576/html/fig-1-7.jpg.html' },
  IBM: { title: 'Evaluating Microsoft Hyper-V live migration performance using IBM System x3650 M3 and IBM System Storage DS3400', url: 'https://1library.net/document/qm650w7y-evaluating-microsoft-hyper-live-migration-performance-using-series.html' },
  TECHTARGET: { title: 'Microsoft Windows Live Migration compression (TechTarget definition)', url: 'https://searchwindowsserver.techtarget.com/definition/Microsoft-Windows-Live-Migration-compression' },
  FREECRAM: { title: 'Exam 74-409 question quoting TechNet dn440540 (freecram)', url: 'http://technet.microsoft.com/en-us/library/dn440540.aspx', note: 'quoted on freecram.net; the TechNet page is the one quoted' },
  'CLARK-WWS': { title: 'C. Clark et al., Live Migration of Virtual Machines (NSDI 2005): the writable working set', url: 'https://www.usenix.org/legacy/event/nsdi05/tech/full_papers/clark/clark.pdf' },

  // PowerShell the language
  PSSPEC: { title: 'Windows PowerShell language specification 3.0, chapter 2 (§2.3.5.2, §2.3.7)', url: 'https://github.com/MicrosoftDocs/PowerShell-Docs/blob/main/reference/docs-conceptual/lang-spec/chapter-02.md' },
  'QUOTING-DOC': { title: 'about_Quoting_Rules (PowerShell 7.4)', url: `${PSDOC}/microsoft.powershell.core/about/about_quoting_rules?view=powershell-7.4` },
  'PSDOCS-PR11405': { title: 'MicrosoftDocs/PowerShell-Docs pull request 11405', url: 'https://github.com/MicrosoftDocs/PowerShell-Docs/pull/11405' },
  CTJ51: { title: 'ConvertTo-Json (Windows PowerShell 5.1)', url: `${PSDOC}/microsoft.powershell.utility/convertto-json?view=powershell-5.1` },
  GWE51: { title: 'Get-WinEvent (Windows PowerShell 5.1)', url: `${PSDOC}/microsoft.powershell.diagnostics/get-winevent?view=powershell-5.1` },
  'PSSRC-CT': { title: 'CharTraits.cs (PowerShell source)', url: `${PSSRC}/src/System.Management.Automation/engine/parser/CharTraits.cs` },
  'PSSRC-TOK': { title: 'tokenizer.cs (PowerShell source: ScanStringLiteral, ScanStringExpandable)', url: `${PSSRC}/src/System.Management.Automation/engine/parser/tokenizer.cs` },
  'PSSRC-CG': { title: 'codegen.cs (PowerShell source)', url: `${PSSRC}/src/System.Management.Automation/engine/lang/codegen.cs` },
  'PSSRC-JSON': { title: 'ConvertToJsonCommand.cs (PowerShell source)', url: `${PSSRC}/src/Microsoft.PowerShell.Commands.Utility/commands/utility/WebCmdlet/ConvertToJsonCommand.cs` },
  'PSSRC-SER': { title: 'serialization.cs (PowerShell source)', url: `${PSSRC}/src/System.Management.Automation/engine/serialization.cs` },
  'PSSRC-GWE': { title: 'GetEventCommand.cs (PowerShell source)', url: `${PSSRC}/src/Microsoft.PowerShell.Commands.Diagnostics/GetEventCommand.cs` },
  'PSSRC-EC': { title: 'ManagedEntranceStrings.resx (PowerShell source: -EncodedCommand)', url: `${PSSRC}/src/Microsoft.PowerShell.ConsoleHost/resources/ManagedEntranceStrings.resx` },
  GITLAB7709: { title: 'gitlab-runner merge request 7709', url: 'https://gitlab.com/gitlab-org/gitlab-runner/-/merge_requests/7709' },
};

/**
 * A citation key as the code writes it: in square brackets, capitals and digits in dash-separated parts, at
 * least three capitals in all (so `[N2]`, a node, and `[A-Z]`, a character class, are not keys).
 */
export const SOURCE_KEY = /\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)\]/g;

/** Bracketed capitals that are no citation: a command's optional argument (`clusterchaos runs [DIR]`). */
const NOT_KEYS = new Set(['DIR']);

/** The keys cited in a text, in order of first appearance. */
export function citedKeys(text: string): string[] {
  const keys = new Set<string>();
  for (const m of text.matchAll(SOURCE_KEY)) {
    const key = m[1]!;
    if ((key.match(/[A-Z]/g) ?? []).length >= 3 && !NOT_KEYS.has(key)) keys.add(key);
  }
  return [...keys];
}
