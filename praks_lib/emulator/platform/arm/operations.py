"""Long-running operations, and every URL an ``Azure-AsyncOperation`` or ``Location`` header names.

An operation is a row of the store: what it is about, how many polls still answer ``InProgress``
and the error it ends with, if any. Its status URL is
``/subscriptions/<sub>/providers/<namespace>/locations/<loc>/operations/<id>`` (``operationResults``
for a DELETE's ``Location``; Compute's ``Location`` is the status URL with ``monitor=true``).
Polls never carry ``Retry-After``: the SDK polls at once, and the emulator answers at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import OPERATION_NOT_FOUND, ArmError
from praks_lib.emulator.platform.arm.registry import resource_type_of
from praks_lib.emulator.platform.router import ARM_HOST, Call, Response, Routes
from praks_lib.emulator.platform.stable_ids import stable_uuid

ARM_BASE = f"https://{ARM_HOST}"
STATUS = "/subscriptions/{subscriptionId}/providers/{namespace}/locations/{location}/operations/{operationId}"
RESULT = "/subscriptions/{subscriptionId}/providers/{namespace}/locations/{location}/operationResults/{operationId}"


def management_url(call: Call, path: str, *, monitor: bool = False) -> str:
    """``https://management.azure.com<path>`` with the request's api-version (``monitor=true``
    first, as Compute writes it): what a header tells the SDK to poll."""
    query = f"?{'monitor=true&' if monitor else ''}api-version={call.request.api_version}"
    return f"{ARM_BASE}{path}{query}"


def poll_again_url(call: Call) -> str:
    """The URL of this poll, for the ``Location`` of a 202 that says: not yet, ask again."""
    return management_url(call, call.request.path, monitor=call.request.query.get("monitor") == "true")


def operation_path(subscription_id: str, namespace: str, location: str, op_id: str, *,
                   result: bool = False) -> str:
    """The path of an operation's status (or, with ``result``, of its ``operationResults``)."""
    region = location.replace(" ", "").lower()
    collection = "operationResults" if result else "operations"
    return f"/subscriptions/{subscription_id}/providers/{namespace}/locations/{region}/{collection}/{op_id}"


def record_operation(call: Call, kind: str, resource_id: str, polls: int, error: dict | None = None) -> str:
    """Store a new operation on ``resource_id``; its id, stable per resource, kind and count."""
    number = call.tx.next_number("operations")
    op_id = stable_uuid(resource_id, kind, str(number))
    call.tx.add_operation(op_id, kind, resource_id, polls, error, started=utc_timestamp())
    return op_id


def start_operation(call: Call, kind: str, rid: ResourceId, polls: int, namespace: str,
                    location: str, error: dict | None = None) -> dict[str, str]:
    """Record a PUT's or DELETE's operation; the headers that tell the SDK where to poll."""
    op_id = record_operation(call, kind, str(rid), polls, error)
    path = operation_path(call.subscription_id, namespace, location, op_id)
    headers = {"Azure-AsyncOperation": management_url(call, path)}
    if kind == "delete":
        result = operation_path(call.subscription_id, namespace, location, op_id, result=True)
        headers["Location"] = management_url(call, result)
    return headers


def advance_operation(call: Call, op_id: str) -> dict:
    """Count one poll; on the last one, settle the resource: a PUT's provisioningState, a delete's
    removal (until then the resource shows ``Deleting``, as Azure keeps it)."""
    op = call.tx.get_operation(op_id)
    if op is None:
        raise ArmError(HTTPStatus.NOT_FOUND, "OperationNotFound", OPERATION_NOT_FOUND.format(id=op_id))
    if op["polls_left"] > 0:
        call.tx.set_operation_polls(op_id, op["polls_left"] - 1)
        op["status"] = "InProgress"
        return op
    op["status"] = "Failed" if op["error"] else "Succeeded"
    call.tx.end_operation(op_id, utc_timestamp())
    op["ended"] = op["ended"] or utc_timestamp()
    body = call.tx.get(op["resource_id"])
    if op["kind"] == "delete" and body is not None and op["status"] == "Succeeded":
        resource_type = resource_type_of(body["type"])
        if resource_type is not None:
            resource_type.finish_delete(call, ResourceId.parse(body["id"]), body)
    elif body is not None:  # a PUT settles; a failed delete leaves the resource Failed
        props = body.get("properties")
        if props is not None and props.get("provisioningState") != op["status"]:
            props["provisioningState"] = op["status"]
            rid = ResourceId.parse(body["id"])
            call.tx.put(body["id"], body, type=rid.type, scope=rid.group_id,
                        parent=str(rid.parent) if rid.parent else None)
    return op


def utc_timestamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def little_endian_guid(op_id: str) -> str:
    """An operation id as AKS's status body names it: the first three groups' bytes reversed
    (``06f621c4-6642-45b6-…`` → ``c421f606-4266-b645-…``), as the recordings show."""
    return str(uuid.UUID(bytes_le=uuid.UUID(op_id).bytes))


# What an operation status body says besides its status, per resource provider (recorded):
# Microsoft.Network only the status; AKS its name and times.
STATUS_DETAILS = {"microsoft.containerservice": ("name", "startTime", "endTime")}


def operation_status(call: Call) -> Response:
    op = advance_operation(call, call.params["operationId"])
    namespace = call.request.path.split("/providers/", 1)[1].split("/", 1)[0]
    details = STATUS_DETAILS.get(namespace.lower(), ())
    body: dict[str, Any] = {}
    if "name" in details:
        body["name"] = little_endian_guid(op["id"])
    body["status"] = op["status"]
    if "startTime" in details and op["started"]:
        body["startTime"] = op["started"]
    if "endTime" in details and op["status"] != "InProgress":
        body["endTime"] = op["ended"]
    if op["status"] == "Failed":
        body["error"] = op["error"]
    return Response(HTTPStatus.OK, body)


def operation_result(call: Call) -> Response:
    """The ``Location`` of a DELETE: 202 while running, then 204 (as Microsoft.Network answers)."""
    op = advance_operation(call, call.params["operationId"])
    if op["status"] == "InProgress":
        return Response(HTTPStatus.ACCEPTED, None, {"Location": poll_again_url(call)})
    if op["status"] == "Failed":
        raise ArmError(HTTPStatus.BAD_REQUEST, op["error"]["code"], op["error"]["message"])
    return Response(HTTPStatus.NO_CONTENT)


def operation_routes() -> Routes:
    """Status endpoints for the operations that resource types start."""
    routes = Routes()
    routes.add("GET", STATUS, operation_status)
    routes.add("GET", RESULT, operation_result)
    return routes
