"""Azure Resource Manager conventions, in one place, for every provider.

- Resource ids: :class:`ResourceId` parses and builds them; stored keys are lower-cased, names
  keep the casing of the request that created them.
- Errors: raise :class:`ArmError`; the transport answers ``{"error": {"code", "message"}}``.
- Create-or-update: PUT answers 201 on create and 200 on update; re-PUT of the same body changes
  nothing (same etag). GET answers the resource, LIST ``{"value": [...]}``, DELETE of a missing
  resource 204.
- Long-running operations: a PUT/DELETE of a :class:`ResourceType` with ``long_running`` answers
  with an ``Azure-AsyncOperation`` header (and ``Location`` on DELETE) pointing at
  ``/subscriptions/<sub>/providers/<namespace>/locations/<loc>/operations/<id>``. Each poll answers
  ``{"status": "InProgress"}`` until the type's ``polls`` are used up, then ``Succeeded`` (or
  ``Failed`` with an error). Polls never carry ``Retry-After``. While in progress the resource shows
  ``provisioningState`` = ``in_progress_state``.
- Deterministic values: :func:`stable_uuid` derives GUIDs, etags and addresses from resource ids,
  so notebook outputs stay the same from run to run.

Adding a resource type: subclass :class:`ResourceType`, set ``type`` (and ``polls`` etc.),
override :meth:`ResourceType.build` (validate the request, return the body to store) and, if
needed, :meth:`ResourceType.view` / :meth:`ResourceType.before_delete`; then
``routes.resource(MyType())`` on the provider's :class:`ArmRoutes`.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from praks_lib.emulator.platform.faults import take_operation_fault
from praks_lib.emulator.platform.router import ARM_HOST, Call, Response, Routes

ARM_BASE = f"https://{ARM_HOST}"
EMULATOR_NAMESPACE = uuid.UUID("5f0b7a52-2c55-4a36-9a0e-0d1f9b5c7a11")

# ARM's own messages (resource-provider messages live in the provider modules).
RESOURCE_GROUP_NOT_FOUND = "Resource group '{name}' could not be found."
RESOURCE_NOT_FOUND = (
    "The Resource '{type}/{name}' under resource group '{rg}' was not found. "
    "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
)
CHILD_RESOURCE_NOT_FOUND = "Resource {id} not found."
LOCATION_REQUIRED = "The location property is required for this definition."
INVALID_REQUEST_CONTENT = "The request content was invalid and could not be deserialized: '{detail}'."
INVALID_RESOURCE_REFERENCE = (
    "Resource {referenced} referenced by resource {referrer} was not found. Please make sure that "
    "the referenced resource exists, and that both resources are in the same region."
)
OPERATION_NOT_FOUND = "The operation '{id}' could not be found."

SERVER_OWNED = ("provisioningState", "resourceGuid")


class ArmError(Exception):
    """An ARM error response: HTTP status, Azure error code and message (and optional details)."""

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def response(self) -> Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return Response(self.status, {"error": error}, dict(self.headers))


def bad_request(code: str, message: str) -> ArmError:
    return ArmError(HTTPStatus.BAD_REQUEST, code, message)


def stable_uuid(*parts: str) -> str:
    """A GUID that depends only on ``parts`` (case-insensitive), e.g. a resource's id."""
    return str(uuid.uuid5(EMULATOR_NAMESPACE, "|".join(p.lower() for p in parts)))


# resource ids ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceId:
    """``/subscriptions/<s>/resourceGroups/<rg>/providers/<ns>/<type>/<name>[/<type>/<name>…]``."""

    subscription: str
    resource_group: str | None = None
    namespace: str | None = None
    types: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, resource_id: str) -> "ResourceId":
        parts = resource_id.strip("/").split("/")
        if len(parts) < 2 or parts[0].lower() != "subscriptions":
            raise ValueError(f"not an ARM resource id: {resource_id!r}")
        subscription, rest = parts[1], parts[2:]
        group = None
        if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
            group, rest = rest[1], rest[2:]
        if not rest:
            return cls(subscription, group)
        if rest[0].lower() != "providers" or len(rest) < 4 or len(rest) % 2:
            raise ValueError(f"not an ARM resource id: {resource_id!r}")
        namespace, pairs = rest[1], rest[2:]
        return cls(subscription, group, namespace, tuple(pairs[0::2]), tuple(pairs[1::2]))

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else self.resource_group

    @property
    def type(self) -> str:
        """Full type, e.g. ``Microsoft.Network/virtualNetworks/subnets``."""
        if not self.namespace:
            return "Microsoft.Resources/resourceGroups"
        return "/".join((self.namespace, *self.types))

    @property
    def group_id(self) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"

    @property
    def parent(self) -> "ResourceId | None":
        """The enclosing resource of a child resource (a subnet's virtual network)."""
        if len(self.names) < 2:
            return None
        return ResourceId(self.subscription, self.resource_group, self.namespace,
                          self.types[:-1], self.names[:-1])

    @property
    def top(self) -> "ResourceId":
        """The top-level resource (the virtual network of a subnet)."""
        return ResourceId(self.subscription, self.resource_group, self.namespace,
                          self.types[:1], self.names[:1])

    def child(self, type: str, name: str) -> "ResourceId":
        return ResourceId(self.subscription, self.resource_group, self.namespace,
                          (*self.types, type), (*self.names, name))

    def __str__(self) -> str:
        if not self.namespace:
            return self.group_id
        pairs = "/".join(f"{t}/{n}" for t, n in zip(self.types, self.names))
        return f"{self.group_id}/providers/{self.namespace}/{pairs}"


def same_id(a: str | None, b: str | None) -> bool:
    return (a or "").lower() == (b or "").lower()


# shared lookups --------------------------------------------------------------------------


def require_group(call: Call, rid: ResourceId) -> dict:
    group = call.tx.get(rid.group_id)
    if group is None:
        raise ArmError(HTTPStatus.NOT_FOUND, "ResourceGroupNotFound",
                       RESOURCE_GROUP_NOT_FOUND.format(name=rid.resource_group))
    return group


def not_found(rid: ResourceId) -> ArmError:
    """ARM's 404 for a top-level resource; the resource provider's own 404 for a child resource."""
    if rid.parent is not None:
        return ArmError(HTTPStatus.NOT_FOUND, "NotFound", CHILD_RESOURCE_NOT_FOUND.format(id=rid))
    return ArmError(HTTPStatus.NOT_FOUND, "ResourceNotFound", RESOURCE_NOT_FOUND.format(
        type=rid.type, name=rid.name, rg=rid.resource_group))


def require(call: Call, rid: ResourceId) -> dict:
    """The stored resource, or ARM's 404 (``ResourceGroupNotFound`` first, as ARM checks it first)."""
    require_group(call, rid)
    body = call.tx.get(str(rid))
    if body is None:
        raise not_found(rid)
    return body


def etag_of(body: dict) -> str:
    """A weak etag that changes exactly when the resource's content changes."""
    content = {k: v for k, v in body.items() if k != "etag"}
    props = dict(content.get("properties") or {})
    props.pop("provisioningState", None)
    content["properties"] = props
    return f'W/"{stable_uuid(json.dumps(content, sort_keys=True))}"'


def request_body(call: Call) -> dict:
    body = call.request.body
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise bad_request("InvalidRequestContent",
                          INVALID_REQUEST_CONTENT.format(detail="expected a JSON object"))
    return copy.deepcopy(body)


def location_of(call: Call, rid: ResourceId) -> str:
    """The region of a resource (a child resource lives in its top-level resource's region)."""
    top = call.tx.get(str(rid.top)) if rid.namespace else call.tx.get(rid.group_id)
    return (top or {}).get("location", "global")


# long-running operations -----------------------------------------------------------------


def start_operation(call: Call, kind: str, rid: ResourceId, polls: int, namespace: str,
                    location: str, error: dict | None = None) -> dict[str, str]:
    """Record an operation and return the headers that tell the SDK where to poll."""
    number = call.tx.next_number("operations")
    op_id = stable_uuid(str(rid), kind, str(number))
    call.tx.add_operation(op_id, kind, str(rid), polls, error)
    location = location.replace(" ", "").lower()
    base = f"{ARM_BASE}/subscriptions/{call.subscription_id}/providers/{namespace}/locations/{location}"
    query = f"?api-version={call.request.api_version}"
    headers = {"Azure-AsyncOperation": f"{base}/operations/{op_id}{query}"}
    if kind == "delete":
        headers["Location"] = f"{base}/operationResults/{op_id}{query}"
    return headers


def advance_operation(call: Call, op_id: str) -> dict:
    """Count one poll; on the last one, settle the resource's provisioningState."""
    op = call.tx.get_operation(op_id)
    if op is None:
        raise ArmError(HTTPStatus.NOT_FOUND, "OperationNotFound", OPERATION_NOT_FOUND.format(id=op_id))
    if op["polls_left"] > 0:
        call.tx.set_operation_polls(op_id, op["polls_left"] - 1)
        op["status"] = "InProgress"
        return op
    op["status"] = "Failed" if op["error"] else "Succeeded"
    if op["kind"] == "put":
        body = call.tx.get(op["resource_id"])
        props = (body or {}).get("properties")
        if props is not None and props.get("provisioningState") != op["status"]:
            props["provisioningState"] = op["status"]
            rid = ResourceId.parse(body["id"])
            call.tx.put(body["id"], body, type=rid.type, scope=rid.group_id,
                        parent=str(rid.parent) if rid.parent else None)
    return op


def operation_status(call: Call) -> Response:
    op = advance_operation(call, call.params["operationId"])
    body: dict[str, Any] = {"status": op["status"]}
    if op["status"] == "Failed":
        body["error"] = op["error"]
    return Response(HTTPStatus.OK, body)


def operation_result(call: Call) -> Response:
    """The ``Location`` of a DELETE: 202 while running, then 204 (as Microsoft.Network answers)."""
    op = advance_operation(call, call.params["operationId"])
    if op["status"] == "InProgress":
        return Response(HTTPStatus.ACCEPTED, None, {"Location": _same_url(call)})
    if op["status"] == "Failed":
        raise ArmError(HTTPStatus.BAD_REQUEST, op["error"]["code"], op["error"]["message"])
    return Response(HTTPStatus.NO_CONTENT)


def _same_url(call: Call) -> str:
    return f"{ARM_BASE}{call.request.path}?api-version={call.request.api_version}"


# resource types --------------------------------------------------------------------------


class ResourceType:
    """One ARM resource type. Subclass, set the class attributes, override the hooks.

    ``type`` is the full type (``Microsoft.Network/virtualNetworks/subnets`` for a child type).
    The generic handlers below do the ARM part (ids, 404s, 200/201, etags, operations); the hooks
    hold what is specific to the type.
    """

    type: str = ""
    location_required: bool = True      # False for child resources (they live in the parent)
    long_running: bool = True           # answer PUT/DELETE with Azure-AsyncOperation
    polls: int = 0                      # InProgress answers before the operation succeeds
    in_progress_state: str = "Updating"
    has_etag: bool = True

    # hooks -------------------------------------------------------------------------------

    def build(self, call: Call, rid: ResourceId, request: dict, existing: dict | None) -> dict:
        """Validate the request body and return the resource to store (before ARM fields)."""
        return request

    def view(self, call: Call, stored: dict) -> dict:
        """The resource as GET answers it (e.g. with child resources inlined)."""
        return stored

    def before_delete(self, call: Call, rid: ResourceId, stored: dict) -> None:
        """Refuse a delete (raise ArmError) or update resources that refer to this one."""

    def after_write(self, call: Call, rid: ResourceId, stored: dict, request: dict) -> None:
        """Store child resources given inline in ``request``, update resources that refer to this
        one. Runs on every PUT, changed or not, so it must be idempotent."""

    def after_delete(self, call: Call, rid: ResourceId, stored: dict) -> None:
        """Update resources that referred to this one (also run by a resource group's delete)."""

    # derived names -----------------------------------------------------------------------

    @property
    def namespace(self) -> str:
        return self.type.split("/")[0]

    @property
    def type_segments(self) -> list[str]:
        return self.type.split("/")[1:]

    def templates(self) -> tuple[str, str, str | None]:
        """(item template, list-in-parent template, subscription-wide list template or None)."""
        path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
        path += self.namespace
        for depth, segment in enumerate(self.type_segments):
            path += f"/{segment}/{{name{depth}}}"
        collection = path.rsplit("/", 1)[0]
        top_level = len(self.type_segments) == 1
        subscription_list = (
            f"/subscriptions/{{subscriptionId}}/providers/{self.type}" if top_level else None
        )
        return path, collection, subscription_list

    # generic handlers --------------------------------------------------------------------

    def resource_id(self, call: Call) -> ResourceId:
        names = tuple(call.params[f"name{i}"] for i in range(len(self.type_segments)))
        return ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"],
                          self.namespace, tuple(self.type_segments), names)

    def store(self, call: Call, rid: ResourceId, body: dict) -> None:
        call.tx.put(str(rid), body, type=self.type, scope=rid.group_id,
                    parent=str(rid.parent) if rid.parent else None)

    def handle_put(self, call: Call) -> Response:
        rid = self.resource_id(call)
        require_group(call, rid)
        if rid.parent is not None and call.tx.get(str(rid.parent)) is None:
            raise not_found(rid.parent)
        request = request_body(call)
        if self.location_required and not request.get("location"):
            raise bad_request("LocationRequired", LOCATION_REQUIRED)
        existing = call.tx.get(str(rid))
        body = self.make(call, rid, request, existing)
        headers: dict[str, str] = {}
        if self.long_running:
            changed = existing is None or _content(existing) != _content(body)
            fault = take_operation_fault(call)
            polls = self.polls if changed else 0
            if polls or fault:
                body["properties"]["provisioningState"] = self.in_progress_state
            location = body.get("location") or location_of(call, rid)
            headers = start_operation(call, "put", rid, polls, self.namespace, location, fault)
        if body != existing:
            self.store(call, rid, body)
        self.after_write(call, rid, body, request)
        status = HTTPStatus.CREATED if existing is None else HTTPStatus.OK
        return Response(status, self.view(call, call.tx.get(str(rid))), headers)

    def make(self, call: Call, rid: ResourceId, request: dict, existing: dict | None) -> dict:
        """The resource to store for a create-or-update request: :meth:`build` + ARM's fields."""
        return self.with_arm_fields(rid, self.build(call, rid, copy.deepcopy(request), existing),
                                    existing)

    def with_arm_fields(self, rid: ResourceId, body: dict, existing: dict | None) -> dict:
        """Put id, name, type, tags and provisioningState where ARM puts them."""
        resource = {"id": str(rid) if existing is None else existing["id"], "name": rid.name,
                    "type": self.type}
        if self.location_required:
            resource["location"] = body.pop("location")
        for key, value in body.items():
            if key not in ("id", "name", "type", "etag"):
                resource[key] = value
        properties = resource.setdefault("properties", {})
        properties["provisioningState"] = "Succeeded"
        if self.has_etag:
            resource["etag"] = etag_of(resource)
        return resource

    def handle_get(self, call: Call) -> Response:
        rid = self.resource_id(call)
        return Response(HTTPStatus.OK, self.view(call, require(call, rid)))

    def handle_list(self, call: Call) -> Response:
        params = dict(call.params)
        params[f"name{len(self.type_segments) - 1}"] = "_"
        rid = self.resource_id(Call(call.request, params, call.tx, call.subscription_id))
        require_group(call, rid)
        if rid.parent is not None:
            require(call, rid.parent)
            items = call.tx.children(str(rid.parent), self.type)
        else:
            items = call.tx.list(self.type, rid.group_id)
        return Response(HTTPStatus.OK, {"value": [self.view(call, item) for item in items]})

    def handle_list_all(self, call: Call) -> Response:
        items = call.tx.list(self.type, f"/subscriptions/{call.params['subscriptionId']}")
        return Response(HTTPStatus.OK, {"value": [self.view(call, item) for item in items]})

    def handle_delete(self, call: Call) -> Response:
        rid = self.resource_id(call)
        require_group(call, rid)
        stored = call.tx.get(str(rid))
        if stored is None:
            return Response(HTTPStatus.NO_CONTENT)
        self.before_delete(call, rid, stored)
        location = stored.get("location") or location_of(call, rid)
        call.tx.delete_tree(str(rid))
        self.after_delete(call, rid, stored)
        if not self.long_running:
            return Response(HTTPStatus.OK)
        headers = start_operation(call, "delete", rid, self.polls, self.namespace, location,
                                  take_operation_fault(call))
        return Response(HTTPStatus.ACCEPTED, None, headers)


def _content(body: dict) -> dict:
    content = copy.deepcopy(body)
    content.get("properties", {}).pop("provisioningState", None)
    return content


RESOURCE_TYPES: dict[str, ResourceType] = {}


def resource_type_of(type: str) -> ResourceType | None:
    """The registered :class:`ResourceType` for a full type name (any casing)."""
    return RESOURCE_TYPES.get(type.lower())


class ArmRoutes(Routes):
    """Routes for ARM (management.azure.com), plus :meth:`resource` for a whole resource type."""

    def resource(self, resource_type: ResourceType) -> ResourceType:
        RESOURCE_TYPES[resource_type.type.lower()] = resource_type
        item, collection, subscription_list = resource_type.templates()
        self.add("PUT", item, resource_type.handle_put)
        self.add("GET", item, resource_type.handle_get)
        self.add("DELETE", item, resource_type.handle_delete)
        self.add("GET", collection, resource_type.handle_list)
        if subscription_list:
            self.add("GET", subscription_list, resource_type.handle_list_all)
        return resource_type


def operation_routes() -> ArmRoutes:
    """Status endpoints for the operations that resource types start."""
    routes = ArmRoutes()
    base = "/subscriptions/{subscriptionId}/providers/{namespace}/locations/{location}"
    routes.add("GET", base + "/operations/{operationId}", operation_status)
    routes.add("GET", base + "/operationResults/{operationId}", operation_result)
    return routes
