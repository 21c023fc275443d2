"""Microsoft.Authorization's HTTP handlers: role assignments at any scope, built-in role definitions.

The behaviours kept are listed in the package docstring (:mod:`praks_lib.emulator.providers.authorization`).
"""

from __future__ import annotations

import re
import uuid
from http import HTTPStatus

from praks_lib.azure.ids import ResourceId
from praks_lib.azure.roles import BUILT_IN_ROLES, Role, role_guid
from praks_lib.emulator.platform.arm.errors import RESOURCE_NOT_FOUND, ArmError, bad_request, not_found
from praks_lib.emulator.platform.arm.resources import ArmRoutes, request_body, require_group
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.providers.authorization.permissions import (
    ASSIGNMENT_TYPE,
    assignments_in,
    normalize_scope,
    subscription_scope,
    within,
)
from praks_lib.emulator.providers.msi import TENANT_ID, principal_exists

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


def _same_grant(a: dict, b: dict) -> bool:
    return (a["principalId"].lower() == b["principalId"].lower()
            and role_guid(a["roleDefinitionId"]) == role_guid(b["roleDefinitionId"])
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
    guid = role_guid(requested["roleDefinitionId"])
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
    for other in assignments_in(call.tx, scope):
        if _same_grant(other["properties"], properties):
            raise ArmError(HTTPStatus.CONFLICT, "RoleAssignmentExists",
                           ASSIGNMENT_EXISTS.format(existing=other["name"].replace("-", "")))
    body = {"id": assignment_id, "name": name, "type": ASSIGNMENT_TYPE, "properties": properties}
    # Stored under the subscription, so group listings of resources never show assignments; the
    # id still lies under the scope, so deleting the scope deletes its assignments.
    call.tx.put(assignment_id, body, type=ASSIGNMENT_TYPE, scope=subscription_scope(scope))
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
    for assignment in assignments_in(call.tx, scope):
        props = assignment["properties"]
        above = within(scope, props["scope"])
        if not above and (at_scope_only or not within(props["scope"], scope)):
            continue
        if principal is not None and props["principalId"].lower() != principal:
            continue
        items.append(assignment)
    return Response(HTTPStatus.OK, {"value": items})
