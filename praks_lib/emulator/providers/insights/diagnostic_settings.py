"""Microsoft.Insights diagnostic settings: where a resource sends its logs.

A diagnostic setting is an extension resource:
``<resource id>/providers/Microsoft.Insights/diagnosticSettings/<name>`` (api 2021-05-01-preview).
Validated as Azure does: the target resource must exist (``ResourceNotFound``), its type must have
diagnostic logs, every log ``category`` / ``categoryGroup`` and metric category must be one the
type has (``BadRequest``: "Category 'x' is not supported."), ``workspaceId`` must be a resource id
(``LinkedInvalidPropertyId``) of a workspace that exists (``ResourceNotFound``), and at least one
destination must be named. Storage accounts, event hubs and partner destinations are stored as
given; only Log Analytics receives rows in the emulator.

:func:`log_destinations` tells the data plane which workspaces get a resource's logs and in which
tables. One deviation: Azure keeps a resource's diagnostic settings when the resource is deleted
(re-creating it under the same name revives them); the emulator deletes them with the resource, so
a teardown leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import ArmError, bad_request, not_found
from praks_lib.emulator.platform.arm.resources import ArmRoutes, request_body, require, require_group
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.platform.store import Transaction
from praks_lib.emulator.providers.operationalinsights import WORKSPACE_TYPE

SETTING_TYPE = "Microsoft.Insights/diagnosticSettings"
CATEGORY_TYPE = "Microsoft.Insights/diagnosticSettingsCategories"
SETTINGS = "/{resourceUri*}/providers/Microsoft.Insights/diagnosticSettings"
CATEGORIES = "/{resourceUri*}/providers/Microsoft.Insights/diagnosticSettingsCategories"

SETTING_NOT_FOUND = "The diagnostic setting '{name}' doesn't exist."
CATEGORY_NOT_SUPPORTED = "Category '{category}' is not supported."
CATEGORY_GROUP_NOT_SUPPORTED = "CategoryGroup: '{group}' is not supported, supported ones are: '{supported}'"
METRIC_NOT_SUPPORTED = "Metric category '{category}' is not supported, supported categories are: '{supported}'"
CATEGORY_AND_GROUP = (
    "Log settings must name either a category or a categoryGroup, not both (found category "
    "'{category}' and categoryGroup '{group}')."
)
CATEGORY_MISSING = "Log settings must name a category or a categoryGroup."
NO_DESTINATION = (
    "At least one destination must be specified: storageAccountId, eventHubAuthorizationRuleId, "
    "workspaceId or marketplacePartnerId."
)
INVALID_LINKED_ID = (
    "Property id '{id}' at path 'properties.{field}' is invalid. Expect fully qualified resource Id "
    "that start with '/subscriptions/{{subscriptionId}}' or '/providers/{{resourceProviderNamespace}}/'."
)
TYPE_NOT_SUPPORTED = "The resource type '{type}' does not support diagnostic settings."
INVALID_DESTINATION_TYPE = (
    "logAnalyticsDestinationType '{value}' is not valid: use 'Dedicated' for resource-specific "
    "tables, or leave it out (null) for the AzureDiagnostics table."
)

# Azure Firewall's log categories: the legacy ones write AzureDiagnostics rows with msg_s; the
# AZFW* ("structured") ones write their resource-specific table when the setting is Dedicated.
FIREWALL_LEGACY_CATEGORIES = ("AzureFirewallApplicationRule", "AzureFirewallNetworkRule",
                              "AzureFirewallDnsProxy")
FIREWALL_STRUCTURED_CATEGORIES = (
    "AZFWNetworkRule", "AZFWApplicationRule", "AZFWNatRule", "AZFWThreatIntel",
    "AZFWIdpsSignature", "AZFWDnsQuery", "AZFWFqdnResolveFailure", "AZFWFatFlow", "AZFWFlowTrace",
    "AZFWApplicationRuleAggregation", "AZFWNetworkRuleAggregation", "AZFWNatRuleAggregation",
)


@dataclass(frozen=True)
class DiagnosticCategories:
    """What one resource type can log: log categories by group, and metric categories."""

    logs: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    metrics: tuple[str, ...] = ("AllMetrics",)


def _all_logs(*categories: str) -> DiagnosticCategories:
    return DiagnosticCategories(categories, {"allLogs": categories})


CATEGORIES_BY_TYPE: dict[str, DiagnosticCategories] = {
    "microsoft.network/azurefirewalls": _all_logs(*FIREWALL_LEGACY_CATEGORIES,
                                                  *FIREWALL_STRUCTURED_CATEGORIES),
    "microsoft.network/publicipaddresses": _all_logs(
        "DDoSProtectionNotifications", "DDoSMitigationFlowLogs", "DDoSMitigationReports"),
    "microsoft.operationalinsights/workspaces": DiagnosticCategories(
        ("Audit", "SummaryLogs"), {"audit": ("Audit",), "allLogs": ("Audit", "SummaryLogs")}),
    "microsoft.containerservice/managedclusters": DiagnosticCategories(
        ("kube-apiserver", "kube-audit", "kube-audit-admin", "kube-controller-manager",
         "kube-scheduler", "cluster-autoscaler", "cloud-controller-manager", "guard",
         "csi-azuredisk-controller", "csi-azurefile-controller", "csi-snapshot-controller"),
        {"audit": ("kube-audit",),
         "allLogs": ("kube-apiserver", "kube-audit", "kube-audit-admin", "kube-controller-manager",
                     "kube-scheduler", "cluster-autoscaler", "cloud-controller-manager", "guard",
                     "csi-azuredisk-controller", "csi-azurefile-controller",
                     "csi-snapshot-controller")}),
}

routes = ArmRoutes()


# lookups ---------------------------------------------------------------------------------


def target_of(call: Call) -> dict:
    """The resource named by ``{resourceUri}``; ARM's 404s when it (or its group) is missing."""
    uri = "/" + call.params["resourceUri"].strip("/")
    try:
        rid = ResourceId.parse(uri)
    except ValueError:
        raise bad_request("InvalidResourceUri", f"'{uri}' is not a resource id.") from None
    if rid.namespace is None:
        raise bad_request("ResourceTypeNotSupported",
                          TYPE_NOT_SUPPORTED.format(type="Microsoft.Resources/resourceGroups"))
    require_group(call, rid)
    return require(call, rid)


def categories_of(target: dict) -> DiagnosticCategories:
    known = CATEGORIES_BY_TYPE.get(target["type"].lower())
    if known is None:
        raise bad_request("ResourceTypeNotSupported", TYPE_NOT_SUPPORTED.format(type=target["type"]))
    return known


def setting_id(target: dict, name: str) -> str:
    return f"{target['id']}/providers/microsoft.insights/diagnosticSettings/{name}"


# validation ------------------------------------------------------------------------------


def check_logs(entries: list[dict], known: DiagnosticCategories) -> None:
    by_name = {c.lower(): c for c in known.logs}
    groups = {g.lower(): g for g in known.groups}
    for entry in entries:
        category, group = entry.get("category"), entry.get("categoryGroup")
        if category and group:
            raise bad_request("BadRequest", CATEGORY_AND_GROUP.format(category=category, group=group))
        if category:
            if category.lower() not in by_name:
                raise bad_request("BadRequest", CATEGORY_NOT_SUPPORTED.format(category=category))
        elif group:
            if group.lower() not in groups:
                raise bad_request("BadRequest", CATEGORY_GROUP_NOT_SUPPORTED.format(
                    group=group, supported=", ".join(known.groups)))
        else:
            raise bad_request("BadRequest", CATEGORY_MISSING)


def check_metrics(entries: list[dict], known: DiagnosticCategories) -> None:
    for entry in entries:
        category = entry.get("category") or ""
        if category.lower() not in {m.lower() for m in known.metrics}:
            raise bad_request("BadRequest", METRIC_NOT_SUPPORTED.format(
                category=category, supported=", ".join(known.metrics)))


def check_workspace(call: Call, workspace_id: str) -> None:
    try:
        rid = ResourceId.parse(workspace_id)
    except ValueError:
        rid = None
    if rid is None or rid.type.lower() != WORKSPACE_TYPE.lower():
        raise bad_request("LinkedInvalidPropertyId",
                          INVALID_LINKED_ID.format(id=workspace_id, field="workspaceId"))
    if call.tx.get(str(rid)) is None:
        raise not_found(rid)


def check_destination_type(value: str | None) -> None:
    if value not in (None, "", "Dedicated", "AzureDiagnostics"):
        raise bad_request("BadRequest", INVALID_DESTINATION_TYPE.format(value=value))


# handlers --------------------------------------------------------------------------------


@routes.put(SETTINGS + "/{name}")
def put_setting(call: Call) -> Response:
    target = target_of(call)
    known = categories_of(target)
    request = request_body(call)
    properties = dict(request.get("properties") or {})
    check_logs(properties.get("logs") or [], known)
    check_metrics(properties.get("metrics") or [], known)
    destinations = ("storageAccountId", "eventHubAuthorizationRuleId", "workspaceId",
                    "marketplacePartnerId", "serviceBusRuleId")
    if not any(properties.get(key) for key in destinations):
        raise bad_request("BadRequest", NO_DESTINATION)
    if properties.get("workspaceId"):
        check_workspace(call, properties["workspaceId"])
    check_destination_type(properties.get("logAnalyticsDestinationType"))
    name = call.params["name"]
    body = {"id": setting_id(target, name), "type": SETTING_TYPE, "name": name,
            "properties": properties}
    call.tx.put(body["id"], body, type=SETTING_TYPE, scope=target["id"], parent=target["id"])
    return Response(HTTPStatus.OK, body)


def extension_read_routes(table, collection: str, resource_type: str, id_of, not_found: str) -> None:
    """GET, DELETE and LIST of an extension resource (one stored under the resource it extends).

    ``collection`` is the route template up to the type (``/{resourceUri*}/providers/NS/type``),
    ``id_of(target, name)`` the stored id, ``not_found`` the 404 message with ``{name}``.
    """

    def get(call: Call) -> Response:
        stored = call.tx.get(id_of(target_of(call), call.params["name"]))
        if stored is None:
            raise ArmError(HTTPStatus.NOT_FOUND, "ResourceNotFound", not_found.format(name=call.params["name"]))
        return Response(HTTPStatus.OK, stored)

    def delete(call: Call) -> Response:
        removed = call.tx.delete_tree(id_of(target_of(call), call.params["name"]))
        return Response(HTTPStatus.OK if removed else HTTPStatus.NO_CONTENT)

    def list_all(call: Call) -> Response:
        return Response(HTTPStatus.OK, {"value": call.tx.children(target_of(call)["id"], resource_type)})

    table.add("GET", collection + "/{name}", get)
    table.add("DELETE", collection + "/{name}", delete)
    table.add("GET", collection, list_all)


extension_read_routes(routes, SETTINGS, SETTING_TYPE, setting_id, SETTING_NOT_FOUND)


def category_resource(target: dict, name: str, known: DiagnosticCategories) -> dict:
    is_log = name in known.logs
    body = {"id": f"{target['id']}/providers/microsoft.insights/diagnosticSettingsCategories/{name}",
            "name": name, "type": CATEGORY_TYPE,
            "properties": {"categoryType": "Logs" if is_log else "Metrics"}}
    if is_log:
        body["properties"]["categoryGroups"] = [g for g, members in known.groups.items()
                                                if name in members]
    return body


@routes.get(CATEGORIES)
def list_categories(call: Call) -> Response:
    target = target_of(call)
    known = categories_of(target)
    return Response(HTTPStatus.OK, {"value": [category_resource(target, name, known)
                                              for name in (*known.logs, *known.metrics)]})


@routes.get(CATEGORIES + "/{name}")
def get_category(call: Call) -> Response:
    target = target_of(call)
    known = categories_of(target)
    for name in (*known.logs, *known.metrics):
        if name.lower() == call.params["name"].lower():
            return Response(HTTPStatus.OK, category_resource(target, name, known))
    raise bad_request("BadRequest", CATEGORY_NOT_SUPPORTED.format(category=call.params["name"]))


# what the data plane needs ---------------------------------------------------------------


@dataclass(frozen=True)
class LogDestination:
    """One workspace that receives a resource's logs: which categories, and in which tables."""

    workspace_id: str            # the workspace's resource id
    customer_id: str             # its customerId (where LogStore keeps the rows)
    categories: frozenset[str]   # enabled log categories (groups expanded)
    dedicated: bool              # logAnalyticsDestinationType Dedicated: resource-specific tables


def log_destinations(tx: Transaction, resource_id: str) -> list[LogDestination]:
    """The workspaces that ``resource_id``'s diagnostic settings send logs to (settings whose
    workspace no longer exists send nothing, as on Azure)."""
    resource = tx.get(resource_id)
    known = CATEGORIES_BY_TYPE.get((resource or {}).get("type", "").lower())
    if resource is None or known is None:
        return []
    destinations = []
    for setting in tx.children(resource["id"], SETTING_TYPE):
        properties = setting["properties"]
        workspace = tx.get(properties["workspaceId"]) if properties.get("workspaceId") else None
        if workspace is None:
            continue
        enabled: set[str] = set()
        for entry in properties.get("logs") or []:
            if not entry.get("enabled"):
                continue
            if entry.get("category"):
                enabled.add(next(c for c in known.logs if c.lower() == entry["category"].lower()))
            else:
                group = next(g for g in known.groups if g.lower() == entry["categoryGroup"].lower())
                enabled.update(known.groups[group])
        if enabled:
            destinations.append(LogDestination(
                workspace["id"], workspace["properties"]["customerId"], frozenset(enabled),
                properties.get("logAnalyticsDestinationType") == "Dedicated"))
    return destinations
