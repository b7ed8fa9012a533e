import type { ClusterDescription, ClusterNetworkDescription } from './records.js';

/**
 * The cluster networks of a description, and what each carries. Read by the simulator (which network a cut
 * silences, which one a live migration takes), by the checker (whether a cut isolates its node) and by the fault
 * catalogue (which network `isolate-network`'s `network:` names).
 *
 * - Heartbeats and the other intra-cluster traffic go over every network whose Role is ClusterOnly (1) or
 *   ClusterAndClient (3); a network of Role None (0) is "not used by the cluster" [NET-ROLE]. The cluster network
 *   driver (NetFT) keeps a route to each node over each of them and fails over between them, so that one NIC or
 *   network lost costs no membership: at least two networks for cluster communication is the validated best
 *   practice [NETFT]. A node is cut off from a peer only when every network that carries heartbeats between them
 *   is lost (SameSubnetThreshold counts missed heartbeats per route [MSDN-SST]).
 * - A live migration's connection is set up over the first network of the preference order over which it can be
 *   set up ("the system will attempt to create the network connection starting with the first network … and stop
 *   when it could successfully set up the data connection" [MIGNETORDER]); networks outside the order are
 *   excluded (MigrationExcludeNetworks [SMBBW]).
 *
 * Sources: [NET-ROLE] https://learn.microsoft.com/windows/win32/api/clusapi/ne-clusapi-cluster_network_role and
 * https://learn.microsoft.com/previous-versions/windows/desktop/mscs/networks-role ("If this network is the only one
 * used for internal cluster communication, the Role property may not be changed to ClusterNetworkRoleNone");
 * [NETFT] https://learn.microsoft.com/archive/blogs/askcore/what-is-a-microsoft-failover-cluster-virtual-adapter-anyway;
 * [MSDN-SST] https://learn.microsoft.com/previous-versions/windows/desktop/mscs/clusters-samesubnetthreshold;
 * [MIGNETORDER] https://learn.microsoft.com/previous-versions/windows/desktop/mscs/virtual-machines-migrationnetworkorder.
 */

export const NETWORK_ROLES = ['ClusterAndClient', 'ClusterOnly', 'None'] as const;

/** A description without networks: one network that carries everything (descriptions before issue 14). */
export const defaultClusterNetworks: readonly ClusterNetworkDescription[] = [{ name: 'Cluster Network 1', role: 'ClusterAndClient', liveMigration: 1 }];

/** The cluster's networks: those described, or the one default network. */
export function networksOf(cluster: Pick<ClusterDescription, 'networks'>): readonly ClusterNetworkDescription[] {
  return cluster.networks?.length ? cluster.networks : defaultClusterNetworks;
}

/** Whether the network carries heartbeats (intra-cluster communication): Role 1 or 3 [NET-ROLE]. */
export function carriesHeartbeats(network: ClusterNetworkDescription): boolean {
  return network.role !== 'None';
}

/** The networks live migrations may use, first preference first [MIGNETORDER]. */
export function liveMigrationOrder(cluster: Pick<ClusterDescription, 'networks'>): ClusterNetworkDescription[] {
  return networksOf(cluster)
    .filter((n) => n.liveMigration !== undefined)
    .sort((a, b) => a.liveMigration! - b.liveMigration!);
}

/**
 * The networks `isolate-network`'s `network:` names: the network of that name, else every network of that Role.
 * Undefined: none matches.
 */
export function resolveNetworks(cluster: Pick<ClusterDescription, 'networks'>, nameOrRole: string): string[] | undefined {
  const all = networksOf(cluster);
  const byName = all.find((n) => n.name === nameOrRole);
  if (byName) return [byName.name];
  const byRole = all.filter((n) => n.role === nameOrRole);
  return byRole.length ? byRole.map((n) => n.name) : undefined;
}

/** How a person reads the cluster's networks in a message: `LM (ClusterOnly), Mgmt (ClusterAndClient)`. */
export function describeNetworks(cluster: Pick<ClusterDescription, 'networks'>): string {
  return networksOf(cluster)
    .map((n) => `${n.name} (${n.role})`)
    .join(', ');
}

/** Whether heartbeats still pass between two nodes when `lost` networks are cut between them. */
export function heartbeatsSurvive(cluster: Pick<ClusterDescription, 'networks'>, lost: readonly string[]): boolean {
  return networksOf(cluster).some((n) => carriesHeartbeats(n) && !lost.includes(n.name));
}
