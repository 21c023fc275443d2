"""Azure Firewall engine: rule model, evaluate(), offline public DNS and service tags, the AKS egress
catalog and preflight, lint, and log records. Pure Python, no network, no tables (praks_lib.whatif
lays the answers out for notebooks). Part of the shared bottom layer: the runbook uses it for
what-if checks, the emulator to decide what test traffic is allowed and what it logs."""
from praks_lib.errors import RuleSetError
from praks_lib.firewall.egress import ClusterShape, PreflightResult, RequiredFlow, preflight, required_flows
from praks_lib.firewall.engine import Flow, Verdict, evaluate
from praks_lib.firewall.lint import lint
from praks_lib.firewall.logs import log_rows
from praks_lib.firewall.messages import DENIED_HTTP_BODY, DENIED_HTTP_STATUS, denied_http_response
from praks_lib.firewall.model import RuleSet, load_rule_set
from praks_lib.firewall.public_dns import resolve
from praks_lib.firewall.servicetags import data_version as service_tags_version
from praks_lib.firewall.servicetags import service_tag_prefixes

__all__ = [
    "ClusterShape", "DENIED_HTTP_BODY", "DENIED_HTTP_STATUS", "Flow", "PreflightResult", "RequiredFlow", "RuleSet",
    "RuleSetError", "Verdict", "denied_http_response", "evaluate", "lint", "load_rule_set",
    "log_rows", "preflight", "required_flows", "resolve", "service_tag_prefixes", "service_tags_version",
]
