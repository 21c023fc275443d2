"""Delete what this deployment created — only what carries its tag — after explicit confirmation.

A resource group is deleted whole only when every resource in it carries the deployment's tag; a
group that also holds someone else's resources keeps them, and only the tagged ones inside go. The
cluster's node resource group is AKS's: it goes with the cluster.
"""
from __future__ import annotations

from dataclasses import dataclass

from azure.core.exceptions import HttpResponseError

from praks_lib.azure.ids import group_of
from praks_lib.cloud import Clients
from praks_lib.deploy.converge import read_or_none, wait_for
from praks_lib.deployment import TAG_KEY as TAG
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError

# Dependency order: what uses something is deleted before it.
_ORDER = [
    "Microsoft.ContainerService/managedClusters",
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Network/networkInterfaces",
    "Microsoft.Network/azureFirewalls",
    "Microsoft.Network/firewallPolicies",  # after the firewall that uses it; its rule collection groups go with it
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/privateEndpoints",  # with its NIC, before the registry it connects to and the VNet
    "Microsoft.ContainerRegistry/registries",  # with its cache rules
    "Microsoft.Network/privateDnsZones",  # before the VNets it is linked to
    "Microsoft.Network/virtualNetworks",  # before the route table its subnet uses
    "Microsoft.Network/routeTables",
    "Microsoft.Insights/dataCollectionRules",  # before the workspace it sends to
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
]


def _deleter(clients: Clients, resource_type: str):
    """The SDK call that deletes one resource of this type (the same call on Azure and offline)."""
    return {
        "microsoft.containerservice/managedclusters": clients.containerservice.managed_clusters.begin_delete,
        "microsoft.compute/virtualmachines": clients.compute.virtual_machines.begin_delete,
        "microsoft.network/networkinterfaces": clients.network.network_interfaces.begin_delete,
        "microsoft.network/azurefirewalls": clients.network.azure_firewalls.begin_delete,
        "microsoft.network/firewallpolicies": clients.network.firewall_policies.begin_delete,
        "microsoft.network/publicipaddresses": clients.network.public_ip_addresses.begin_delete,
        "microsoft.network/privateendpoints": clients.network.private_endpoints.begin_delete,
        "microsoft.containerregistry/registries": clients.containerregistry.registries.begin_delete,
        "microsoft.network/privatednszones": lambda group, zone: _delete_zone(clients, group, zone),
        "microsoft.network/routetables": clients.network.route_tables.begin_delete,
        "microsoft.network/virtualnetworks": clients.network.virtual_networks.begin_delete,
        "microsoft.insights/datacollectionrules": clients.monitor.data_collection_rules.delete,
        "microsoft.operationalinsights/workspaces": clients.loganalytics.workspaces.begin_delete,
        "microsoft.managedidentity/userassignedidentities": clients.msi.user_assigned_identities.delete,
    }.get(resource_type.lower())


def _delete_zone(clients: Clients, group: str, zone: str):
    """A private DNS zone goes after its VNet links (Azure keeps a zone that still has links)."""
    links = clients.privatedns.virtual_network_links
    for link in list(links.list(group, zone)):
        wait_for(links.begin_delete(group, zone, link.name), f"delete link {link.name}")
    return clients.privatedns.private_zones.begin_delete(group, zone)


def _endpoint_nic_of(clients: Clients, resource, ours: set[str]) -> bool:
    """Whether ``resource`` is the NIC of one of our private endpoints (Azure makes it untagged; it goes
    with its endpoint)."""
    if resource.type.lower() != "microsoft.network/networkinterfaces":
        return False
    nic = read_or_none(lambda: clients.network.network_interfaces.get(group_of(resource.id), resource.name))
    endpoint = getattr(nic, "private_endpoint", None) if nic is not None else None
    return endpoint is not None and (endpoint.id or "").lower() in ours


@dataclass(frozen=True)
class TeardownItem:
    action: str  # "delete group" | "delete resource" | "deleted with the cluster" | "keep (not tagged)"
    kind: str
    name: str
    resource_group: str
    resource_id: str


def _rank(item: TeardownItem) -> tuple[int, str]:
    order = [t.lower() for t in _ORDER]
    kind = item.kind.lower()
    return (order.index(kind) if kind in order else len(order)), item.resource_id.lower()


def plan_teardown(clients: Clients, dep: Deployment) -> list[TeardownItem]:
    """What teardown would do, resource by resource; nothing is changed."""
    tag_filter = f"tagName eq '{TAG}' and tagValue eq '{dep.name}'"
    groups = {g.name.lower(): g for g in clients.resource.resource_groups.list(filter=tag_filter)}
    tagged = list(clients.resource.resources.list(filter=tag_filter))
    items: list[TeardownItem] = []
    node_groups = set()
    for resource in tagged:
        if resource.type.lower() == "microsoft.containerservice/managedclusters":
            cluster = read_or_none(lambda: clients.containerservice.managed_clusters.get(
                group_of(resource.id), resource.name))
            if cluster is not None and cluster.node_resource_group:
                node_groups.add(cluster.node_resource_group)
    ours = {r.id.lower() for r in tagged}
    managed = {g.lower() for g in node_groups}
    for key, group in sorted(groups.items()):
        if key in managed:
            continue  # AKS deletes it with the cluster
        inside = list(clients.resource.resources.list_by_resource_group(group.name))
        # A resource another one of ours manages (the jumpbox's OS disk, a private endpoint's NIC) goes with it.
        foreign = [r for r in inside if (r.tags or {}).get(TAG) != dep.name
                   and (r.managed_by or "").lower() not in ours and not _endpoint_nic_of(clients, r, ours)]
        if not foreign:
            items.append(TeardownItem("delete group", "resource group", group.name, group.name, group.id))
            continue
        items += [TeardownItem("keep (not tagged)", r.type, r.name, group.name, r.id) for r in foreign]
    whole = {i.resource_group.lower() for i in items if i.action == "delete group"}
    singles = [r for r in tagged if group_of(r.id).lower() not in whole | managed]
    items += sorted((TeardownItem("delete resource", r.type, r.name, group_of(r.id), r.id) for r in singles), key=_rank)
    for node_group in sorted(node_groups):
        items.append(TeardownItem("deleted with the cluster", "resource group", node_group, node_group,
                                  f"/subscriptions/{clients.subscription_id}/resourceGroups/{node_group}"))
    return items



def teardown(clients: Clients, dep: Deployment, items: list[TeardownItem], confirm: str, echo=print) -> list[str]:
    """Delete the planned items if `confirm` is the deployment's name; returns what was deleted."""
    to_delete = [i for i in items if i.action in ("delete resource", "delete group")]
    if confirm and confirm != dep.name:  # a typo or another deployment's name: say so, scripts must see it
        raise StageError(f"Nothing deleted: confirm is '{confirm}', not this deployment's name '{dep.name}'.",
                         f"confirm with '{dep.name}' (notebook parameter confirm, or `praks teardown --confirm "
                         f"{dep.name}`), or leave it empty to only list what would be deleted", stage="99_teardown")
    if not to_delete:
        echo("Nothing to delete: no resource carries the tag "
             f"{TAG}={dep.name}.")
        return []
    if confirm != dep.name:
        echo(f"Nothing deleted. {len(to_delete)} item(s) would be deleted; to confirm, set confirm to "
             f"'{dep.name}' (notebook parameter) or run `praks teardown --confirm {dep.name}`.")
        return []
    if plan_teardown(clients, dep) != items:
        raise StageError("Nothing deleted: the resources changed since this plan was made (something was added "
                         "or removed). Make the plan again, review it, then confirm.")
    deleted = []
    # Clusters first (their node groups hold NICs in our subnets), then whole groups (the cluster's group
    # first), then the remaining resources of shared groups, users before what they use.
    singles = sorted((i for i in to_delete if i.action == "delete resource"), key=_rank)
    clusters = [i for i in singles if i.kind.lower() == _ORDER[0].lower()]
    groups = sorted((i for i in to_delete if i.action == "delete group"),
                    key=lambda i: (i.name.lower() != dep.resource_groups.kube.lower(), i.name.lower()))
    failures = []
    for item in clusters + groups + [i for i in singles if i not in clusters]:
        try:
            if item.action == "delete group":
                wait_for(clients.resource.resource_groups.begin_delete(item.name), f"delete {item.name}", echo=echo)
                deleted.append(f"resource group {item.name}")
                echo(f"deleted resource group {item.name} and everything in it")
                continue
            delete = _deleter(clients, item.kind)
            if delete is None:
                echo(f"kept {item.kind} {item.name}: praks does not create this type; delete it yourself if intended")
                continue
            result = delete(item.resource_group, item.name)
            if hasattr(result, "result"):
                wait_for(result, f"delete {item.name}", echo=echo)
        except HttpResponseError as error:  # e.g. still in use by something that is not ours
            failures.append(f"{item.kind} {item.name}: {error.message}")
            echo(f"could not delete {item.kind} {item.name}: {error.message}")
            continue
        deleted.append(f"{item.kind} {item.name}")
        echo(f"deleted {item.kind} {item.name}")
    if failures:
        raise StageError(f"Teardown incomplete: {len(deleted)} deleted, {len(failures)} left:\n  - "
                         + "\n  - ".join(failures) + "\nFree them from what uses them and run teardown again.")
    echo(f"Teardown complete: {len(deleted)} deletion(s).")
    return deleted
