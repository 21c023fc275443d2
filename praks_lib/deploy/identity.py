"""Stage 04, first half: the cluster's user-assigned identity and its least-privilege role assignments.

The walkthrough gave the identity Virtual Machine Contributor on the whole network group; AKS needs
only Network Contributor on the subnet it joins and on the route table it reads (outbound type
userDefinedRouting), and Private DNS Zone Contributor on the API server's zone when praks brings it
(deploy.api_server_dns), so that is all it gets.
"""
from __future__ import annotations

import copy
import uuid

from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.msi.models import Identity

from praks_lib.azure import facts, roles
from praks_lib.azure.ids import name_of, resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.api_server_dns import own_zone_id
from praks_lib.deploy.converge import Change, converge, require
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError

NETWORK_CONTRIBUTOR = roles.by_name("Network Contributor").id
VNET_INTEGRATION = facts.load("aks")["api_server_vnet_integration"]


def identity_id(clients: Clients, dep: Deployment) -> str:
    return resource_id(clients.subscription_id, dep.resource_groups.kube,
                       "Microsoft.ManagedIdentity/userAssignedIdentities", dep.aks.identity.name)


def ensure_cluster_identity(clients: Clients, dep: Deployment) -> Change:
    group, name = dep.resource_groups.kube, dep.aks.identity.name
    identities = clients.msi.user_assigned_identities

    def desired(current):
        identity = copy.deepcopy(current) if current else Identity(location=dep.location)
        identity.tags = {**(identity.tags or {}), **dep.tags}
        return identity

    return converge("managed identity", name, lambda: identities.get(group, name), desired,
                    lambda model: identities.create_or_update(group, name, model))


def role_grants(clients: Clients, dep: Deployment) -> list[tuple[str, str, str]]:
    """(role name, what, scope) the cluster identity needs: Network Contributor on the AKS subnet and
    (userDefinedRouting) the route table, and with API Server VNet Integration the API server subnet
    (without it the create fails); Private DNS Zone Contributor on praks's API server zone when it
    brings one. A network-isolated cluster's kubelet identity and its roles: deploy.registry."""
    group, spoke = dep.resource_groups.network, dep.network.spoke
    grants = [
        ("Network Contributor", "AKS subnet", resource_id(
            clients.subscription_id, group, "Microsoft.Network/virtualNetworks/subnets", spoke.name,
            spoke.aks_subnet.name)),
    ]
    if dep.aks.outbound_type == "userDefinedRouting":  # AKS reads and writes the route table it joins
        grants.append(("Network Contributor", "route table", resource_id(
            clients.subscription_id, group, "Microsoft.Network/routeTables", dep.route.table_name)))
    if dep.aks.api_server == "vnet_integration" and spoke.apiserver_subnet is not None:
        grants.append((VNET_INTEGRATION["cluster_identity_role"], "API server subnet", resource_id(
            clients.subscription_id, group, "Microsoft.Network/virtualNetworks/subnets", spoke.name,
            spoke.apiserver_subnet.name)))
    zone = own_zone_id(clients, dep)
    if zone is not None:
        grants.append(("Private DNS Zone Contributor", "private DNS zone", zone))
    return grants


def ensure_role_assignments(clients: Clients, dep: Deployment) -> list[Change]:
    """The cluster identity's role on each scope of role_grants; assignments are immutable."""
    identity = require(lambda: clients.msi.user_assigned_identities.get(dep.resource_groups.kube,
                                                                        dep.aks.identity.name),
                       f"managed identity {dep.aks.identity.name}", "04_private_aks (ensure_cluster_identity)")
    return [ensure_role(clients, identity.principal_id, role_name, label, scope)
            for role_name, label, scope in role_grants(clients, dep)]


def ensure_role(clients: Clients, principal_id: str, role_name: str, label: str, scope: str) -> Change:
    """One role for one principal on one scope, unless it already has it."""
    assignments = clients.authorization.role_assignments
    guid = roles.by_name(role_name).id
    what = f"{role_name} on {label} {name_of(scope)}"
    # Already granted (by praks, az or the portal, under any name): Azure refuses a duplicate.
    existing = assignments.list_for_scope(scope, filter=f"principalId eq '{principal_id}'")
    if any(a.role_definition_id.lower().endswith(guid) and a.scope.lower() == scope.lower() for a in existing):
        return Change("role assignment", what, "unchanged")
    # A stable name: the same principal, role and scope always get the same assignment name.
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope.lower()}|{guid}|{principal_id}"))
    role = f"/subscriptions/{clients.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    try:
        assignments.create(scope, name, RoleAssignmentCreateParameters(
            role_definition_id=role, principal_id=principal_id, principal_type="ServicePrincipal"))
    except HttpResponseError as error:
        if error.error is not None and error.error.code == "RoleAssignmentExists":
            # granted meanwhile under another name (another run, az, the portal): what we wanted holds
            return Change("role assignment", what, "unchanged")
        raise StageError(f"Azure refused to create role assignment {what} (scope {scope}): {error.message}",
                         "re-run 04_private_aks: an error 500 or 503 is on Azure's side and usually passes; "
                         "a 403 means you may not assign roles on that scope (Owner or User Access "
                         "Administrator may)", stage="04_private_aks") from error
    return Change("role assignment", what, "created")
