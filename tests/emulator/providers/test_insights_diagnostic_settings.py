"""Diagnostic settings through azure-mgmt-monitor (2021-05-01-preview): validation as Azure does it,
CRUD, categories, and the destinations the data plane reads."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.monitor.models import DiagnosticSettingsResource, LogSettings, MetricSettings

from praks_lib.emulator.platform.router import compile_template
from praks_lib.emulator.providers.insights.diagnostic_settings import FIREWALL_LEGACY_CATEGORIES, log_destinations

from ..monitoring_world import (
    build_networks,
    classic_rules,
    clients,
    create_workspace,
    diagnose,
    firewall_id,
    put_firewall,
    workspace_resource_id,
)


@pytest.fixture
def monitor(emu):
    return clients(emu)[3]


@pytest.fixture
def firewall(emu, group):
    return put_firewall(emu, classic_rules())


@pytest.fixture
def workspace(emu, group):
    return create_workspace(emu)


def refused(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as error:
        call()
    return error.value


def test_resource_uri_placeholder_spans_segments():
    pattern = compile_template("/{resourceUri*}/providers/Microsoft.Insights/diagnosticSettings/{name}")
    found = pattern.fullmatch("//subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                              "azureFirewalls/fw/providers/microsoft.insights/diagnosticSettings/d")
    assert found["resourceUri"].strip("/") == \
        "subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/fw"
    assert found["name"] == "d"
    assert compile_template("/a/{b}/c").fullmatch("/a/x/y/c") is None


def test_create_get_list_delete(emu, monitor, firewall, workspace):
    created = diagnose(emu, workspace)
    assert created.id == f"{firewall}/providers/microsoft.insights/diagnosticSettings/fw-logs"
    assert created.type == "Microsoft.Insights/diagnosticSettings"
    assert (created.workspace_id, created.log_analytics_destination_type) == (workspace.id, "Dedicated")
    assert created.logs[0].category_group == "allLogs"
    assert monitor.diagnostic_settings.get(firewall, "fw-logs").workspace_id == workspace.id
    assert [s.name for s in monitor.diagnostic_settings.list(firewall)] == ["fw-logs"]
    monitor.diagnostic_settings.delete(firewall, "fw-logs")
    assert list(monitor.diagnostic_settings.list(firewall)) == []
    monitor.diagnostic_settings.delete(firewall, "fw-logs")  # already gone: 204, no error


def test_update_replaces_the_setting(emu, monitor, firewall, workspace):
    diagnose(emu, workspace)
    diagnose(emu, workspace, destination_type=None,
             logs=[LogSettings(category="AzureFirewallNetworkRule", enabled=True)])
    setting = monitor.diagnostic_settings.get(firewall, "fw-logs")
    assert setting.log_analytics_destination_type is None
    assert [log.category for log in setting.logs] == ["AzureFirewallNetworkRule"]


def test_missing_setting_is_404_with_azures_message(monitor, firewall):
    error = refused(lambda: monitor.diagnostic_settings.get(firewall, "nope"))
    assert isinstance(error, ResourceNotFoundError)
    assert (error.error.code, error.error.message) == ("ResourceNotFound",
                                                       "The diagnostic setting 'nope' doesn't exist.")


def test_target_resource_must_exist(emu, monitor, group, workspace):
    error = refused(lambda: diagnose(emu, workspace))
    assert error.status_code == 404 and error.error.code == "ResourceNotFound"
    assert "Microsoft.Network/azureFirewalls/fw" in error.error.message
    missing_group = firewall_id(emu).replace("/rg/", "/gone/")
    error = refused(lambda: list(monitor.diagnostic_settings.list(missing_group)))
    assert error.error.code == "ResourceGroupNotFound"


def test_workspace_must_exist_and_be_a_resource_id(emu, monitor, firewall, workspace):
    missing = workspace_resource_id(emu, "absent")
    error = refused(lambda: monitor.diagnostic_settings.create_or_update(
        firewall, "d", DiagnosticSettingsResource(
            workspace_id=missing, logs=[LogSettings(category_group="allLogs", enabled=True)])))
    assert (error.status_code, error.error.code) == (404, "ResourceNotFound")
    assert "Microsoft.OperationalInsights/workspaces/absent" in error.error.message
    error = refused(lambda: monitor.diagnostic_settings.create_or_update(
        firewall, "d", DiagnosticSettingsResource(
            workspace_id=workspace.customer_id, logs=[LogSettings(category_group="allLogs", enabled=True)])))
    assert error.error.code == "LinkedInvalidPropertyId"
    assert "at path 'properties.workspaceId' is invalid" in error.error.message
    assert list(monitor.diagnostic_settings.list(firewall)) == []


@pytest.mark.parametrize("logs, metrics, message", [
    ([LogSettings(category="WorkflowRuntime", enabled=True)], None,
     "Category 'WorkflowRuntime' is not supported."),
    ([LogSettings(category_group="audit", enabled=True)], None,
     "CategoryGroup: 'audit' is not supported, supported ones are: 'allLogs'"),
    ([LogSettings(category_group="allLogs", enabled=True)], [MetricSettings(category="Throughput", enabled=True)],
     "Metric category 'Throughput' is not supported, supported categories are: 'AllMetrics'"),
    ([LogSettings(category="AZFWNetworkRule", category_group="allLogs", enabled=True)], None,
     "Log settings must name either a category or a categoryGroup, not both"),
    ([LogSettings(enabled=True)], None, "Log settings must name a category or a categoryGroup."),
])
def test_categories_are_checked_against_the_firewalls(monitor, firewall, workspace, logs, metrics, message):
    error = refused(lambda: monitor.diagnostic_settings.create_or_update(
        firewall, "d", DiagnosticSettingsResource(workspace_id=workspace.id, logs=logs, metrics=metrics)))
    assert (error.status_code, error.error.code) == (400, "BadRequest")
    assert error.error.message.startswith(message)


def test_every_firewall_category_is_accepted(monitor, firewall, workspace):
    names = [c.name for c in monitor.diagnostic_settings_category.list(firewall)]
    assert {"AzureFirewallApplicationRule", "AZFWApplicationRule", "AZFWNetworkRule", "AZFWNatRule",
            "AZFWDnsQuery", "AllMetrics"} <= set(names)
    logs = [LogSettings(category=name, enabled=True) for name in names if name != "AllMetrics"]
    setting = monitor.diagnostic_settings.create_or_update(firewall, "d", DiagnosticSettingsResource(
        workspace_id=workspace.id, logs=logs, metrics=[MetricSettings(category="AllMetrics", enabled=True)]))
    assert len(setting.logs) == len(logs)
    category = monitor.diagnostic_settings_category.get(firewall, "AZFWNetworkRule")
    assert (category.category_type, category.category_groups) == ("Logs", ["allLogs"])


def test_a_destination_is_required(monitor, firewall):
    error = refused(lambda: monitor.diagnostic_settings.create_or_update(
        firewall, "d", DiagnosticSettingsResource(logs=[LogSettings(category_group="allLogs", enabled=True)])))
    assert error.error.code == "BadRequest" and "At least one destination" in error.error.message


def test_a_type_without_diagnostic_logs_is_refused(emu, monitor, group, workspace):
    build_networks(emu)
    vnet = f"/subscriptions/{emu.subscription_id}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"
    error = refused(lambda: diagnose(emu, workspace, target=vnet))
    assert error.error.code == "ResourceTypeNotSupported"


def test_settings_go_with_their_resource_and_do_not_show_in_group_listings(emu, resources, firewall, workspace):
    diagnose(emu, workspace)
    assert [r.name for r in resources.resources.list_by_resource_group("rg")] == ["fw", "logs"]
    with emu.store.transaction() as tx:
        tx.delete_tree(firewall)
    put_firewall(emu, classic_rules())
    with emu.store.transaction() as tx:
        assert log_destinations(tx, firewall) == []


def test_log_destinations_expand_groups_and_skip_disabled_or_orphaned_settings(emu, firewall, workspace):
    diagnose(emu, workspace, logs=[LogSettings(category_group="allLogs", enabled=True)])
    second = create_workspace(emu, "second")
    diagnose(emu, second, name="legacy", destination_type=None,
             logs=[LogSettings(category="AzureFirewallApplicationRule", enabled=True),
                   LogSettings(category="AZFWNatRule", enabled=False)])
    with emu.store.transaction() as tx:
        everything, legacy = log_destinations(tx, firewall)
    assert (everything.customer_id, everything.dedicated) == (workspace.customer_id, True)
    assert set(FIREWALL_LEGACY_CATEGORIES) | {"AZFWApplicationRule", "AZFWNatRule"} <= everything.categories
    assert (legacy.categories, legacy.dedicated) == (frozenset({"AzureFirewallApplicationRule"}), False)
    clients(emu)[2].workspaces.begin_delete("rg", "second").result()
    with emu.store.transaction() as tx:
        assert [d.customer_id for d in log_destinations(tx, firewall)] == [workspace.customer_id]
