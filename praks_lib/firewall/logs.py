"""Log records: the rows Azure Firewall writes for a verdict, per destination table.

The columns and their order are the shared schema's (:mod:`praks_lib.azure.log_tables`), the one the
emulator's workspaces store; a row holds every column but those Log Analytics sets on ingestion.
"""
from __future__ import annotations

from datetime import datetime

from praks_lib.azure.log_tables import record_columns
from praks_lib.firewall.engine import Flow, Verdict
from praks_lib.firewall.messages import DEFAULT_ACTION_REASON

_CATEGORY = {"Application": ("AzureFirewallApplicationRule", "AzureFirewallApplicationRuleLog"),
             "Network": ("AzureFirewallNetworkRule", "AzureFirewallNetworkRuleLog"),
             "Nat": ("AzureFirewallNetworkRule", "AzureFirewallNatRuleLog")}


def _common(verdict: Verdict, flow: Flow, table: str, resource_id: str, time: datetime) -> dict:
    return {"TimeGenerated": time, "SourceIp": flow.source, "SourcePort": int(flow.source_port),
            "DestinationPort": int(flow.port), "Policy": verdict.policy or "",
            "RuleCollectionGroup": verdict.rule_collection_group or "",
            "RuleCollection": verdict.rule_collection or "", "Rule": verdict.rule or "",
            "_ResourceId": resource_id.lower(), "Type": table}


def _reason(verdict: Verdict) -> str:
    return DEFAULT_ACTION_REASON if verdict.default_action else ""


def log_rows(verdict: Verdict, flow: Flow, resource_id: str, time: datetime) -> dict[str, dict]:
    """{table name: row} for the resource-specific table of this verdict and for AzureDiagnostics."""
    if verdict.log_type == "Application":
        table = "AZFWApplicationRule"
        row = _common(verdict, flow, table, resource_id, time)
        row.update(Action=verdict.action, ActionReason=_reason(verdict), Fqdn=verdict.fqdn,
                   Protocol=flow.protocol, TargetUrl="", IsTlsInspected=False, WebCategory="",
                   IsExplicitProxyRequest=False)
    elif verdict.log_type == "Network":
        table = "AZFWNetworkRule"
        row = _common(verdict, flow, table, resource_id, time)
        protocol = "TCP" if flow.protocol in ("HTTP", "HTTPS", "MSSQL") else flow.protocol
        row.update(Action=verdict.action, ActionReason=_reason(verdict), DestinationIp=verdict.destination_ip,
                   Protocol=protocol)
    else:
        table = "AZFWNatRule"
        row = _common(verdict, flow, table, resource_id, time)
        row.update(DestinationIp=verdict.destination_ip, Protocol="UDP" if flow.protocol == "UDP" else "TCP",
                   TranslatedIp=verdict.translated_address or "", TranslatedPort=int(verdict.translated_port or 0))
    rows = {table: {column: row[column] for column in record_columns(table)}}
    category, operation = _CATEGORY[verdict.log_type]
    parts = resource_id.strip("/").split("/")
    diagnostics = {
        "TimeGenerated": time, "Category": category, "OperationName": operation, "ResourceType": "AZUREFIREWALLS",
        "ResourceProvider": "MICROSOFT.NETWORK", "ResourceId": resource_id.upper(), "Resource": parts[-1].upper(),
        "ResourceGroup": parts[3].upper() if len(parts) > 3 else "",
        "SubscriptionId": parts[1].upper() if len(parts) > 1 else "",
        "msg_s": verdict.message, "_ResourceId": resource_id.lower(), "Type": "AzureDiagnostics"}
    rows["AzureDiagnostics"] = {column: diagnostics[column] for column in record_columns("AzureDiagnostics")}
    return rows
