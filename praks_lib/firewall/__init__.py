"""Azure Firewall engine: rule model, evaluate(), offline DNS and service tags, AKS egress catalog,
preflight, lint, log records and replay. Pure Python, no network."""
from praks_lib.firewall.public_dns import resolve
from praks_lib.firewall.egress import RequiredFlow, preflight, required_flows
from praks_lib.firewall.engine import Flow, Verdict, evaluate
from praks_lib.firewall.lint import Finding, lint, lint_table
from praks_lib.firewall.logs import TABLE_COLUMNS, log_rows
from praks_lib.firewall.messages import DENIED_HTTP_BODY, DENIED_HTTP_STATUS, denied_http_response
from praks_lib.firewall.model import RuleSet, RuleSetError, load_rule_set, rules_table
from praks_lib.firewall.replay import ReplayReport, replay
from praks_lib.firewall.servicetags import data_version as service_tags_version
from praks_lib.firewall.servicetags import service_tag_prefixes

__all__ = [
    "DENIED_HTTP_BODY", "DENIED_HTTP_STATUS", "Finding", "Flow", "ReplayReport", "RequiredFlow", "RuleSet",
    "RuleSetError", "TABLE_COLUMNS", "Verdict", "denied_http_response", "evaluate", "lint", "lint_table", "load_rule_set",
    "log_rows", "preflight", "replay", "required_flows", "resolve", "rules_table", "service_tag_prefixes",
    "service_tags_version",
]
