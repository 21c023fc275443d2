"""The firewall's words: log lines (AzureDiagnostics msg_s) and what a denied client receives."""
from __future__ import annotations

NO_RULE_MATCHED = "No rule matched. Proceeding with default action"
SNI_MISSING = "SNI TLS extension was missing."
DEFAULT_ACTION_REASON = "Default Action"  # ActionReason in the AZFW* tables when nothing matched

# A plain-HTTP client that is denied gets this response from the firewall itself.
DENIED_HTTP_STATUS = 470
DENIED_HTTP_BODY = f"Action: Deny. Reason: {NO_RULE_MATCHED}."


def denied_http_response(reason: str = NO_RULE_MATCHED) -> dict:
    """What curl sees for a denied plain-HTTP request: status 470 and the reason text."""
    return {"status": DENIED_HTTP_STATUS, "body": f"Action: Deny. Reason: {reason.rstrip('.')}."}


def _rule_suffix(collection: str, rule: str, policy: str | None, group: str | None) -> str:
    if policy:
        return f". Policy: {policy}. Rule Collection Group: {group}. Rule Collection: {collection}. Rule: {rule}"
    return f". Rule Collection: {collection}. Rule: {rule}"


def application_line(protocol: str, source: str, source_port: int, fqdn: str, port: int, action: str,
                     collection: str | None = None, rule: str | None = None,
                     policy: str | None = None, group: str | None = None) -> str:
    head = f"{protocol} request from {source}:{source_port} to {fqdn}:{port}. Action: {action}"
    if collection is None:
        return f"{head}. {NO_RULE_MATCHED}"
    return head + _rule_suffix(collection, rule, policy, group)


def sni_missing_line(source: str, source_port: int) -> str:
    return f"HTTPS request from {source}:{source_port} was denied. Reason: {SNI_MISSING}"


def network_line(protocol: str, source: str, source_port: int, destination_ip: str, port: int, action: str,
                 collection: str | None = None, rule: str | None = None,
                 policy: str | None = None, group: str | None = None) -> str:
    """Classic network rule lines carry no rule name; Firewall Policy lines do."""
    if protocol == "ICMP":
        head = f"ICMP Type=8 request from {source} to {destination_ip}. Action: {action}"
    else:
        head = f"{protocol} request from {source}:{source_port} to {destination_ip}:{port}. Action: {action}"
    if policy and collection is not None:
        return head + _rule_suffix(collection, rule, policy, group)
    return head


def dnat_line(protocol: str, source: str, source_port: int, destination_ip: str, port: int,
              translated: str, translated_port: int) -> str:
    return (f"{protocol} request from {source}:{source_port} to {destination_ip}:{port} "
            f"was DNAT'ed to {translated}:{translated_port}")
