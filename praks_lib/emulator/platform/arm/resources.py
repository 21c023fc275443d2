"""Create-or-update for any ARM resource type: the generic handlers, the routes, the registry.

A :class:`ResourceType` does the ARM part of every request (ids, ``ResourceGroupNotFound`` before
``ResourceNotFound``, 200 vs 201, etags, long-running operations) and leaves what is specific to
the type to its hooks. :class:`ArmRoutes` registers a type's routes and keeps it in the registry,
so a resource group's delete can run each type's ``after_delete``.
"""

from __future__ import annotations

import copy
import json
from http import HTTPStatus

from praks_lib.azure import names
from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import (
    INVALID_REQUEST_CONTENT,
    LOCATION_REQUIRED,
    bad_request,
    group_not_found,
    not_found,
)
from praks_lib.emulator.platform.arm.operations import start_operation
from praks_lib.emulator.platform.arm.registry import register
from praks_lib.emulator.platform.faults import take_operation_fault
from praks_lib.emulator.platform.router import Call, Response, Routes
from praks_lib.emulator.platform.stable_ids import stable_uuid

# shared lookups --------------------------------------------------------------------------


def require_group(call: Call, rid: ResourceId) -> dict:
    group = call.tx.get(rid.group_id)
    if group is None:
        raise group_not_found(rid)
    return group


def require(call: Call, rid: ResourceId) -> dict:
    """The stored resource, or ARM's 404 (``ResourceGroupNotFound`` first, as ARM checks it first)."""
    require_group(call, rid)
    body = call.tx.get(str(rid))
    if body is None:
        raise not_found(rid)
    return body


def etag_of(body: dict) -> str:
    """A weak etag that changes exactly when the resource's content changes."""
    content = {k: v for k, v in body.items() if k not in ("etag", "eTag")}
    props = dict(content.get("properties") or {})
    props.pop("provisioningState", None)
    content["properties"] = props
    return f'W/"{stable_uuid(json.dumps(content, sort_keys=True))}"'


def check_name(resource_type: str, name: str) -> None:
    """The provider's naming rule for the type (praks_lib.azure.names), with Azure's code and words."""
    rule = names.rule_for_type(resource_type)
    problem = rule.problem(name) if rule else None
    if problem is not None:
        raise bad_request(rule.azure_code or "InvalidResourceName", problem)


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
    etag_key: str = "etag"  # Microsoft.Network spells it etag; AKS's managed clusters eTag

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
        check_name(self.type, rid.name)
        if rid.parent is not None and call.tx.get(str(rid.parent)) is None:
            raise not_found(rid.parent)
        request = request_body(call)
        if self.location_required and not request.get("location"):
            raise bad_request("LocationRequired", LOCATION_REQUIRED)
        existing = call.tx.get(str(rid))
        body = self.make(call, rid, request, existing)
        headers: dict[str, str] = {}
        if self.long_running:
            # A PUT on a Failed resource provisions it again even when nothing else changes (ARM's
            # documented way out of Failed: re-apply the desired state).
            failed = (existing or {}).get("properties", {}).get("provisioningState") == "Failed"
            changed = existing is None or _content(existing) != _content(body) or failed
            fault = take_operation_fault(call)
            polls = self.polls if changed else 0
            if changed or fault:  # as recorded: the PUT answers Updating, a poll then says Succeeded
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
            if key not in ("id", "name", "type", "etag", "eTag"):
                resource[key] = value
        properties = resource.setdefault("properties", {})
        properties["provisioningState"] = "Succeeded"
        if self.has_etag:
            resource[self.etag_key] = etag_of(resource)
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
        if not self.long_running:
            self.finish_delete(call, rid, stored)
            return Response(HTTPStatus.OK)
        location = stored.get("location") or location_of(call, rid)
        stored.setdefault("properties", {})["provisioningState"] = "Deleting"  # until the operation ends
        self.store(call, rid, stored)
        headers = start_operation(call, "delete", rid, self.polls, self.namespace, location,
                                  take_operation_fault(call))
        return Response(HTTPStatus.ACCEPTED, None, headers)

    def finish_delete(self, call: Call, rid: ResourceId, stored: dict) -> None:
        """The resource and everything below it go; resources that referred to it are told."""
        call.tx.delete_tree(str(rid))
        self.after_delete(call, rid, stored)


def _content(body: dict) -> dict:
    content = copy.deepcopy(body)
    content.get("properties", {}).pop("provisioningState", None)
    return content


class ArmRoutes(Routes):
    """Routes for ARM (management.azure.com), plus :meth:`resource` for a whole resource type."""

    def resource(self, resource_type: ResourceType, *, creatable: bool = True) -> ResourceType:
        """Register the type and route its PUT, GET, DELETE and LISTs. ``creatable=False``: a type
        that only other resources create (no PUT), such as a VM's OS disk."""
        register(resource_type)
        item, collection, subscription_list = resource_type.templates()
        if creatable:
            self.add("PUT", item, resource_type.handle_put)
        self.add("GET", item, resource_type.handle_get)
        self.add("DELETE", item, resource_type.handle_delete)
        self.add("GET", collection, resource_type.handle_list)
        if subscription_list:
            self.add("GET", subscription_list, resource_type.handle_list_all)
        return resource_type

