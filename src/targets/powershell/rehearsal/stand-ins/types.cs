// The rehearsal lab's object types: the real FailoverClusters / Hyper-V type names, namespaces, property names
// and enum values (FailoverClusterDsc's generated stubs of the real module, tests/Unit/Stubs/
// FailoverClusters.stubs.psm1; windows-cluster-facts §1.3, §3.2), plus lab stand-ins for types that cannot be
// made on Linux (event records, services, PS sessions, CIM instances) and the lab's HTTP client.
// Compiled once per source hash by Lab.psm1 (Add-Type -OutputAssembly) and loaded with Add-Type -Path.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using System.Text;
using System.Text.Json;

namespace ClusterChaos.Lab
{
    /// Where a live object was made: the lab process, the node (null = management host), the compat session.
    public sealed class LabContext
    {
        public string Url;
        public string Process;
        public string Node;
        public bool Compat;
        public LabContext(string url, string process, string node, bool compat)
        { Url = url; Process = process; Node = string.IsNullOrEmpty(node) ? null : node; Compat = compat; }
    }

    /// A failure the lab reported for a property setter (its message and FullyQualifiedErrorId).
    public sealed class LabException : Exception
    {
        public string ErrorId; public string Category;
        public LabException(string message, string errorId, string category) : base(message)
        { ErrorId = errorId; Category = category; }
    }

    /// One static HttpClient for the whole process (every runspace), no proxy, synchronous POST.
    public static class LabHttp
    {
        static readonly HttpClient Client = new HttpClient(new SocketsHttpHandler {
            UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) }) {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan };

        public static string Post(string url, string json)
        {
            using (var request = new HttpRequestMessage(HttpMethod.Post, url))
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                using (var response = Client.Send(request))
                using (var reader = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8))
                {
                    string body = reader.ReadToEnd();
                    if (!response.IsSuccessStatusCode)
                        throw new InvalidOperationException("The rehearsal lab at " + url + " answered HTTP " +
                            (int)response.StatusCode + ": " + body);
                    return body;
                }
            }
        }

        /// A property setter's call (Set-ClusterObjectProperty), made from C# with the object's own context.
        public static void SetProperty(LabContext ctx, IDictionary<string, object> parameters)
        {
            var request = new Dictionary<string, object> {
                { "process", ctx.Process }, { "node", ctx.Node }, { "compat", ctx.Compat },
                { "command", "Set-ClusterObjectProperty" }, { "parameterSet", "" }, { "parameters", parameters } };
            string body = Post(ctx.Url.TrimEnd('/') + "/call", JsonSerializer.Serialize(request));
            using (JsonDocument doc = JsonDocument.Parse(body))
            {
                JsonElement t;
                if (doc.RootElement.TryGetProperty("terminating", out t) && t.ValueKind == JsonValueKind.Object)
                    throw Failure(t);
                JsonElement errors;
                if (doc.RootElement.TryGetProperty("errors", out errors) && errors.ValueKind == JsonValueKind.Array &&
                    errors.GetArrayLength() > 0)
                    throw Failure(errors[0]);
            }
        }

        static LabException Failure(JsonElement e)
        {
            JsonElement m, i, c;
            return new LabException(e.TryGetProperty("message", out m) ? m.GetString() : "the lab refused the change",
                e.TryGetProperty("id", out i) ? i.GetString() : null, e.TryGetProperty("category", out c) ? c.GetString() : null);
        }
    }

    /// Process-wide state: the WinCompat warning is written once per process, the edition is asked once.
    public static class LabState
    {
        public static bool WinCompatWarned;
        public static string Edition;
        public static readonly Dictionary<string, object> NodeRunspaces = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        public static object ManagementRunspace;
        public static readonly List<object> Sessions = new List<object>();
        public static int NextSessionId = 1;
        public static readonly object Gate = new object();
    }

    /// A live lab object: knows the context it was made in, so a setter can reach the lab (an interface, so
    /// that no lab type shows in the object's type names or a deserialized copy's).
    public interface ILabLive { void AttachLabContext(LabContext context); }

    /// The values behind a live object's settable properties, and the call a setter makes.
    public sealed class LiveValues
    {
        public LabContext Context;
        readonly Dictionary<string, object> values = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        public T Get<T>(string name)
        {
            object v;
            return values.TryGetValue(name, out v) && v != null ? (T)v : default(T);
        }
        /// Sets a value; when the object is live and the property reaches the cluster, asks the lab first
        /// (an error from the lab throws, and the value stays as it was).
        public void Put(string name, object value, Func<string, object, Dictionary<string, object>> request)
        {
            if (request != null && Context != null) LabHttp.SetProperty(Context, request(name, Plain(value)));
            values[name] = value;
        }
        public static object Plain(object value)
        {
            if (value == null) return null;
            if (value is Enum) return value.ToString();
            if (value is DateTime) return ((DateTime)value).ToString("o", CultureInfo.InvariantCulture);
            return value;
        }
    }
}

namespace Microsoft.FailoverClusters.NativeHelp
{
    public class NativeGroupHelp
    {
        // Move-ClusterVirtualMachineRole -MigrationType (windows-cluster-facts §3.1, ints [STUB])
        public enum VmMigrationType : int { TurnOff = 0, Quick = 1, Shutdown = 2, ShutdownForce = 3, Live = 4 }
    }
}

namespace Microsoft.FailoverClusters.PowerShell
{
    using ClusterChaos.Lab;

    public enum ClusterNodeState : int { Up = 0, Down = 1, Paused = 2, Joining = 3, Unknown = -1 }
    [Flags] public enum ClusterNodeStatusInformation : int { Normal = 0, Isolated = 1, Quarantined = 2, DrainInProgress = 4,
        DrainCompleted = 8, DrainFailed = 16, AvoidPlacement = 32, Unknown = -2147483648 }
    public enum ClusterNodeDrainStatus : int { NotInitiated = 0, InProgress = 1, Completed = 2, Failed = 3 }
    public enum ClusterNodeFailbackStatus : int { NotInitiated = 0, InProgress = 1, Completed = 2, Failed = 3 }
    public enum NodeType : int { Node = 0, StorageNode = 1 }
    public enum NodeCloudType : int { None = 0, Azure = 1, Unknown = -1 }
    public enum ClusterGroupState : int { Online = 0, Offline = 1, Failed = 2, PartialOnline = 3, Pending = 4, Unknown = -1 }
    // The group's StatusInformation: the real module names it ClusterApplicationStatusInformation ([STUB]).
    [Flags] public enum ClusterApplicationStatusInformation : ulong { Locked = 1, Preempted = 2, Queued = 4,
        PhysicalResourcesLacking = 8, WaitingToStart = 16, EmbeddedFailure = 32, OfflineAntiAffinityConflict = 64,
        NetworkFailure = 128, Unmonitored = 256, WaitingForDependencies = 4096 }
    public enum GroupType : uint { Cluster = 1, AvailableStorage = 2, Temporary = 3, ClusterSharedVolume = 4,
        ClusterStoragePool = 5, FileServer = 100, PrintServer = 101, DhcpServer = 102, Dtc = 103, Msmq = 104, Wins = 105,
        StandAloneDfs = 106, GenericApplication = 107, GenericService = 108, GenericScript = 109, IScsiNameService = 110,
        VirtualMachine = 111, TsSessionBroker = 112, IScsiTarget = 113, ScaleoutFileServer = 114, VMReplicaBroker = 115,
        TaskScheduler = 116, ClusterAwareUpdating = 117, ScaleoutCluster = 118, StorageReplica = 119,
        VirtualMachineReplicationCoordinator = 120, CrossClusterOrchestrator = 121, InfrastructureFileServer = 122,
        CoreSddc = 123, UserManager = 124, KeyValueStoreManager = 125, HcsVirtualMachine = 126, MetaVirtualMachine = 127,
        Unknown = 9999 }
    public enum ClusterResourceState : int { Inherited = 0, Initializing = 1, Online = 2, Offline = 3, Failed = 4,
        Pending = 128, OnlinePending = 129, OfflinePending = 130, Unknown = -1 }
    [Flags] public enum ClusterResourceStatusInformation : ulong { Locked = 1, EmbeddedFailure = 2, InsufficientCpu = 4,
        InsufficientMemory = 8, InsufficientResources = 16, NetworkFailure = 32, Unmonitored = 64 }
    public enum ResumeClusterNodeFailbackType : int { NoFailback = 0, Immediate = 1, Policy = 2 }
    public enum ClusterParameterType : int { Unknown = 0, ByteArray = 1, UInt32 = 2, String = 3, ExpandString = 4,
        StringCollection = 5, UInt64 = 6, Int32 = 7, ExpandedString = 8, Int64 = 10, UInt16 = 11, DateTime = 12 }
    public enum ClusterNetworkInterfaceState : int { Unavailable = 0, Failed = 1, Unreachable = 2, Up = 3, Unknown = -1 }
    public enum ClusterNetworkRole : int { None = 0, Cluster = 1, Client = 2, ClusterAndClient = 3 }
    public enum ClusterNetworkState : int { Unavailable = 0, Down = 1, Partitioned = 2, Up = 3, Unknown = -1 }
    public enum ClusterResiliencyLevel : int { IsolateOnSpecialHeartbeat = 1, AlwaysIsolate = 2 }
    public enum AdminAccessPoint : int { None = 0, ActiveDirectoryAndDns = 1, Dns = 2, ActiveDirectory = 3 }
    public enum ClusterCloudType : int { None = 0, Azure = 1, Mixed = 128, Unknown = -1 }
    public enum ClusterSharedVolumesSetting : int { Disabled = 0, Enabled = 1 }
    [Flags] public enum S2DCacheBehavior : ulong { Dormant = 1, SkipSpindlePartitionsRemovalOnDisable = 2,
        SkipFlashPartitionsRemovalOnDisable = 4, CacheModeHddRead = 8, CacheModeHddWrite = 16, CacheModeSsdread = 32,
        CacheModeSsdWrite = 64, Default = 88, UseScmForCapacity = 128 }
    public enum S2DCacheState : int { Disabled = 0, Enabled = 2, ReadOnly = 4, ReadWrite = 12, Provisioning = 14,
        ProvisioningFlash = 15, ProvisioningSpinningMedia = 20, Disabling = 120, Dormant = 200, IneligibleNoDisks = 1001,
        IneligibleNoFlash = 1002, IneligibleNotMixedMedia = 1003 }

    /// Get-Cluster's object. Setting a common property of the live object changes the cluster (the lab's
    /// Set-ClusterObjectProperty); a deserialized copy (WinCompat, Invoke-Command) has no setters that reach anything.
    public class Cluster : ILabLive
    {
        readonly LiveValues live = new LiveValues();
        public void AttachLabContext(LabContext context) { live.Context = context; }
        T Get<T>(string name) { return live.Get<T>(name); }
        void Put(string name, object value, bool reachesLab) { live.Put(name, value, reachesLab ? (Func<string, object, Dictionary<string, object>>)Request : null); }
        Dictionary<string, object> Request(string property, object value)
        {
            return new Dictionary<string, object> { { "Object", "Cluster" }, { "Cluster", Name }, { "Property", property }, { "Value", value } };
        }
        public uint AddEvictDelay { get { return Get<uint>("AddEvictDelay"); } set { Put("AddEvictDelay", value, true); } }
        public AdminAccessPoint AdministrativeAccessPoint { get { return Get<AdminAccessPoint>("AdministrativeAccessPoint"); } set { Put("AdministrativeAccessPoint", value, true); } }
        public uint AutoAssignNodeSite { get { return Get<uint>("AutoAssignNodeSite"); } set { Put("AutoAssignNodeSite", value, true); } }
        public uint AutoBalancerMode { get { return Get<uint>("AutoBalancerMode"); } set { Put("AutoBalancerMode", value, true); } }
        public uint AutoBalancerLevel { get { return Get<uint>("AutoBalancerLevel"); } set { Put("AutoBalancerLevel", value, true); } }
        public uint BackupInProgress { get { return Get<uint>("BackupInProgress"); } set { Put("BackupInProgress", value, true); } }
        public uint BlockCacheSize { get { return Get<uint>("BlockCacheSize"); } set { Put("BlockCacheSize", value, true); } }
        public ClusterCloudType DetectedCloudPlatform { get { return Get<ClusterCloudType>("DetectedCloudPlatform"); } set { Put("DetectedCloudPlatform", value, true); } }
        public uint DetectManagedEvents { get { return Get<uint>("DetectManagedEvents"); } set { Put("DetectManagedEvents", value, true); } }
        public uint DetectManagedEventsThreshold { get { return Get<uint>("DetectManagedEventsThreshold"); } set { Put("DetectManagedEventsThreshold", value, true); } }
        public uint ClusSvcHangTimeout { get { return Get<uint>("ClusSvcHangTimeout"); } set { Put("ClusSvcHangTimeout", value, true); } }
        public uint ClusSvcRegroupStageTimeout { get { return Get<uint>("ClusSvcRegroupStageTimeout"); } set { Put("ClusSvcRegroupStageTimeout", value, true); } }
        public uint ClusSvcRegroupTickInMilliseconds { get { return Get<uint>("ClusSvcRegroupTickInMilliseconds"); } set { Put("ClusSvcRegroupTickInMilliseconds", value, true); } }
        public uint ClusterEnforcedAntiAffinity { get { return Get<uint>("ClusterEnforcedAntiAffinity"); } set { Put("ClusterEnforcedAntiAffinity", value, true); } }
        public uint ClusterFunctionalLevel { get { return Get<uint>("ClusterFunctionalLevel"); } set { Put("ClusterFunctionalLevel", value, true); } }
        public uint ClusterUpgradeVersion { get { return Get<uint>("ClusterUpgradeVersion"); } set { Put("ClusterUpgradeVersion", value, true); } }
        public uint ClusterGroupWaitDelay { get { return Get<uint>("ClusterGroupWaitDelay"); } set { Put("ClusterGroupWaitDelay", value, true); } }
        public uint ClusterLogLevel { get { return Get<uint>("ClusterLogLevel"); } set { Put("ClusterLogLevel", value, true); } }
        public uint ClusterLogSize { get { return Get<uint>("ClusterLogSize"); } set { Put("ClusterLogSize", value, true); } }
        public uint CrossSiteDelay { get { return Get<uint>("CrossSiteDelay"); } set { Put("CrossSiteDelay", value, true); } }
        public uint CrossSiteThreshold { get { return Get<uint>("CrossSiteThreshold"); } set { Put("CrossSiteThreshold", value, true); } }
        public uint CrossSubnetDelay { get { return Get<uint>("CrossSubnetDelay"); } set { Put("CrossSubnetDelay", value, true); } }
        public uint CrossSubnetThreshold { get { return Get<uint>("CrossSubnetThreshold"); } set { Put("CrossSubnetThreshold", value, true); } }
        public uint CsvBalancer { get { return Get<uint>("CsvBalancer"); } set { Put("CsvBalancer", value, true); } }
        public uint CsvTimeToWait { get { return Get<uint>("CsvTimeToWait"); } set { Put("CsvTimeToWait", value, true); } }
        public uint DatabaseReadWriteMode { get { return Get<uint>("DatabaseReadWriteMode"); } set { Put("DatabaseReadWriteMode", value, true); } }
        public uint DefaultNetworkRole { get { return Get<uint>("DefaultNetworkRole"); } set { Put("DefaultNetworkRole", value, true); } }
        public string Description { get { return Get<string>("Description"); } set { Put("Description", value, true); } }
        public string Domain { get { return Get<string>("Domain"); } set { Put("Domain", value, false); } }
        public uint DrainOnShutdown { get { return Get<uint>("DrainOnShutdown"); } set { Put("DrainOnShutdown", value, true); } }
        public ulong DumpPolicy { get { return Get<ulong>("DumpPolicy"); } set { Put("DumpPolicy", value, true); } }
        public uint DynamicQuorum { get { return Get<uint>("DynamicQuorum"); } set { Put("DynamicQuorum", value, true); } }
        public ClusterSharedVolumesSetting EnableSharedVolumes { get { return Get<ClusterSharedVolumesSetting>("EnableSharedVolumes"); } set { Put("EnableSharedVolumes", value, true); } }
        public uint FixQuorum { get { return Get<uint>("FixQuorum"); } set { Put("FixQuorum", value, true); } }
        public uint GroupDependencyTimeout { get { return Get<uint>("GroupDependencyTimeout"); } set { Put("GroupDependencyTimeout", value, true); } }
        public uint HangRecoveryAction { get { return Get<uint>("HangRecoveryAction"); } set { Put("HangRecoveryAction", value, true); } }
        public string Id { get { return Get<string>("Id"); } set { Put("Id", value, false); } }
        public uint IgnorePersistentStateOnStartup { get { return Get<uint>("IgnorePersistentStateOnStartup"); } set { Put("IgnorePersistentStateOnStartup", value, true); } }
        public uint LogResourceControls { get { return Get<uint>("LogResourceControls"); } set { Put("LogResourceControls", value, true); } }
        public uint LowerQuorumPriorityNodeId { get { return Get<uint>("LowerQuorumPriorityNodeId"); } set { Put("LowerQuorumPriorityNodeId", value, true); } }
        public uint MaximumParallelMigrations { get { return Get<uint>("MaximumParallelMigrations"); } set { Put("MaximumParallelMigrations", value, true); } }
        public uint MessageBufferLength { get { return Get<uint>("MessageBufferLength"); } set { Put("MessageBufferLength", value, true); } }
        public uint MinimumNeverPreemptPriority { get { return Get<uint>("MinimumNeverPreemptPriority"); } set { Put("MinimumNeverPreemptPriority", value, true); } }
        public uint MinimumPreemptorPriority { get { return Get<uint>("MinimumPreemptorPriority"); } set { Put("MinimumPreemptorPriority", value, true); } }
        public string Name { get { return Get<string>("Name"); } set { Put("Name", value, false); } }
        public uint NetftIPSecEnabled { get { return Get<uint>("NetftIPSecEnabled"); } set { Put("NetftIPSecEnabled", value, true); } }
        public uint PlacementOptions { get { return Get<uint>("PlacementOptions"); } set { Put("PlacementOptions", value, true); } }
        public uint PlumbAllCrossSubnetRoutes { get { return Get<uint>("PlumbAllCrossSubnetRoutes"); } set { Put("PlumbAllCrossSubnetRoutes", value, true); } }
        public string PreferredSite { get { return Get<string>("PreferredSite"); } set { Put("PreferredSite", value, true); } }
        public uint PreventQuorum { get { return Get<uint>("PreventQuorum"); } set { Put("PreventQuorum", value, true); } }
        public uint QuarantineDuration { get { return Get<uint>("QuarantineDuration"); } set { Put("QuarantineDuration", value, true); } }
        public uint QuarantineThreshold { get { return Get<uint>("QuarantineThreshold"); } set { Put("QuarantineThreshold", value, true); } }
        public uint QuorumArbitrationTimeMax { get { return Get<uint>("QuorumArbitrationTimeMax"); } set { Put("QuorumArbitrationTimeMax", value, true); } }
        public DateTime RecentEventsResetTime { get { return Get<DateTime>("RecentEventsResetTime"); } set { Put("RecentEventsResetTime", value, true); } }
        public uint RequestReplyTimeout { get { return Get<uint>("RequestReplyTimeout"); } set { Put("RequestReplyTimeout", value, true); } }
        public uint ResiliencyDefaultPeriod { get { return Get<uint>("ResiliencyDefaultPeriod"); } set { Put("ResiliencyDefaultPeriod", value, true); } }
        public ClusterResiliencyLevel? ResiliencyLevel { get { return Get<ClusterResiliencyLevel?>("ResiliencyLevel"); } set { Put("ResiliencyLevel", value, true); } }
        public uint RouteHistoryLength { get { return Get<uint>("RouteHistoryLength"); } set { Put("RouteHistoryLength", value, true); } }
        public uint S2DBusTypes { get { return Get<uint>("S2DBusTypes"); } set { Put("S2DBusTypes", value, true); } }
        public S2DCacheBehavior S2DCacheBehavior { get { return Get<S2DCacheBehavior>("S2DCacheBehavior"); } set { Put("S2DCacheBehavior", value, true); } }
        public S2DCacheState S2DCacheDesiredState { get { return Get<S2DCacheState>("S2DCacheDesiredState"); } set { Put("S2DCacheDesiredState", value, true); } }
        public ulong S2DCacheMetadataReserveBytes { get { return Get<ulong>("S2DCacheMetadataReserveBytes"); } set { Put("S2DCacheMetadataReserveBytes", value, true); } }
        public uint S2DCachePageSizeKBytes { get { return Get<uint>("S2DCachePageSizeKBytes"); } set { Put("S2DCachePageSizeKBytes", value, true); } }
        public uint S2DEnabled { get { return Get<uint>("S2DEnabled"); } set { Put("S2DEnabled", value, true); } }
        public uint S2DIOLatencyThreshold { get { return Get<uint>("S2DIOLatencyThreshold"); } set { Put("S2DIOLatencyThreshold", value, true); } }
        public uint S2DOptimizations { get { return Get<uint>("S2DOptimizations"); } set { Put("S2DOptimizations", value, true); } }
        public uint WprSessionCount { get { return Get<uint>("WprSessionCount"); } set { Put("WprSessionCount", value, true); } }
        public uint WprSessionCoolOffTime { get { return Get<uint>("WprSessionCoolOffTime"); } set { Put("WprSessionCoolOffTime", value, true); } }
        public uint RolloutAudience { get { return Get<uint>("RolloutAudience"); } set { Put("RolloutAudience", value, true); } }
        public uint DpcWatchdogProfileSingleDpcThreshold { get { return Get<uint>("DpcWatchdogProfileSingleDpcThreshold"); } set { Put("DpcWatchdogProfileSingleDpcThreshold", value, true); } }
        public uint DpcWatchdogProfileCumulativeDpcThreshold { get { return Get<uint>("DpcWatchdogProfileCumulativeDpcThreshold"); } set { Put("DpcWatchdogProfileCumulativeDpcThreshold", value, true); } }
        public object GlobalWprSessionConfig { get { return Get<object>("GlobalWprSessionConfig"); } set { Put("GlobalWprSessionConfig", value, true); } }
        public uint SameSubnetDelay { get { return Get<uint>("SameSubnetDelay"); } set { Put("SameSubnetDelay", value, true); } }
        public uint SameSubnetThreshold { get { return Get<uint>("SameSubnetThreshold"); } set { Put("SameSubnetThreshold", value, true); } }
        public uint SecurityLevel { get { return Get<uint>("SecurityLevel"); } set { Put("SecurityLevel", value, true); } }
        public uint SecurityLevelForStorage { get { return Get<uint>("SecurityLevelForStorage"); } set { Put("SecurityLevelForStorage", value, true); } }
        public uint SetSMBBandwidthLimit { get { return Get<uint>("SetSMBBandwidthLimit"); } set { Put("SetSMBBandwidthLimit", value, true); } }
        public uint SMBBandwidthLimitFactor { get { return Get<uint>("SMBBandwidthLimitFactor"); } set { Put("SMBBandwidthLimitFactor", value, true); } }
        public object SharedVolumeCompatibleFilters { get { return Get<object>("SharedVolumeCompatibleFilters"); } set { Put("SharedVolumeCompatibleFilters", value, true); } }
        public object SharedVolumeIncompatibleFilters { get { return Get<object>("SharedVolumeIncompatibleFilters"); } set { Put("SharedVolumeIncompatibleFilters", value, true); } }
        public byte[] SharedVolumeSecurityDescriptor { get { return Get<byte[]>("SharedVolumeSecurityDescriptor"); } set { Put("SharedVolumeSecurityDescriptor", value, true); } }
        public string SharedVolumesRoot { get { return Get<string>("SharedVolumesRoot"); } set { Put("SharedVolumesRoot", value, true); } }
        public uint SharedVolumeVssWriterOperationTimeout { get { return Get<uint>("SharedVolumeVssWriterOperationTimeout"); } set { Put("SharedVolumeVssWriterOperationTimeout", value, true); } }
        public uint ShutdownTimeoutInMinutes { get { return Get<uint>("ShutdownTimeoutInMinutes"); } set { Put("ShutdownTimeoutInMinutes", value, true); } }
        public uint UseClientAccessNetworksForSharedVolumes { get { return Get<uint>("UseClientAccessNetworksForSharedVolumes"); } set { Put("UseClientAccessNetworksForSharedVolumes", value, true); } }
        public uint WitnessDatabaseWriteTimeout { get { return Get<uint>("WitnessDatabaseWriteTimeout"); } set { Put("WitnessDatabaseWriteTimeout", value, true); } }
        public uint WitnessDynamicWeight { get { return Get<uint>("WitnessDynamicWeight"); } set { Put("WitnessDynamicWeight", value, true); } }
        public uint WitnessRestartInterval { get { return Get<uint>("WitnessRestartInterval"); } set { Put("WitnessRestartInterval", value, true); } }
        public object EnabledEventLogs { get { return Get<object>("EnabledEventLogs"); } set { Put("EnabledEventLogs", value, true); } }
        public uint UseRdmaForStorage { get { return Get<uint>("UseRdmaForStorage"); } set { Put("UseRdmaForStorage", value, true); } }
        public uint RdmaConnectionsPerInterfaceForStorage { get { return Get<uint>("RdmaConnectionsPerInterfaceForStorage"); } set { Put("RdmaConnectionsPerInterfaceForStorage", value, true); } }
        public uint AcceleratedNetworkingNodeReserve { get { return Get<uint>("AcceleratedNetworkingNodeReserve"); } set { Put("AcceleratedNetworkingNodeReserve", value, true); } }
        public override string ToString() { return Name; }
    }

    public class ClusterNode
    {
        public uint BuildNumber { get; set; }
        public Cluster Cluster { get; set; }
        public string CSDVersion { get; set; }
        public string Description { get; set; }
        public ClusterNodeDrainStatus DrainStatus { get; set; }
        public uint DrainTarget { get; set; }
        public uint DrainErrorCode { get; set; }
        public ClusterNodeFailbackStatus FailbackStatus { get; set; }
        public uint DynamicWeight { get; set; }
        public string Id { get; set; }
        public uint MajorVersion { get; set; }
        public uint MinorVersion { get; set; }
        public string Name { get; set; }
        public uint NeedsPreventQuorum { get; set; }
        public uint NodeHighestVersion { get; set; }
        public string NodeInstanceID { get; set; }
        public uint NodeLowestVersion { get; set; }
        public string NodeName { get; set; }
        public uint NodeWeight { get; set; }
        public object FaultDomain { get; set; }
        public string Model { get; set; }
        public string Manufacturer { get; set; }
        public string SerialNumber { get; set; }
        public ClusterNodeState State { get; set; }
        public ClusterNodeStatusInformation StatusInformation { get; set; }
        public NodeType Type { get; set; }
        public string UniqueID { get; set; }
        public NodeCloudType DetectedCloudPlatform { get; set; }
        public uint HyperthreadingEnabled { get; set; }
        public override string ToString() { return Name; }
    }

    /// Get-ClusterGroup's object; ResiliencyPeriod of the live object is settable (the lab records it).
    public class ClusterGroup : ILabLive
    {
        readonly LiveValues live = new LiveValues();
        public void AttachLabContext(LabContext context) { live.Context = context; }
        Dictionary<string, object> Request(string property, object value)
        {
            return new Dictionary<string, object> { { "Object", "ClusterGroup" }, { "Cluster", Cluster == null ? null : Cluster.Name },
                { "Name", Name }, { "Property", property }, { "Value", value } };
        }
        public object AntiAffinityClassNames { get; set; }
        public uint AutoFailbackType { get; set; }
        public uint ColdStartSetting { get; set; }
        public Cluster Cluster { get; set; }
        public uint DefaultOwner { get; set; }
        public string Description { get; set; }
        public GroupType GroupType { get; set; }
        public uint FailoverPeriod { get; set; }
        public uint FailoverThreshold { get; set; }
        public uint FailbackWindowEnd { get; set; }
        public uint FailbackWindowStart { get; set; }
        public uint FaultDomain { get; set; }
        public bool IsCoreGroup { get; set; }
        public uint LockedFromMoving { get; set; }
        public string Name { get; set; }
        public ClusterNode OwnerNode { get; set; }
        public uint PersistentState { get; set; }
        public uint PlacementOptions { get; set; }
        public object PreferredSite { get; set; }
        public uint Priority { get; set; }
        public uint ResiliencyPeriod { get { return live.Get<uint>("ResiliencyPeriod"); } set { live.Put("ResiliencyPeriod", value, Request); } }
        public ClusterGroupState State { get; set; }
        public ClusterApplicationStatusInformation StatusInformation { get; set; }
        public uint UpdateDomain { get; set; }
        public string Id { get; set; }
        public override string ToString() { return Name; }
    }

    /// Get-ClusterQuorum's answer: the quorum resource (the witness; null without one) and the quorum type.
    public class ClusterQuorumSettings
    {
        public Cluster Cluster { get; set; }
        public ClusterResource QuorumResource { get; set; }
        public string QuorumType { get; set; }
    }

    public class ClusterResourceType
    {
        public Cluster Cluster { get; set; }
        public string Description { get; set; }
        public string DisplayName { get; set; }
        public string DllName { get; set; }
        public string Id { get; set; }
        public string Name { get; set; }
        public uint IsAlivePollInterval { get; set; }
        public uint LooksAlivePollInterval { get; set; }
        public uint PendingTimeout { get; set; }
        public override string ToString() { return Name; }
    }

    public class ClusterResource
    {
        public Cluster Cluster { get; set; }
        public string Description { get; set; }
        public string Id { get; set; }
        public bool IsCoreResource { get; set; }
        public bool IsNetworkClassResource { get; set; }
        public bool IsStorageClassResource { get; set; }
        public bool MaintenanceMode { get; set; }
        public string Name { get; set; }
        public ClusterGroup OwnerGroup { get; set; }
        public ClusterNode OwnerNode { get; set; }
        public uint PendingTimeout { get; set; }
        public uint PersistentState { get; set; }
        public string ResourceSpecificStatus { get; set; }
        public ClusterResourceType ResourceType { get; set; }
        public uint RestartAction { get; set; }
        public uint RestartDelay { get; set; }
        public uint RestartPeriod { get; set; }
        public uint RestartThreshold { get; set; }
        public uint RetryPeriodOnFailure { get; set; }
        public bool SeparateMonitor { get; set; }
        public ClusterResourceState State { get; set; }
        public ClusterResourceStatusInformation StatusInformation { get; set; }
        public override string ToString() { return Name; }
    }

    /// What a ClusterParameter belongs to: its ToString is the object's name, as the real ClusterObject's.
    public class ClusterObject
    {
        public string Name { get; set; }
        public override string ToString() { return Name; }
    }

    /// Get-ClusterOwnerNode's answer: for a group its preferred owners, for a resource its possible owners, in order.
    public class ClusterOwnerNodeList
    {
        public ClusterObject ClusterObject { get; set; }
        public ICollection<ClusterNode> OwnerNodes { get; set; }
        public ClusterOwnerNodeList() { OwnerNodes = new List<ClusterNode>(); }
        public override string ToString() { return ClusterObject == null ? string.Empty : ClusterObject.Name; }
    }

    public class ClusterParameter
    {
        public ClusterObject ClusterObject { get; set; }
        public string Name { get; set; }
        public bool IsReadOnly { get; set; }
        public ClusterParameterType ParameterType { get; set; }
        public object Value { get; set; }
        // Get-ClusterParameter's table shows a Type column (ClusterParameterType); the lab may send either name.
        public ClusterParameterType Type { get { return ParameterType; } set { ParameterType = value; } }
    }

    public class ClusterNetwork
    {
        public string Address { get; set; }
        public string AddressMask { get; set; }
        public Cluster Cluster { get; set; }
        public string Id { get; set; }
        public string Name { get; set; }
        public ClusterNetworkRole Role { get; set; }
        public ClusterNetworkState State { get; set; }
        public override string ToString() { return Name; }
    }

    public class ClusterNetworkInterface
    {
        public string Adapter { get; set; }
        public string AdapterId { get; set; }
        public string Address { get; set; }
        public Cluster Cluster { get; set; }
        public string Description { get; set; }
        public uint DhcpEnabled { get; set; }
        public string Id { get; set; }
        public object Ipv4Addresses { get; set; }
        public object Ipv6Addresses { get; set; }
        public string Name { get; set; }
        public ClusterNetwork Network { get; set; }
        public string Node { get; set; }
        public ClusterNetworkInterfaceState State { get; set; }
        public override string ToString() { return Name; }
    }
}

namespace Microsoft.HyperV.PowerShell
{
    // windows-cluster-facts §3.2 ([NEON], a port of the Hyper-V module); compare by name, never by number.
    public enum VMState : int { Other = 1, Running = 2, Off = 3, Stopping = 4, Saved = 6, Paused = 9, Starting = 10,
        Reset = 11, Saving = 32773, Pausing = 32776, Resuming = 32777, FastSaved = 32779, FastSaving = 32780,
        ForceShutdown = 32781, ForceReboot = 32782, Hibernated = 32783, ComponentServicing = 32784,
        RunningCritical = 32785, OffCritical = 32786, StoppingCritical = 32787, SavedCritical = 32788,
        PausedCritical = 32789, StartingCritical = 32790, ResetCritical = 32791, SavingCritical = 32792,
        PausingCritical = 32793, ResumingCritical = 32794, FastSavedCritical = 32795, FastSavingCritical = 32796 }
    public enum VMHeartbeatStatus : int { Unknown = 0, Disabled = 1, NoContact = 2, Error = 3, LostCommunication = 4,
        OkApplicationsUnknown = 5, OkApplicationsHealthy = 6, OkApplicationsCritical = 7, Paused = 8 }
    public enum VMMigrationPerformance : int { TCPIP = 0, Compression = 1, SMB = 2 }
    public enum MigrationAuthenticationType : int { CredSSP = 0, Kerberos = 1 }
    public enum ControllerType : int { IDE = 0, SCSI = 1 }
    public enum CriticalErrorAction : int { None = 0, Pause = 1 }

    public class VirtualMachine
    {
        public string Name { get; set; }
        public Guid Id { get; set; }
        public Guid VMId { get { return Id; } set { Id = value; } }
        public string VMName { get { return Name; } set { Name = value; } }
        public VMState State { get; set; }
        public string Status { get; set; }
        public TimeSpan Uptime { get; set; }
        public string Version { get; set; }
        public int Generation { get; set; }
        public long MemoryStartup { get; set; }
        public long MemoryAssigned { get; set; }
        public bool DynamicMemoryEnabled { get; set; }
        public long ProcessorCount { get; set; }
        public int CPUUsage { get; set; }
        public string ComputerName { get; set; }
        public string Path { get; set; }
        public string ConfigurationLocation { get; set; }
        public bool IsClustered { get; set; }
        public VMHeartbeatStatus? Heartbeat { get; set; }
        public CriticalErrorAction AutomaticCriticalErrorAction { get; set; }
        public int AutomaticCriticalErrorActionTimeout { get; set; }
        public string Notes { get; set; }
        public override string ToString() { return "VirtualMachine (Name = '" + Name + "') [Id = '" + Id + "']"; }
    }

    public class HardDiskDrive
    {
        public string Name { get; set; }
        public string Path { get; set; }
        public ControllerType ControllerType { get; set; }
        public int ControllerNumber { get; set; }
        public int ControllerLocation { get; set; }
        public int? DiskNumber { get; set; }
        public string VMName { get; set; }
        public Guid VMId { get; set; }
        public string ComputerName { get; set; }
        public bool IsDeleted { get; set; }
    }

    public class VMHost
    {
        public string Name { get; set; }
        public string ComputerName { get; set; }
        public bool VirtualMachineMigrationEnabled { get; set; }
        public uint MaximumVirtualMachineMigrations { get; set; }
        public uint MaximumStorageMigrations { get; set; }
        public VMMigrationPerformance VirtualMachineMigrationPerformanceOption { get; set; }
        public MigrationAuthenticationType VirtualMachineMigrationAuthenticationType { get; set; }
        public bool UseAnyNetworkForMigration { get; set; }
        public string VirtualMachinePath { get; set; }
        public string VirtualHardDiskPath { get; set; }
        public long LogicalProcessorCount { get; set; }
        public long MemoryCapacity { get; set; }
        public bool NumaSpanningEnabled { get; set; }
    }

    public class VMHostCluster
    {
        public string ClusterName { get; set; }
        public string SharedStoragePath { get; set; }
        public string ComputerName { get; set; }
    }

    public class VMHostSupportedVersion
    {
        public string Name { get; set; }
        public Version Version { get; set; }
        public bool IsDefault { get; set; }
    }

    // Declared for Get-VMHardDiskDrive's documented -VMSnapshot / -VMDriveController sets; the lab makes none.
    public class VMSnapshot { public string Name { get; set; } public string VMName { get; set; } }
    public class VMDriveController { public string Name { get; set; } public string VMName { get; set; } }
}

namespace Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity
{
    // The NetSecurity CDXML enums as the documentation's accepted values name them (New-NetFirewallRule.md).
    public enum Action : ushort { NotConfigured = 0, Allow = 2, Block = 4 }
    public enum Direction : ushort { Inbound = 1, Outbound = 2 }
    public enum Enabled : ushort { True = 1, False = 2 }
    [Flags] public enum Profile : ushort { Any = 0, Domain = 1, Private = 2, Public = 4, NotApplicable = 65535 }
    public enum EdgeTraversal : ushort { Block = 0, Allow = 1, DeferToUser = 2, DeferToApp = 3 }
    public enum PolicyStoreType : ushort { None = 0, Local = 1, GroupPolicy = 2, Dynamic = 3, Generated = 4, Hardcoded = 5 }
    public enum PrimaryStatus : ushort { Unknown = 0, OK = 1, Inactive = 2, Error = 3 }
    public enum Authentication : ushort { NotRequired = 0, Required = 1, NoEncap = 2 }
    public enum Encryption : ushort { NotRequired = 0, Required = 1, Dynamic = 2 }
    [Flags] public enum InterfaceType : uint { Any = 0, Wired = 1, Wireless = 2, RemoteAccess = 4 }
    public enum DynamicTransport : uint { Any = 0, ProximityApps = 1, ProximitySharing = 2, WifiDirectPrinting = 3,
        WifiDirectDisplay = 4, WifiDirectDevices = 5 }
    public enum GpoBoolean : short { False = 0, True = 1, NotConfigured = 2 }
}

namespace Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetConnectionProfile
{
    public enum NetworkCategory : uint { Public = 0, Private = 1, DomainAuthenticated = 2 }
    public enum IPv4Connectivity : uint { Disconnected = 0, NoTraffic = 1, Subnet = 2, LocalNetwork = 3, Internet = 4 }
    public enum IPv6Connectivity : uint { Disconnected = 0, NoTraffic = 1, Subnet = 2, LocalNetwork = 3, Internet = 4 }
}

namespace Microsoft.PowerShell.Cmdletization.GeneratedTypes.ScheduledTask
{
    public enum LogonTypeEnum : uint { None = 0, Password = 1, S4U = 2, Interactive = 3, Group = 4, ServiceAccount = 5,
        InteractiveOrPassword = 6 }
    public enum RunLevelEnum : uint { Limited = 0, Highest = 1 }
    public enum ProcessTokenSidTypeEnum : uint { None = 0, Unrestricted = 1, Default = 2 }
    public enum CompatibilityEnum : uint { At = 0, V1 = 1, Vista = 2, Win7 = 3, Win8 = 4 }
    public enum MultipleInstancesEnum : uint { Parallel = 0, Queue = 1, IgnoreNew = 2 }
}

namespace Microsoft.DnsClient.Commands
{
    public enum RecordType : ushort { UNKNOWN = 0, A_AAAA = 0xFFFE, A = 1, NS = 2, MD = 3, MF = 4, CNAME = 5, SOA = 6,
        MB = 7, MG = 8, MR = 9, NULL = 10, WKS = 11, PTR = 12, HINFO = 13, MINFO = 14, MX = 15, TXT = 16, RP = 17,
        AFSDB = 18, X25 = 19, ISDN = 20, RT = 21, AAAA = 28, SRV = 33, DNAME = 39, OPT = 41, DS = 43, RRSIG = 46,
        NSEC = 47, DNSKEY = 48, DHCID = 49, NSEC3 = 50, NSEC3PARAM = 51, ANY = 255, ALL = 255, WINS = 65281 }
}

namespace ClusterChaos.Lab
{
    using Microsoft.FailoverClusters.PowerShell;
    using Microsoft.HyperV.PowerShell;

    /// Get-WinEvent's record (System.Diagnostics.Eventing.Reader.EventLogRecord is Windows-only): the same names.
    public class EventProperty { public object Value { get; set; } }

    public class EventLogRecord
    {
        public int Id { get; set; }
        public byte? Version { get; set; }
        public byte? Level { get; set; }
        public string LevelDisplayName { get; set; }
        public int? Task { get; set; }
        public string TaskDisplayName { get; set; }
        public short? Opcode { get; set; }
        public long? Keywords { get; set; }
        public long? RecordId { get; set; }
        public string ProviderName { get; set; }
        public Guid? ProviderId { get; set; }
        public string LogName { get; set; }
        public string ContainerLog { get; set; }
        public int? ProcessId { get; set; }
        public int? ThreadId { get; set; }
        public string MachineName { get; set; }
        public string UserId { get; set; }
        /// Local time, as EventRecord.TimeCreated is.
        public DateTime? TimeCreated { get; set; }
        public string Message { get; set; }
        public IList<EventProperty> Properties { get; set; }
        public EventLogRecord() { Properties = new List<EventProperty>(); }
        public override string ToString() { return "System.Diagnostics.Eventing.Reader.EventLogRecord"; }
    }

    /// Get-WinEvent -ListLog's object (EventLogConfiguration).
    public class EventLogConfiguration
    {
        public string LogName { get; set; }
        public string LogMode { get; set; }
        public long? RecordCount { get; set; }
        public long MaximumSizeInBytes { get; set; }
        public bool IsEnabled { get; set; }
        public bool IsClassicLog { get; set; }
        public string LogType { get; set; }
        public string LogFilePath { get; set; }
        public override string ToString() { return "System.Diagnostics.Eventing.Reader.EventLogConfiguration"; }
    }

    /// Get-Service's object (System.ServiceProcess.ServiceController cannot be made on Linux): the same names,
    /// Status and StartType with the .NET enums.
    public class ServiceController
    {
        public string Name { get { return ServiceName; } set { ServiceName = value; } }
        public string ServiceName { get; set; }
        public string DisplayName { get; set; }
        public System.ServiceProcess.ServiceControllerStatus Status { get; set; }
        public System.ServiceProcess.ServiceStartMode StartType { get; set; }
        public string MachineName { get; set; }
        public bool CanStop { get; set; }
        public bool CanPauseAndContinue { get; set; }
        public bool CanShutdown { get; set; }
        public object[] DependentServices { get; set; }
        public object[] ServicesDependedOn { get; set; }
        public object[] RequiredServices { get { return ServicesDependedOn; } }
        public ServiceController() { MachineName = "."; DependentServices = new object[0]; ServicesDependedOn = new object[0]; }
        public override string ToString() { return "System.ServiceProcess.ServiceController"; }
    }

    /// A stand-in PSSession: the real one cannot be made without a remote runspace. Runspace is the local
    /// runspace the stand-in runs the node's blocks in.
    public class PSSession
    {
        public int Id { get; set; }
        public string Name { get; set; }
        public string ComputerName { get; set; }
        public System.Management.Automation.Runspaces.TargetMachineType ComputerType { get; set; }
        public System.Management.Automation.Runspaces.RunspaceState State { get; set; }
        public string ConfigurationName { get; set; }
        public Guid InstanceId { get; set; }
        public System.Management.Automation.Runspaces.RunspaceAvailability Availability { get; set; }
        public string Transport { get; set; }
        public System.Management.Automation.Runspaces.Runspace Runspace { get; set; }
        /// Lab: the node the session is on (null for the compat session) and whether it is the compat session.
        public string LabNode { get; set; }
        public bool LabCompat { get; set; }
        public override string ToString() { return "[PSSession]" + Name; }
    }

    /// A CIM instance stand-in (Microsoft.Management.Infrastructure needs libmi, absent on Linux): its
    /// properties are note properties of the PSObject the lab's answer made; CimClass names the class.
    public class CimInstance
    {
        /// The lab's $type for it (NetFirewallRule, ScheduledTaskTrigger, ...), sent back when it is a parameter.
        public string LabType { get; set; }
        public string CimClassName { get; set; }
        public string CimNamespace { get; set; }
        public override string ToString() { return CimClassName; }
    }

    /// Makes typed objects from the lab's answers ({"$type": "ClusterNode", ...}).
    public static class LabObjects
    {
        static readonly Dictionary<string, Type> Typed = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase) {
            { "Cluster", typeof(Cluster) }, { "ClusterNode", typeof(ClusterNode) }, { "ClusterGroup", typeof(ClusterGroup) },
            { "ClusterResource", typeof(ClusterResource) }, { "ClusterResourceType", typeof(ClusterResourceType) }, { "ClusterQuorumSettings", typeof(ClusterQuorumSettings) },
            { "ClusterParameter", typeof(ClusterParameter) }, { "ClusterObject", typeof(ClusterObject) }, { "ClusterOwnerNodeList", typeof(ClusterOwnerNodeList) },
            { "ClusterNetwork", typeof(ClusterNetwork) }, { "ClusterNetworkInterface", typeof(ClusterNetworkInterface) },
            { "VirtualMachine", typeof(VirtualMachine) }, { "VMHost", typeof(VMHost) }, { "VMHostCluster", typeof(VMHostCluster) },
            { "HardDiskDrive", typeof(HardDiskDrive) }, { "VMHostSupportedVersion", typeof(VMHostSupportedVersion) },
            { "EventLogRecord", typeof(EventLogRecord) }, { "EventLogConfiguration", typeof(EventLogConfiguration) },
            { "ServiceController", typeof(ServiceController) } };

        // The real objects' type names, shown and serialized ("Deserialized.<name>") as on Windows.
        static readonly Dictionary<string, string> RealTypeName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) {
            { "EventLogRecord", "System.Diagnostics.Eventing.Reader.EventLogRecord" },
            { "EventLogConfiguration", "System.Diagnostics.Eventing.Reader.EventLogConfiguration" },
            { "ServiceController", "System.ServiceProcess.ServiceController" } };

        // CIM classes of the CDXML modules' objects: $type -> namespace/class.
        static readonly Dictionary<string, string> Cim = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) {
            { "NetFirewallRule", "root/standardcimv2/MSFT_NetFirewallRule" },
            { "NetFirewallProfile", "root/standardcimv2/MSFT_NetFirewallProfile" },
            { "NetConnectionProfile", "root/StandardCimv2/MSFT_NetConnectionProfile" },
            { "ScheduledTask", "Root/Microsoft/Windows/TaskScheduler/MSFT_ScheduledTask" },
            { "ScheduledTaskAction", "Root/Microsoft/Windows/TaskScheduler/MSFT_TaskExecAction" },
            { "ScheduledTaskTrigger", "Root/Microsoft/Windows/TaskScheduler/MSFT_TaskTimeTrigger" },
            { "ScheduledTaskPrincipal", "Root/Microsoft/Windows/TaskScheduler/MSFT_TaskPrincipal2" },
            { "ScheduledTaskSettings", "Root/Microsoft/Windows/TaskScheduler/MSFT_TaskSettings3" } };

        public static PSObject Create(object data, LabContext ctx)
        {
            PSObject source = data as PSObject ?? PSObject.AsPSObject(data);
            string kind = null;
            var typeProperty = source.Properties["$type"];
            if (typeProperty != null && typeProperty.Value != null) kind = typeProperty.Value.ToString();
            Type type;
            if (kind != null && Typed.TryGetValue(kind, out type)) return Typed_(type, kind, source, ctx);
            string cimPath;
            PSObject result;
            if (kind != null && Cim.TryGetValue(kind, out cimPath))
            {
                int slash = cimPath.LastIndexOf('/');
                var instance = new CimInstance { LabType = kind, CimNamespace = cimPath.Substring(0, slash), CimClassName = cimPath.Substring(slash + 1) };
                result = PSObject.AsPSObject(instance);
                result.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance");
                result.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance#" + instance.CimClassName);
                result.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance#" + cimPath);
            }
            else
            {
                result = new PSObject();
                if (kind != null) result.TypeNames.Insert(0, "ClusterChaos.Lab." + kind);
            }
            foreach (var p in source.Properties)
            {
                if (p.Name == "$type") continue;
                result.Properties.Add(new PSNoteProperty(p.Name, Plain(p.Value, ctx)));
            }
            return result;
        }

        static PSObject Typed_(Type type, string kind, PSObject source, LabContext ctx)
        {
            object instance = Activator.CreateInstance(type);
            var extras = new List<PSNoteProperty>();
            foreach (var p in source.Properties)
            {
                if (p.Name == "$type") continue;
                var target = type.GetProperty(p.Name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance |
                    System.Reflection.BindingFlags.IgnoreCase);
                if (target == null || !target.CanWrite) { extras.Add(new PSNoteProperty(p.Name, Plain(p.Value, ctx))); continue; }
                target.SetValue(instance, Convert(p.Value, target.PropertyType, ctx));
            }
            var live = instance as ILabLive;
            if (live != null) live.AttachLabContext(ctx);
            PSObject result = PSObject.AsPSObject(instance);
            string real;
            if (RealTypeName.TryGetValue(kind, out real)) result.TypeNames.Insert(0, real);
            foreach (var e in extras) result.Properties.Add(e);
            return result;
        }

        static object Plain(object value, LabContext ctx)
        {
            value = Unwrap(value);
            if (value is PSObject) { var ps = (PSObject)value; if (ps.Properties["$type"] != null) return Create(ps, ctx); return ps; }
            if (value is object[])
            {
                var items = (object[])value; var list = new object[items.Length];
                for (int i = 0; i < items.Length; i++) list[i] = Plain(items[i], ctx);
                return list;
            }
            return value;
        }

        static object Unwrap(object value)
        {
            var ps = value as PSObject;
            if (ps != null && !(ps.BaseObject is PSCustomObject)) return ps.BaseObject;
            return value;
        }

        public static object Convert(object value, Type target, LabContext ctx)
        {
            value = Unwrap(value);
            if (value == null) return null;
            Type underlying = Nullable.GetUnderlyingType(target) ?? target;
            if (underlying.IsEnum) return ToEnum(value, underlying);
            if (underlying == typeof(DateTime))
            {
                if (value is DateTime) return ((DateTime)value).Kind == DateTimeKind.Utc ? ((DateTime)value).ToLocalTime() : value;
                var parsed = DateTime.Parse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                return parsed.Kind == DateTimeKind.Unspecified ? parsed : parsed.ToLocalTime();
            }
            if (underlying == typeof(Guid)) return Guid.Parse(value.ToString());
            if (underlying == typeof(Version)) return Version.Parse(value.ToString());
            if (underlying == typeof(TimeSpan) && !(value is string)) return TimeSpan.FromMilliseconds(System.Convert.ToDouble(value));
            if (Typed.ContainsValue(underlying) || underlying == typeof(ClusterObject))
            {
                var ps = value as PSObject;
                if (ps != null)
                {
                    if (ps.Properties["$type"] == null) ps.Properties.Add(new PSNoteProperty("$type", underlying.Name));
                    return Create(ps, ctx).BaseObject;
                }
                // A bare name ("OwnerNode": "N2"): the object with that name.
                object named = Activator.CreateInstance(underlying);
                var nameProperty = underlying.GetProperty("Name");
                if (nameProperty != null) nameProperty.SetValue(named, value.ToString());
                var live = named as ILabLive;
                if (live != null) live.AttachLabContext(ctx);
                return named;
            }
            if (underlying == typeof(ICollection<ClusterNode>))
            {
                var nodes = new List<ClusterNode>();
                foreach (object item in AsArray(value))
                {
                    var node = Convert(item, typeof(ClusterNode), ctx) as ClusterNode;
                    if (node != null) nodes.Add(node);
                }
                return nodes;
            }
            if (underlying == typeof(IList<EventProperty>))
            {
                var list = new List<EventProperty>();
                foreach (object item in AsArray(value))
                {
                    var ps = item as PSObject;
                    object v = ps != null && ps.BaseObject is PSCustomObject && ps.Properties["Value"] != null ? ps.Properties["Value"].Value : item;
                    list.Add(new EventProperty { Value = Unwrap(v) });
                }
                return list;
            }
            if (underlying == typeof(object) || underlying == typeof(object[])) return Plain(value, ctx);
            return LanguagePrimitives.ConvertTo(value, target, CultureInfo.InvariantCulture);
        }

        static IEnumerable AsArray(object value)
        {
            if (value is object[]) return (object[])value;
            return new object[] { value };
        }

        /// Names ("Isolated, Quarantined"), numbers (a bit this module's enum does not define: a newer cluster),
        /// or an array of either, OR-ed.
        public static object ToEnum(object value, Type enumType)
        {
            value = Unwrap(value);
            if (value is object[])
            {
                ulong bits = 0;
                foreach (object item in (object[])value) bits |= System.Convert.ToUInt64(ToEnum(item, enumType) is Enum e ? UnderlyingBits(e) : 0UL);
                return Enum.ToObject(enumType, bits);
            }
            if (value is string) return Enum.Parse(enumType, (string)value, true);
            if (value is bool) return Enum.Parse(enumType, value.ToString(), true);
            if (value is double || value is decimal || value is float) return Enum.ToObject(enumType, System.Convert.ToInt64(value));
            if (value is System.Numerics.BigInteger) return Enum.ToObject(enumType, (ulong)(System.Numerics.BigInteger)value);
            return Enum.ToObject(enumType, value);
        }

        static ulong UnderlyingBits(Enum e)
        {
            Type u = Enum.GetUnderlyingType(e.GetType());
            if (u == typeof(ulong)) return System.Convert.ToUInt64(e);
            return unchecked((ulong)System.Convert.ToInt64(e));
        }
    }
}

namespace ClusterChaos.Lab
{
    using System.Management.Automation.Runspaces;

    /// Error records with the FullyQualifiedErrorId the lab (or the real cmdlet) gives, unchanged: a script
    /// function's WriteError would append ",<function name>"; a record marked as deserialized keeps its id,
    /// as records re-emitted from a remote session do.
    public static class LabErrors
    {
        static readonly System.Reflection.FieldInfo IsSerialized = typeof(ErrorRecord).GetField("_isSerialized",
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
        static readonly System.Reflection.FieldInfo SerializedId = typeof(ErrorRecord).GetField("_serializedFullyQualifiedErrorId",
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

        public static ErrorRecord Create(Exception exception, string fullyQualifiedErrorId, string category, object target)
        {
            ErrorCategory parsed;
            if (category == null || !Enum.TryParse(category, true, out parsed)) parsed = ErrorCategory.NotSpecified;
            string id = string.IsNullOrEmpty(fullyQualifiedErrorId) ? "ClusterChaosLabError" : fullyQualifiedErrorId;
            var record = new ErrorRecord(exception, id, parsed, target);
            if (IsSerialized != null && SerializedId != null) { IsSerialized.SetValue(record, true); SerializedId.SetValue(record, id); }
            return record;
        }

        public static ErrorRecord Create(string message, string fullyQualifiedErrorId, string category, object target)
        {
            return Create(new Exception(message), fullyQualifiedErrorId, category, target);
        }
    }

    /// The $using: expressions of a script block (nested blocks included), found without a PowerShell predicate
    /// per AST node (that costs ~5 ms a block).
    public static class LabAst
    {
        public static System.Management.Automation.Language.UsingExpressionAst[] Usings(System.Management.Automation.Language.Ast ast)
        {
            var found = new List<System.Management.Automation.Language.UsingExpressionAst>();
            foreach (var a in ast.FindAll(x => x is System.Management.Automation.Language.UsingExpressionAst, true))
                found.Add((System.Management.Automation.Language.UsingExpressionAst)a);
            return found.ToArray();
        }
    }

    /// What a remoting boundary makes of an object: PSSerializer at depth 1 (fragmentor.cs
    /// SerializationDepthForRemoting), so an object one level down arrives as its ToString; annotated with
    /// PSComputerName, RunspaceId and PSShowComputerName as Invoke-Command's output is.
    public static class LabRemote
    {
        public static PSObject Copy(object value, string computerName, Guid runspaceId, bool showComputerName)
        {
            if (value == null) return null;
            object copy = PSSerializer.Deserialize(PSSerializer.Serialize(value, 1));
            // A new wrapper, so that note properties stay with it even around a string or a number.
            PSObject wrapped = copy is PSObject ? (PSObject)copy : new PSObject(copy);
            wrapped.Properties.Add(new PSNoteProperty("PSComputerName", computerName));
            wrapped.Properties.Add(new PSNoteProperty("RunspaceId", runspaceId));
            wrapped.Properties.Add(new PSNoteProperty("PSShowComputerName", showComputerName));
            return wrapped;
        }
    }

    /// The request's "parameters": $PSBoundParameters as JSON-ready values.
    public static class LabRequest
    {
        static readonly HashSet<string> Common = new HashSet<string>(StringComparer.OrdinalIgnoreCase) {
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
            "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm" };

        // Objects a command takes from the pipeline are sent as their identity only.
        static readonly Dictionary<string, string[]> Identity = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase) {
            { "ScheduledTask", new[] { "TaskName", "TaskPath" } }, { "NetFirewallRule", new[] { "Name" } },
            { "NetFirewallProfile", new[] { "Name" } }, { "NetConnectionProfile", new[] { "InterfaceAlias" } } };

        public static Dictionary<string, object> Parameters(IDictionary bound)
        {
            var result = new Dictionary<string, object>();
            foreach (DictionaryEntry e in bound)
            {
                string name = e.Key.ToString();
                if (Common.Contains(name)) continue;
                result[name] = Value(e.Value, 0);
            }
            return result;
        }

        public static object Value(object value, int depth)
        {
            if (value == null) return null;
            if (depth > 8) return value.ToString();
            var ps = value as PSObject;
            if (ps != null && !(ps.BaseObject is PSCustomObject))
            {
                var cim = ps.BaseObject as CimInstance;
                if (cim != null) return FromProperties(ps, cim.LabType, depth);
                string deserialized = DeserializedType(ps);
                if (deserialized != null) return Named(deserialized, ps.Properties["Name"] == null ? null : ps.Properties["Name"].Value);
                value = ps.BaseObject;
            }
            else if (ps != null) return FromProperties(ps, null, depth);
            if (value is CimInstance)
            {
                // Bound to a typed parameter the object lost its wrapper; its note properties come back with a new one.
                return FromProperties(PSObject.AsPSObject(value), ((CimInstance)value).LabType, depth);
            }
            if (value is SwitchParameter) return ((SwitchParameter)value).IsPresent;
            if (value is string || value is bool || value is char) return value;
            if (value is DateTime) return ((DateTime)value).ToString("o", CultureInfo.InvariantCulture);
            if (value is DateTimeOffset) return ((DateTimeOffset)value).ToString("o", CultureInfo.InvariantCulture);
            if (value is Enum) return value.ToString();
            if (value is Guid || value is Version || value is Uri) return value.ToString();
            if (value is TimeSpan) return ((TimeSpan)value).ToString("c", CultureInfo.InvariantCulture);
            if (value.GetType().IsPrimitive || value is decimal) return value;
            if (value is ScriptBlock) return value.ToString();
            if (value is PSCredential) return ((PSCredential)value).UserName;
            if (value is System.Xml.XmlDocument) return ((System.Xml.XmlDocument)value).OuterXml;
            var dictionary = value as IDictionary;
            if (dictionary != null)
            {
                var d = new Dictionary<string, object>();
                foreach (DictionaryEntry e in dictionary) d[e.Key.ToString()] = Value(e.Value, depth + 1);
                return d;
            }
            var enumerable = value as IEnumerable;
            if (enumerable != null)
            {
                var list = new List<object>();
                foreach (object item in enumerable) list.Add(Value(item, depth + 1));
                return list;
            }
            var type = value.GetType();
            if (type.Namespace == "Microsoft.FailoverClusters.PowerShell" || type.Namespace == "Microsoft.HyperV.PowerShell" ||
                type.Namespace == "ClusterChaos.Lab")
            {
                var identity = new Dictionary<string, object> { { "$type", type.Name } };
                foreach (string p in new[] { "Name", "Id", "ComputerName", "ClusterName" })
                {
                    var prop = type.GetProperty(p);
                    if (prop != null) identity[p] = Value(prop.GetValue(value), depth + 1);
                }
                var cluster = type.GetProperty("Cluster");
                if (cluster != null && cluster.PropertyType.Name == "Cluster")
                {
                    object c = cluster.GetValue(value);
                    if (c != null) identity["Cluster"] = c.ToString();
                }
                return identity;
            }
            return value.ToString();
        }

        static string DeserializedType(PSObject ps)
        {
            foreach (string t in ps.TypeNames)
                if (t.StartsWith("Deserialized.", StringComparison.Ordinal))
                {
                    string full = t.Substring("Deserialized.".Length);
                    return full.Substring(full.LastIndexOf('.') + 1);
                }
            return null;
        }

        static Dictionary<string, object> Named(string type, object name)
        {
            return new Dictionary<string, object> { { "$type", type }, { "Name", name == null ? null : name.ToString() } };
        }

        static Dictionary<string, object> FromProperties(PSObject ps, string labType, int depth)
        {
            var d = new Dictionary<string, object>();
            if (labType != null) d["$type"] = labType;
            string[] keep;
            bool identityOnly = labType != null && Identity.TryGetValue(labType, out keep);
            foreach (var p in ps.Properties)
            {
                if (!(p is PSNoteProperty) && ps.BaseObject is CimInstance) continue;
                if (identityOnly && Array.IndexOf(Identity[labType], p.Name) < 0) continue;
                object v;
                try { v = p.Value; } catch { continue; }
                d[p.Name] = Value(v, depth + 1);
            }
            return d;
        }
    }
}
