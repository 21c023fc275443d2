"""Lab: the firewall's diagnostic setting exists but sends nothing (its log categories were switched off),
so every KQL query over the firewall's tables comes back empty and the validation has no evidence."""
from __future__ import annotations

from azure.mgmt.monitor.models import LogSettings

from praks_lib.azure.ids import resource_id
from praks_lib.cloud import Clients
from praks_lib.deploy.monitoring import DIAGNOSTIC_SETTING, ensure_firewall_diagnostics
from praks_lib.deployment import Deployment
from praks_lib.labs import deploy_healthy, verdict
from praks_lib.stages import Verdict
from praks_lib.validate import PASS, check_firewall_logs, probe_egress


def firewall_id(clients: Clients, dep: Deployment) -> str:
    return resource_id(clients.subscription_id, dep.resource_groups.network, "Microsoft.Network/azureFirewalls",
                       dep.firewall.name)


def settings_table(clients: Clients, dep: Deployment) -> list[str]:
    """Each diagnostic setting on the firewall: where it sends what (az monitor diagnostic-settings list)."""
    return [f"{s.name}: workspace {s.workspace_id.rsplit('/', 1)[-1]}, "
            + ", ".join(f"{log.category or log.category_group}={'on' if log.enabled else 'off'}" for log in s.logs or [])
            for s in clients.monitor.diagnostic_settings.list(firewall_id(clients, dep))]


def break_it(clients: Clients, dep: Deployment) -> None:
    deploy_healthy(clients, dep)
    settings = clients.monitor.diagnostic_settings
    setting = settings.get(firewall_id(clients, dep), DIAGNOSTIC_SETTING)
    setting.logs = [LogSettings(category_group="allLogs", enabled=False)]
    settings.create_or_update(firewall_id(clients, dep), DIAGNOSTIC_SETTING, setting)


def fix(clients: Clients, dep: Deployment) -> None:
    print(ensure_firewall_diagnostics(clients, dep))


def check(clients: Clients, dep: Deployment) -> Verdict:
    pod_ip, results = probe_egress(clients, dep)
    rows = check_firewall_logs(clients, dep, pod_ip, results)
    missing = [r.target for r in rows if r.result != PASS]
    return verdict(not missing, f"all {len(rows)} test requests are in the firewall's log with the expected action.",
                   f"{len(missing)} of {len(rows)} test requests have no firewall log row (e.g. {missing[0] if missing else ''}).",
                   "send the firewall's logs to its workspace (02_firewall: ensure_firewall_diagnostics)")
