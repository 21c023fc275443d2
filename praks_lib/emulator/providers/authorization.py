"""Microsoft.Authorization: role assignments at any scope, built-in role definitions, and the
permission check other providers use (:func:`has_permission`, :func:`missing_permissions`).

Azure behaviours kept:
- A role assignment is an extension resource: ``<scope>/providers/Microsoft.Authorization/
  roleAssignments/<guid>``, where the scope is a subscription, a resource group or any resource
  (a subnet, a route table). The scope must exist (``ResourceGroupNotFound`` / ``ResourceNotFound``).
- The role must be a known role definition (``RoleDefinitionDoesNotExist``), the principal must be
  in the directory (``PrincipalNotFound``), the name must be a GUID (``InvalidRoleAssignmentId``).
- The same principal, role and scope under another name: 409 ``RoleAssignmentExists``. An existing
  assignment cannot be changed (``RoleAssignmentUpdateNotPermitted``); re-sending it is a no-op.
- Listing at a scope returns the assignments at, above and below it; ``$filter=atScope()`` keeps
  those at and above, ``principalId eq '<id>'`` / ``assignedTo('<id>')`` one principal's.
- Assignments go away with their scope (a deleted group or resource), not with their principal.
- Only built-in roles exist (no custom roles); their permissions follow Azure's definitions, so
  :func:`has_permission` answers as Azure's authorization would: an assignment at a scope applies
  to everything below it, ``actions`` minus ``notActions``, ``*`` wildcards, case-insensitive.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from typing import Iterable

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import RESOURCE_NOT_FOUND, ArmError, bad_request, not_found
from praks_lib.emulator.platform.arm.resources import ArmRoutes, request_body, require_group
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.providers.msi import TENANT_ID, principal_exists

ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"
ASSIGNMENTS = "/{scope*}/providers/Microsoft.Authorization/roleAssignments"
DEFINITIONS = "/{scope*}/providers/Microsoft.Authorization/roleDefinitions"
ROOT_DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions"
# Azure stamps createdOn/updatedOn; the emulator uses one fixed instant so outputs stay stable.
STAMP = "2025-01-01T00:00:00.0000000Z"

ROLE_DEFINITION_NOT_FOUND = "The specified role definition with ID '{id}' does not exist."
PRINCIPAL_NOT_FOUND = (
    "Principal {principal} does not exist in the directory {tenant}. Check that you have the "
    "correct principal ID. If you are creating this principal and then immediately assigning a "
    "role, this error might be related to a replication delay. In this case, set the role "
    "assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See "
    "https://aka.ms/docs-principaltype"
)
ASSIGNMENT_EXISTS = (
    "The role assignment already exists. The ID of the existing role assignment is {existing}."
)
ASSIGNMENT_UPDATE_NOT_PERMITTED = (
    "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."
)
ASSIGNMENT_NOT_FOUND = "The role assignment '{name}' is not found."
INVALID_ASSIGNMENT_ID = (
    "The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."
)
PROPERTY_REQUIRED = "The request content was invalid and could not be deserialized: " \
                    "'Required property '{name}' not found in JSON.'."
INVALID_SCOPE = "The scope '{scope}' is not a subscription, resource group or resource id."
INVALID_FILTER = "Invalid $filter '{filter}' specified in the query string."

routes = ArmRoutes()


# role definitions ------------------------------------------------------------------------

@dataclass(frozen=True)
class Role:
    """A built-in role: its GUID, name, and what it permits (``actions`` minus ``not_actions``)."""

    id: str
    name: str
    description: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()

    def allows(self, action: str) -> bool:
        return any(_matches(p, action) for p in self.actions) and \
            not any(_matches(p, action) for p in self.not_actions)


@lru_cache(maxsize=1024)
def _pattern(permission: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in permission.split("*")), re.IGNORECASE)


def _matches(permission: str, action: str) -> bool:
    """Azure RBAC matching: ``*`` stands for any characters, case does not matter."""
    return _pattern(permission).fullmatch(action) is not None


# The management-plane actions every "X Contributor" role carries besides its own namespace.
_COMMON = ("Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*",
           "Microsoft.ResourceHealth/availabilityStatuses/read", "Microsoft.Resources/deployments/*",
           "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*")

BUILT_IN_ROLES: dict[str, Role] = {role.id: role for role in (
    Role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
         "Grants full access to manage all resources, including the ability to assign roles in "
         "Azure RBAC.", ("*",)),
    Role("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
         "Grants full access to manage all resources, but does not allow you to assign roles in "
         "Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
         ("*",),
         ("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
          "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
          "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
          "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
          "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
          "Microsoft.Subscription/cancel/action", "Microsoft.Subscription/enable/action")),
    Role("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader",
         "View all resources, but does not allow you to make any changes.", ("*/read",)),
    Role("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator",
         "Lets you manage user access to Azure resources.",
         ("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*")),
    Role("4d97b98b-1d4f-4787-a291-c67834d212e7", "Network Contributor",
         "Lets you manage networks, but not access to them.", ("Microsoft.Network/*", *_COMMON)),
    Role("9980e02c-c2be-4d73-94e8-173b1dc7cf3c", "Virtual Machine Contributor",
         "Create and manage virtual machines, manage disks, install and run software, reset "
         "password of the root user of the virtual machine using VM extensions, and connect to "
         "Linux virtual machine using SSH public keys. This role does not grant you management "
         "access to the virtual network or storage account the virtual machines are connected to.",
         ("Microsoft.Compute/availabilitySets/*", "Microsoft.Compute/locations/*",
          "Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/virtualMachineScaleSets/*",
          "Microsoft.Compute/cloudServices/*", "Microsoft.Compute/disks/write",
          "Microsoft.Compute/disks/read", "Microsoft.Compute/disks/delete",
          "Microsoft.DevTestLab/schedules/*",
          "Microsoft.Network/applicationGateways/backendAddressPools/join/action",
          "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
          "Microsoft.Network/loadBalancers/inboundNatPools/join/action",
          "Microsoft.Network/loadBalancers/inboundNatRules/join/action",
          "Microsoft.Network/loadBalancers/probes/join/action", "Microsoft.Network/loadBalancers/read",
          "Microsoft.Network/locations/*", "Microsoft.Network/networkInterfaces/*",
          "Microsoft.Network/networkSecurityGroups/join/action",
          "Microsoft.Network/networkSecurityGroups/read", "Microsoft.Network/publicIPAddresses/join/action",
          "Microsoft.Network/publicIPAddresses/read", "Microsoft.Network/virtualNetworks/read",
          "Microsoft.Network/virtualNetworks/subnets/join/action",
          "Microsoft.RecoveryServices/locations/*", "Microsoft.RecoveryServices/Vaults/backupFabrics/*",
          "Microsoft.RecoveryServices/Vaults/backupPolicies/read",
          "Microsoft.RecoveryServices/Vaults/read", "Microsoft.SerialConsole/*",
          "Microsoft.SqlVirtualMachine/*", "Microsoft.Storage/storageAccounts/listKeys/action",
          "Microsoft.Storage/storageAccounts/read", *_COMMON)),
    Role("b12aa53e-6015-4669-85d0-8515ebb3ae7f", "Private DNS Zone Contributor",
         "Lets you manage private DNS zone resources, but not the virtual networks they are linked "
         "to.",
         ("Microsoft.Network/privateDnsZones/*", "Microsoft.Network/privateDnsOperationResults/*",
          "Microsoft.Network/privateDnsOperationStatuses/*", "Microsoft.Network/virtualNetworks/read",
          "Microsoft.Network/virtualNetworks/join/action", *_COMMON)),
    Role("f1a07417-d97a-45cb-824c-7a7467783830", "Managed Identity Operator",
         "Read and Assign User Assigned Identity",
         ("Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
          "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", *_COMMON)),
    Role("3913510d-42f4-4e42-8a64-420c390055eb", "Monitoring Metrics Publisher",
         "Enables publishing metrics against Azure resources",
         ("Microsoft.Insights/Register/Action", "Microsoft.Support/*",
          "Microsoft.Resources/subscriptions/resourceGroups/read"),
         data_actions=("Microsoft.Insights/Metrics/Write", "Microsoft.Insights/Telemetry/Write")),
    Role("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b", "Azure Kubernetes Service RBAC Cluster Admin",
         "Lets you manage all resources in the cluster.",
         ("Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*",
          "Microsoft.Resources/deployments/write", "Microsoft.Resources/subscriptions/operationresults/read",
          "Microsoft.Resources/subscriptions/read", "Microsoft.Resources/subscriptions/resourceGroups/read",
          "Microsoft.Support/*", "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"),
         data_actions=("Microsoft.ContainerService/managedClusters/*",)),
    Role("92aaf0da-9dab-42b6-94a3-d43ce8d16293", "Log Analytics Contributor",
         "Log Analytics Contributor can read all monitoring data and edit monitoring settings. "
         "Editing monitoring settings includes adding the VM extension to VMs; reading storage "
         "account keys to be able to configure collection of logs from Azure Storage; adding "
         "solutions; and configuring Azure diagnostics on all Azure resources.",
         ("*/read", "Microsoft.ClassicCompute/virtualMachines/extensions/*",
          "Microsoft.ClassicStorage/storageAccounts/listKeys/action",
          "Microsoft.Compute/virtualMachines/extensions/*", "Microsoft.HybridCompute/machines/extensions/write",
          "Microsoft.Insights/alertRules/*", "Microsoft.Insights/diagnosticSettings/*",
          "Microsoft.OperationalInsights/*", "Microsoft.OperationsManagement/*",
          "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourcegroups/deployments/*",
          "Microsoft.Storage/storageAccounts/listKeys/action", "Microsoft.Support/*")),
)}
ROLES_BY_NAME = {role.name.lower(): role for role in BUILT_IN_ROLES.values()}


def role_definition_id(role_name: str, subscription_id: str) -> str:
    """The full id of a built-in role by name, as a role assignment names it."""
    role = ROLES_BY_NAME[role_name.lower()]
    return f"/subscriptions/{subscription_id}/providers/{DEFINITION_TYPE}/{role.id}"


def _definition_view(role: Role, subscription_id: str | None) -> dict:
    prefix = f"/subscriptions/{subscription_id}" if subscription_id else ""
    return {
        "id": f"{prefix}/providers/{DEFINITION_TYPE}/{role.id}",
        "name": role.id,
        "type": DEFINITION_TYPE,
        "properties": {
            "roleName": role.name,
            "type": "BuiltInRole",
            "description": role.description,
            "assignableScopes": ["/"],
            "permissions": [{"actions": list(role.actions), "notActions": list(role.not_actions),
                             "dataActions": list(role.data_actions), "notDataActions": []}],
        },
    }


def _definition_subscription(call: Call) -> str | None:
    """The subscription a role definition is read in (its id names it), or None at the root."""
    parts = call.params.get("scope", "").strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0].lower() == "subscriptions" else None


def _role_or_404(guid: str) -> Role:
    role = BUILT_IN_ROLES.get(guid.lower())
    if role is None:
        raise ArmError(HTTPStatus.NOT_FOUND, "RoleDefinitionDoesNotExist",
                       ROLE_DEFINITION_NOT_FOUND.format(id=guid))
    return role


@routes.get(DEFINITIONS + "/{roleDefinitionId}")
@routes.get(ROOT_DEFINITIONS + "/{roleDefinitionId}")
def get_role_definition(call: Call) -> Response:
    role = _role_or_404(call.params["roleDefinitionId"])
    return Response(HTTPStatus.OK, _definition_view(role, _definition_subscription(call)))


_ROLE_FILTER = re.compile(r"^\s*(roleName|type)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


@routes.get(DEFINITIONS)
@routes.get(ROOT_DEFINITIONS)
def list_role_definitions(call: Call) -> Response:
    """All built-in roles; ``$filter=roleName eq '<name>'`` or ``type eq 'BuiltInRole'``."""
    roles = list(BUILT_IN_ROLES.values())
    expression = call.request.query.get("$filter")
    if expression:
        found = _ROLE_FILTER.match(expression)
        if not found:
            raise bad_request("InvalidFilterInQueryString", INVALID_FILTER.format(filter=expression))
        field, value = found[1].lower(), found[2].lower()
        if field == "rolename":
            roles = [r for r in roles if r.name.lower() == value]
        elif value != "builtinrole":
            roles = []
    subscription = _definition_subscription(call)
    return Response(HTTPStatus.OK, {"value": [_definition_view(r, subscription) for r in roles]})


# scopes ----------------------------------------------------------------------------------

def normalize_scope(scope: str) -> str:
    """``/subscriptions/…`` with one leading slash and none at the end."""
    return "/" + scope.strip("/")


def within(scope: str, ancestor: str) -> bool:
    """Whether ``scope`` is ``ancestor`` or lies below it (case-insensitive, whole segments)."""
    scope, ancestor = normalize_scope(scope).lower(), normalize_scope(ancestor).lower()
    return scope == ancestor or scope.startswith(ancestor.rstrip("/") + "/")


def _require_scope(call: Call, scope: str) -> ResourceId:
    """The scope of an assignment must exist, with ARM's own 404s when it does not."""
    try:
        rid = ResourceId.parse(scope)
    except ValueError:
        raise bad_request("InvalidScope", INVALID_SCOPE.format(scope=scope)) from None
    if rid.resource_group is None:
        return rid
    require_group(call, rid)
    if rid.namespace is None:
        return rid
    if call.tx.get(str(rid.top)) is None:
        raise not_found(rid.top)
    if call.tx.get(str(rid)) is None:
        nested = "/".join(f"{t}/{n}" for t, n in zip(rid.types[1:], rid.names[1:]))
        raise ArmError(HTTPStatus.NOT_FOUND, "ResourceNotFound", RESOURCE_NOT_FOUND.format(
            type=str(rid.top.type), name=f"{rid.top.name}/{nested}", rg=rid.resource_group))
    return rid


# role assignments ------------------------------------------------------------------------

def _assignment_id(scope: str, name: str) -> str:
    return f"{scope}/providers/{ASSIGNMENT_TYPE}/{name}"


def _role_guid(role_definition_id: str) -> str:
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def _subscription_scope(scope: str) -> str:
    return "/subscriptions/" + normalize_scope(scope).split("/")[2]


def _all_assignments(tx, subscription_scope: str) -> list[dict]:
    return tx.list(ASSIGNMENT_TYPE, subscription_scope)


def _same_grant(a: dict, b: dict) -> bool:
    return (a["principalId"].lower() == b["principalId"].lower()
            and _role_guid(a["roleDefinitionId"]) == _role_guid(b["roleDefinitionId"])
            and a["scope"].lower() == b["scope"].lower())


@routes.put(ASSIGNMENTS + "/{roleAssignmentName}")
def create_role_assignment(call: Call) -> Response:
    scope, name = normalize_scope(call.params["scope"]), call.params["roleAssignmentName"]
    try:
        uuid.UUID(name)
    except ValueError:
        raise bad_request("InvalidRoleAssignmentId", INVALID_ASSIGNMENT_ID.format(name=name)) from None
    rid = _require_scope(call, scope)
    requested = request_body(call).get("properties") or {}
    for required in ("roleDefinitionId", "principalId"):
        if not requested.get(required):
            raise bad_request("InvalidRequestContent", PROPERTY_REQUIRED.format(name=required))
    guid = _role_guid(requested["roleDefinitionId"])
    if guid not in BUILT_IN_ROLES:
        raise bad_request("RoleDefinitionDoesNotExist",
                          ROLE_DEFINITION_NOT_FOUND.format(id=guid.replace("-", "")))
    principal = requested["principalId"]
    properties = {
        "roleDefinitionId": f"/subscriptions/{rid.subscription}/providers/{DEFINITION_TYPE}/{guid}",
        "principalId": principal,
        "principalType": requested.get("principalType") or "ServicePrincipal",
        "scope": scope,
        "condition": requested.get("condition"),
        "conditionVersion": requested.get("conditionVersion"),
        "description": requested.get("description"),
        "delegatedManagedIdentityResourceId": None,
        "createdOn": STAMP, "updatedOn": STAMP, "createdBy": None, "updatedBy": None,
    }
    assignment_id = _assignment_id(scope, name)
    existing = call.tx.get(assignment_id)
    if existing is not None:
        if not _same_grant(existing["properties"], properties):
            raise ArmError(HTTPStatus.CONFLICT, "RoleAssignmentUpdateNotPermitted",
                           ASSIGNMENT_UPDATE_NOT_PERMITTED)
        return Response(HTTPStatus.OK, existing)
    if not principal_exists(call.tx, principal):
        raise bad_request("PrincipalNotFound", PRINCIPAL_NOT_FOUND.format(
            principal=principal.replace("-", "").lower(), tenant=TENANT_ID))
    for other in _all_assignments(call.tx, _subscription_scope(scope)):
        if _same_grant(other["properties"], properties):
            raise ArmError(HTTPStatus.CONFLICT, "RoleAssignmentExists",
                           ASSIGNMENT_EXISTS.format(existing=other["name"].replace("-", "")))
    body = {"id": assignment_id, "name": name, "type": ASSIGNMENT_TYPE, "properties": properties}
    # Stored under the subscription, so group listings of resources never show assignments; the
    # id still lies under the scope, so deleting the scope deletes its assignments.
    call.tx.put(assignment_id, body, type=ASSIGNMENT_TYPE, scope=_subscription_scope(scope))
    return Response(HTTPStatus.CREATED, body)


@routes.get(ASSIGNMENTS + "/{roleAssignmentName}")
def get_role_assignment(call: Call) -> Response:
    name = call.params["roleAssignmentName"]
    body = call.tx.get(_assignment_id(normalize_scope(call.params["scope"]), name))
    if body is None:
        raise ArmError(HTTPStatus.NOT_FOUND, "RoleAssignmentNotFound",
                       ASSIGNMENT_NOT_FOUND.format(name=name))
    return Response(HTTPStatus.OK, body)


@routes.delete(ASSIGNMENTS + "/{roleAssignmentName}")
def delete_role_assignment(call: Call) -> Response:
    assignment_id = _assignment_id(normalize_scope(call.params["scope"]),
                                   call.params["roleAssignmentName"])
    body = call.tx.get(assignment_id)
    if body is None:
        return Response(HTTPStatus.NO_CONTENT)
    call.tx.delete_tree(assignment_id)
    return Response(HTTPStatus.OK, body)


_ASSIGNMENT_FILTER = re.compile(
    r"^(atScope\(\)|principalId\s+eq\s+'(?P<principal>[^']*)'|assignedTo\('(?P<assignee>[^']*)'\))$",
    re.IGNORECASE)


@routes.get(ASSIGNMENTS)
def list_role_assignments(call: Call) -> Response:
    """Assignments at, above and below the scope (narrowed by ``$filter``)."""
    scope = normalize_scope(call.params["scope"])
    _require_scope(call, scope)
    at_scope_only, principal = False, None
    expression = call.request.query.get("$filter")
    for clause in re.split(r"\s+and\s+", expression.strip()) if expression else []:
        found = _ASSIGNMENT_FILTER.match(clause)
        if not found:
            raise bad_request("InvalidFilterInQueryString", INVALID_FILTER.format(filter=expression))
        if found["principal"] is not None or found["assignee"] is not None:
            principal = (found["principal"] or found["assignee"]).lower()
        else:
            at_scope_only = True
    items = []
    for assignment in _all_assignments(call.tx, _subscription_scope(scope)):
        props = assignment["properties"]
        above = within(scope, props["scope"])
        if not above and (at_scope_only or not within(props["scope"], scope)):
            continue
        if principal is not None and props["principalId"].lower() != principal:
            continue
        items.append(assignment)
    return Response(HTTPStatus.OK, {"value": items})


# permission checks for other providers ---------------------------------------------------

def has_permission(tx, principal_id: str, action: str, scope: str) -> bool:
    """Whether ``principal_id`` may perform ``action`` (e.g. ``Microsoft.Network/routeTables/
    write``) on ``scope``: some role assigned to it at the scope or above allows the action."""
    for assignment in _all_assignments(tx, _subscription_scope(scope)):
        props = assignment["properties"]
        if props["principalId"].lower() != principal_id.lower() or not within(scope, props["scope"]):
            continue
        role = BUILT_IN_ROLES.get(_role_guid(props["roleDefinitionId"]))
        if role is not None and role.allows(action):
            return True
    return False


def missing_permissions(tx, principal_id: str,
                        required: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``(action, scope)`` pairs of ``required`` that ``principal_id`` lacks, in order."""
    return [(action, scope) for action, scope in required
            if not has_permission(tx, principal_id, action, scope)]


# What AKS does with a bring-your-own subnet and route table (Network Contributor grants all).
AKS_SUBNET_ACTIONS = ("Microsoft.Network/virtualNetworks/subnets/join/action",
                      "Microsoft.Network/virtualNetworks/subnets/read")
AKS_ROUTE_TABLE_ACTIONS = ("Microsoft.Network/routeTables/read", "Microsoft.Network/routeTables/write",
                           "Microsoft.Network/routeTables/join/action",
                           "Microsoft.Network/routeTables/routes/read",
                           "Microsoft.Network/routeTables/routes/write")


def missing_cluster_network_permissions(tx, principal_id: str, subnet_id: str,
                                        route_table_id: str | None) -> list[tuple[str, str]]:
    """What a cluster identity lacks on its subnet and (with userDefinedRouting) the subnet's route
    table: ``(action, scope)`` pairs, empty when the identity may create the cluster."""
    required = [(action, subnet_id) for action in AKS_SUBNET_ACTIONS]
    if route_table_id:
        required += [(action, route_table_id) for action in AKS_ROUTE_TABLE_ACTIONS]
    return missing_permissions(tx, principal_id, required)
