"""Microsoft.Insights data collection rules (DCRs) and their associations (DCRAs).

A DCR (resource group scope, api 2022-06-01) says what an Azure Monitor agent collects and where it
sends it: ``dataSources`` produce streams, ``destinations`` name the places (here: Log Analytics
workspaces), ``dataFlows`` route streams to named destinations. An association is an extension
resource, ``<resource id>/providers/Microsoft.Insights/dataCollectionRuleAssociations/<name>``,
that points a monitored resource at a DCR; an agent on that resource (AKS's ama-logs for Container
insights with managed-identity auth) only sends what the rules associated with it say.

Validated as Azure does: a DCR's Log Analytics destinations must be workspace ids of workspaces
that exist, every dataFlow destination must be a declared destination (400 ``InvalidPayload``
"Data collection rule is invalid", one detail per problem with its ``target``); an association
needs an existing target resource and a ``dataCollectionRuleId`` of a DCR that exists. Responses
carry ``immutableId`` (``dcr-`` + 32 hex digits, derived from the rule's id so it is stable),
each workspace destination's ``workspaceId`` (its customerId) and ``provisioningState``.

Providers whose agents read DCRs register with :func:`on_association_change` to react when an
association on one of their resources is written (the AKS agent reloads its configuration and
reports at once); :func:`log_analytics_destinations` tells them where an extension's streams go.
Data collection endpoints are not emulated.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Callable

from praks_lib.azure.ids import ResourceId, same_id
from praks_lib.emulator.platform.arm.errors import ArmError, NotEmulated
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType, etag_of, request_body, require
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.platform.store import Transaction
from praks_lib.emulator.providers.insights.diagnostic_settings import extension_read_routes, target_of
from praks_lib.emulator.providers.operationalinsights import WORKSPACE_TYPE

RULE_TYPE = "Microsoft.Insights/dataCollectionRules"
ASSOCIATION_TYPE = "Microsoft.Insights/dataCollectionRuleAssociations"
ASSOCIATIONS = "/{resourceUri*}/providers/Microsoft.Insights/dataCollectionRuleAssociations"
RULE_ASSOCIATIONS = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
                     "Microsoft.Insights/dataCollectionRules/{name}/associations")

# Azure's envelope for a rejected rule; the detail messages are reconstructed in its style.
RULE_INVALID = "Data collection rule is invalid"
ASSOCIATION_INVALID = "Data collection rule association is invalid"
WORKSPACE_ID_INVALID = ("'WorkspaceResourceId' '{id}' of destination '{name}' is not a Log Analytics workspace "
                        "resource id (/subscriptions/…/providers/Microsoft.OperationalInsights/workspaces/<name>).")
WORKSPACE_NOT_FOUND = ("Log Analytics workspace '{id}' of destination '{name}' was not found. Create the workspace "
                       "first, or correct workspaceResourceId.")
DESTINATION_NOT_DECLARED = ("'Destinations' destination '{name}' is not declared in the rule's destinations; "
                            "declared: {declared}.")
RULE_ID_MISSING = "'DataCollectionRuleId' must be specified."
RULE_NOT_FOUND = ("Data collection rule '{id}' was not found. Create the rule first, or correct "
                  "dataCollectionRuleId.")
ENDPOINTS_NOT_EMULATED = ("praks emulator: data collection endpoint associations are not emulated; associate a "
                          "data collection rule (dataCollectionRuleId).")
ASSOCIATION_NOT_FOUND = "Data collection rule association '{name}' was not found."

routes = ArmRoutes()

AssociationListener = Callable[[Transaction, dict], None]
_listeners: dict[str, AssociationListener] = {}


def on_association_change(resource_type: str, listener: AssociationListener) -> None:
    """Call ``listener(tx, resource)`` after an association on a resource of this type is written."""
    _listeners[resource_type.lower()] = listener


def invalid(envelope: str, details: list[dict]) -> ArmError:
    return ArmError(HTTPStatus.BAD_REQUEST, "InvalidPayload", envelope, details)


def detail(code: str, message: str, target: str) -> dict:
    return {"code": code, "message": message, "target": target}


def immutable_id(rule_id: str) -> str:
    return "dcr-" + stable_uuid(rule_id, "immutableId").replace("-", "")


# data collection rules ---------------------------------------------------------------------


class DataCollectionRules(ResourceType):
    type = RULE_TYPE
    long_running = False

    def build(self, call: Call, rid: ResourceId, request: dict, existing: dict | None) -> dict:
        properties = dict(request.get("properties") or {})
        problems, declared = [], []
        for index, destination in enumerate((properties.get("destinations") or {}).get("logAnalytics") or []):
            declared.append(destination.get("name") or "")
            target = f"properties.destinations.logAnalytics[{index}].workspaceResourceId"
            problem = self.workspace_problem(call.tx, destination, target)
            if problem:
                problems.append(problem)
            else:
                workspace = call.tx.get(destination["workspaceResourceId"])
                destination["workspaceId"] = workspace["properties"]["customerId"]
        for kind, entries in (properties.get("destinations") or {}).items():
            if kind != "logAnalytics":
                declared += [entry.get("name") or "" for entry in (entries if isinstance(entries, list) else [entries])]
        for index, flow in enumerate(properties.get("dataFlows") or []):
            for name in flow.get("destinations") or []:
                if name not in declared:
                    problems.append(detail("InvalidDataFlow", DESTINATION_NOT_DECLARED.format(
                        name=name, declared=", ".join(f"'{d}'" for d in declared) or "none"),
                        f"properties.dataFlows[{index}]"))
        if problems:
            raise invalid(RULE_INVALID, problems)
        properties["immutableId"] = immutable_id(str(rid))
        return {**request, "properties": properties}

    @staticmethod
    def workspace_problem(tx: Transaction, destination: dict, target: str) -> dict | None:
        workspace_id, name = destination.get("workspaceResourceId") or "", destination.get("name") or ""
        try:
            rid = ResourceId.parse(workspace_id)
        except ValueError:
            rid = None
        if rid is None or rid.type.lower() != WORKSPACE_TYPE.lower():
            return detail("InvalidDestination", WORKSPACE_ID_INVALID.format(id=workspace_id, name=name), target)
        if tx.get(workspace_id) is None:
            return detail("InvalidDestination", WORKSPACE_NOT_FOUND.format(id=workspace_id, name=name), target)
        return None


RULES = routes.resource(DataCollectionRules())


# associations ------------------------------------------------------------------------------


def association_id(target: dict, name: str) -> str:
    return f"{target['id']}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{name}"


def check_association(tx: Transaction, properties: dict) -> None:
    rule_id = properties.get("dataCollectionRuleId")
    if not rule_id:
        if properties.get("dataCollectionEndpointId"):
            raise NotEmulated(ENDPOINTS_NOT_EMULATED)
        raise invalid(ASSOCIATION_INVALID, [detail("InvalidAssociation", RULE_ID_MISSING,
                                                   "properties.dataCollectionRuleId")])
    try:
        rid = ResourceId.parse(rule_id)
    except ValueError:
        rid = None
    if rid is None or rid.type.lower() != RULE_TYPE.lower() or tx.get(rule_id) is None:
        raise invalid(ASSOCIATION_INVALID, [detail("InvalidDataCollectionRule", RULE_NOT_FOUND.format(id=rule_id),
                                                   "properties.dataCollectionRuleId")])


@routes.put(ASSOCIATIONS + "/{name}")
def put_association(call: Call) -> Response:
    target = target_of(call)
    request = request_body(call)
    properties = {k: v for k, v in (request.get("properties") or {}).items()
                  if k in ("description", "dataCollectionRuleId", "dataCollectionEndpointId")}
    check_association(call.tx, properties)
    rule = call.tx.get(properties["dataCollectionRuleId"])
    properties["dataCollectionRuleId"] = rule["id"]
    name = call.params["name"]
    key = association_id(target, name)
    existing = call.tx.get(key)
    body = {"id": existing["id"] if existing else key, "name": name, "type": ASSOCIATION_TYPE,
            "properties": {**properties, "provisioningState": "Succeeded"}}
    body["etag"] = etag_of(body)
    call.tx.put(key, body, type=ASSOCIATION_TYPE, scope=target["id"], parent=target["id"])
    listener = _listeners.get(target["type"].lower())
    if listener is not None:
        listener(call.tx, target)
    return Response(HTTPStatus.OK if existing else HTTPStatus.CREATED, body)


extension_read_routes(routes, ASSOCIATIONS, ASSOCIATION_TYPE, association_id, ASSOCIATION_NOT_FOUND)


@routes.get(RULE_ASSOCIATIONS)
def list_rule_associations(call: Call) -> Response:
    rid = ResourceId(call.params["subscriptionId"], call.params["resourceGroupName"], "Microsoft.Insights",
                     ("dataCollectionRules",), (call.params["name"],))
    rule = require(call, rid)
    everywhere = call.tx.list(ASSOCIATION_TYPE, f"/subscriptions/{rid.subscription}")
    return Response(HTTPStatus.OK, {"value": [a for a in everywhere
                                              if same_id(a["properties"]["dataCollectionRuleId"], rule["id"])]})


# what agents need --------------------------------------------------------------------------


def log_analytics_destinations(tx: Transaction, resource_id: str, extension_name: str) -> list[str]:
    """Workspace resource ids that the rules associated with ``resource_id`` send the streams of an
    agent extension (e.g. ``ContainerInsights``) to. Rules or workspaces that no longer exist send
    nothing, as on Azure; a workspace named by several flows counts once."""
    found: list[str] = []
    for association in tx.children(resource_id, ASSOCIATION_TYPE):
        rule = tx.get(association["properties"].get("dataCollectionRuleId") or "")
        if rule is None:
            continue
        properties = rule["properties"]
        streams = {stream for source in (properties.get("dataSources") or {}).get("extensions") or []
                   if (source.get("extensionName") or "").lower() == extension_name.lower()
                   for stream in source.get("streams") or []}
        workspaces = {d.get("name"): d.get("workspaceResourceId")
                      for d in (properties.get("destinations") or {}).get("logAnalytics") or []}
        for flow in properties.get("dataFlows") or []:
            if not streams.intersection(flow.get("streams") or []):
                continue
            for name in flow.get("destinations") or []:
                workspace = workspaces.get(name)
                if workspace and tx.get(workspace) is not None and \
                        not any(same_id(workspace, seen) for seen in found):
                    found.append(workspace)
    return found
