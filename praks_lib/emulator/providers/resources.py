"""Microsoft.Resources: resource groups (create, get, check, list, cascading delete) and the
generic resource listings teardown uses.

Resource groups do not follow the provider pattern of :class:`ResourceType`: their PUT is
synchronous (200/201, no operation), and their DELETE is an ARM job answered with
``202 Accepted`` + ``Location`` (``/subscriptions/<sub>/operationresults/<job>``), polled until
200, that deletes everything inside the group.
"""

from __future__ import annotations

import base64
import re
from http import HTTPStatus

from praks_lib.azure import regions
from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import LOCATION_REQUIRED, ArmError, answer, bad_request
from praks_lib.emulator.platform.arm.operations import advance_operation, management_url, poll_again_url, utc_timestamp
from praks_lib.emulator.platform.arm.registry import resource_type_of
from praks_lib.emulator.platform.arm.resources import ArmRoutes, request_body, require_group
from praks_lib.emulator.platform.faults import take_operation_fault
from praks_lib.emulator.platform.router import Call, Response

GROUP_TYPE = "Microsoft.Resources/resourceGroups"
GROUP = "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}"
GROUP_NAME = re.compile(r"^[-\w.()]{1,90}(?<!\.)$")

INVALID_GROUP_NAME = (
    "Resource group '{name}' is invalid. It must be 1-90 characters of letters, digits, "
    "underscores, hyphens, periods and parentheses, and must not end with a period."
)
INVALID_GROUP_LOCATION = (
    "Invalid resource group location '{new}'. The Resource group already exists in location "
    "'{old}'."
)
INVALID_FILTER = "Invalid $filter '{filter}' specified in the query string."
TAG_FILTER = re.compile(
    r"^\s*tagName\s+eq\s+'(?P<name>[^']*)'(\s+and\s+tagValue\s+eq\s+'(?P<value>[^']*)')?\s*$",
    re.IGNORECASE,
)

routes = ArmRoutes()


def group_id(call: Call) -> ResourceId:
    return ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"])


@routes.put(GROUP)
def create_or_update_group(call: Call) -> Response:
    rid = group_id(call)
    if not GROUP_NAME.match(rid.resource_group):
        raise bad_request("InvalidResourceGroup", INVALID_GROUP_NAME.format(name=rid.resource_group))
    request = request_body(call)
    if not request.get("location"):
        raise bad_request("LocationRequired", LOCATION_REQUIRED)
    location = regions.canonical(request["location"])
    if location is None:
        raise answer(regions.not_available(request["location"]))
    existing = call.tx.get(rid.group_id)
    if existing and existing["location"] != location:
        raise ArmError(HTTPStatus.CONFLICT, "InvalidResourceGroupLocation",
                       INVALID_GROUP_LOCATION.format(new=request["location"],
                                                     old=existing["location"]))
    group = {
        "id": existing["id"] if existing else rid.group_id,
        "name": existing["name"] if existing else rid.resource_group,
        "type": GROUP_TYPE,
        "location": location,  # a display name is stored as the programmatic name
        "properties": {"provisioningState": "Succeeded"},
    }
    for optional in ("tags", "managedBy"):
        if optional in request:
            group[optional] = request[optional]
    if group != existing:
        call.tx.put(rid.group_id, group, type=GROUP_TYPE, scope=f"/subscriptions/{rid.subscription}")
    return Response(HTTPStatus.OK if existing else HTTPStatus.CREATED, group)


@routes.get(GROUP)
def get_group(call: Call) -> Response:
    return Response(HTTPStatus.OK, require_group(call, group_id(call)))


@routes.head(GROUP)
def check_group(call: Call) -> Response:
    exists = call.tx.get(group_id(call).group_id) is not None
    return Response(HTTPStatus.NO_CONTENT if exists else HTTPStatus.NOT_FOUND)


@routes.get("/subscriptions/{subscriptionId}/resourcegroups")
def list_groups(call: Call) -> Response:
    groups = call.tx.list(GROUP_TYPE, f"/subscriptions/{call.params['subscriptionId']}")
    return Response(HTTPStatus.OK, {"value": tag_filtered(call, groups)})


@routes.delete(GROUP)
def delete_group(call: Call) -> Response:
    """Delete the group and everything in it; the SDK polls the returned job until it is done."""
    rid = group_id(call)
    group = require_group(call, rid)
    contents = arm_resources(call.tx.in_scope(rid.group_id))
    call.tx.delete_scope(rid.group_id)
    call.tx.delete_tree(rid.group_id)
    for resource in contents:
        resource_type = resource_type_of(resource["type"])
        if resource_type is not None:
            resource_type.after_delete(call, ResourceId.parse(resource["id"]), resource)
    number = call.tx.next_number("operations")
    job = f"RESOURCEGROUPDELETIONJOB-{group['name'].upper()}-{group['location'].upper()}-{number}"
    job_id = base64.urlsafe_b64encode(job.encode()).decode().rstrip("=")
    call.tx.add_operation(job_id, "delete", rid.group_id, 0, take_operation_fault(call), started=utc_timestamp())
    location = management_url(call, f"/subscriptions/{call.params['subscriptionId']}/operationresults/{job_id}")
    return Response(HTTPStatus.ACCEPTED, None, {"Location": location})


@routes.get("/subscriptions/{subscriptionId}/operationresults/{operationId}")
def group_deletion_job(call: Call) -> Response:
    op = advance_operation(call, call.params["operationId"])
    if op["status"] == "InProgress":
        return Response(HTTPStatus.ACCEPTED, None,
                        {"Location": poll_again_url(call)})
    if op["status"] == "Failed":
        raise ArmError(HTTPStatus.CONFLICT, op["error"]["code"], op["error"]["message"])
    return Response(HTTPStatus.OK)


@routes.get(GROUP + "/resources")
def list_group_resources(call: Call) -> Response:
    group = require_group(call, group_id(call))
    return Response(HTTPStatus.OK, {"value": generic_view(call, call.tx.in_scope(group["id"]))})


@routes.get("/subscriptions/{subscriptionId}/resources")
def list_subscription_resources(call: Call) -> Response:
    subscription = f"/subscriptions/{call.params['subscriptionId']}"
    groups = call.tx.list(GROUP_TYPE, subscription)
    resources = [r for g in groups for r in call.tx.in_scope(g["id"])]
    return Response(HTTPStatus.OK, {"value": generic_view(call, resources)})


def arm_resources(records: list[dict]) -> list[dict]:
    """The stored records that are ARM resources: a run command's result, kept beside its cluster,
    carries Azure's bare command id and no type, and is neither listed nor cascaded like a resource."""
    return [r for r in records if "type" in r and r.get("id", "").lower().startswith("/subscriptions/")]


def generic_view(call: Call, resources: list[dict]) -> list[dict]:
    """The GenericResource shape: top-level resources only, as ARM lists them."""
    top_level = [r for r in arm_resources(resources) if ResourceId.parse(r["id"]).parent is None]
    keys = ("id", "name", "type", "location", "tags", "sku", "kind", "managedBy", "identity", "zones")
    return tag_filtered(call, [{k: r[k] for k in keys if k in r} for r in top_level])


def tag_filtered(call: Call, items: list[dict]) -> list[dict]:
    """Apply ``$filter=tagName eq '<name>' [and tagValue eq '<value>']`` as ARM does."""
    expression = call.request.query.get("$filter")
    if not expression:
        return items
    found = TAG_FILTER.match(expression)
    if not found:
        raise bad_request("InvalidFilterInQueryString", INVALID_FILTER.format(filter=expression))
    name, value = found["name"].lower(), found["value"]
    matching = []
    for item in items:
        tags = {k.lower(): v for k, v in (item.get("tags") or {}).items()}
        if name in tags and (value is None or tags[name] == value):
            matching.append(item)
    return matching
