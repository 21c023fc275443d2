"""Data collection rules and their associations through the SDK (azure-mgmt-monitor, api 2022-06-01):
Azure's shapes, its refusals (nothing stored), and what they mean for Container insights — with the
add-on's managed-identity auth, inventory rows reach a workspace only through an associated rule."""
import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerservice.models import ManagedClusterAddonProfile
from azure.mgmt.monitor.models import (
    DataCollectionRuleAssociationProxyOnlyResource,
    DataCollectionRuleDataSources,
    DataCollectionRuleDestinations,
    DataCollectionRuleResource,
    DataFlow,
    ExtensionDataSource,
    LogAnalyticsDestination,
)

from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.deploy.converge import wait_for
from praks_lib.deploy.monitoring import cluster_workspace_customer_id, ensure_log_analytics, workspace_id

from ..aks_world import build_world
from ..monitoring_world import clients as world_clients
from ..monitoring_world import create_workspace, group_id, workspace_resource_id

STREAM = "Microsoft-ContainerInsights-Group-Default"


def rule(workspace: str, *, flow_to: str = "ciworkspace", tags=None) -> DataCollectionRuleResource:
    return DataCollectionRuleResource(
        location="westeurope", kind="Linux", tags=tags,
        data_sources=DataCollectionRuleDataSources(extensions=[ExtensionDataSource(
            name="ContainerInsightsExtension", extension_name="ContainerInsights", streams=[STREAM],
            extension_settings={"dataCollectionSettings": {"interval": "1m", "namespaceFilteringMode": "Off"}})]),
        destinations=DataCollectionRuleDestinations(log_analytics=[LogAnalyticsDestination(
            workspace_resource_id=workspace, name="ciworkspace")]),
        data_flows=[DataFlow(streams=[STREAM], destinations=[flow_to])])


@pytest.fixture
def monitor(emu):
    return world_clients(emu)[3]


@pytest.fixture
def workspace(emu, group):
    return create_workspace(emu)


def test_a_rule_is_created_with_azure_s_read_only_values(monitor, workspace, arm_call, emu):
    created = monitor.data_collection_rules.create("rg", "MSCI-westeurope-aks", rule(workspace.id, tags={"a": "b"}))
    assert re.fullmatch(r"dcr-[0-9a-f]{32}", created.immutable_id)
    assert created.provisioning_state == "Succeeded" and created.kind == "Linux" and created.tags == {"a": "b"}
    assert created.type == "Microsoft.Insights/dataCollectionRules"
    assert created.id == f"{group_id(emu)}/providers/Microsoft.Insights/dataCollectionRules/MSCI-westeurope-aks"
    assert created.destinations.log_analytics[0].workspace_id == workspace.customer_id
    assert created.data_sources.extensions[0].extension_settings["dataCollectionSettings"]["interval"] == "1m"
    again = monitor.data_collection_rules.create("rg", "MSCI-westeurope-aks", rule(workspace.id, tags={"a": "b"}))
    assert (again.immutable_id, again.etag) == (created.immutable_id, created.etag)
    path = f"{created.id}"
    assert arm_call("PUT", path, api_version="2022-06-01", json=rule(workspace.id).serialize()).status_code == 200
    other = arm_call("PUT", path + "2", api_version="2022-06-01", json=rule(workspace.id).serialize())
    assert other.status_code == 201 and other.json()["properties"]["immutableId"] != created.immutable_id
    assert [r.name for r in monitor.data_collection_rules.list_by_resource_group("rg")] == [
        "MSCI-westeurope-aks", "MSCI-westeurope-aks2"]


def test_a_rule_to_a_missing_workspace_is_refused_and_not_stored(monitor, workspace, emu):
    missing = workspace_resource_id(emu, "nowhere")
    with pytest.raises(HttpResponseError) as refused:
        monitor.data_collection_rules.create("rg", "dcr", rule(missing))
    error = refused.value.error
    assert refused.value.status_code == 400 and error.code == "InvalidPayload"
    assert error.message == "Data collection rule is invalid"
    assert error.details[0].target == "properties.destinations.logAnalytics[0].workspaceResourceId"
    assert "nowhere" in error.details[0].message and "was not found" in error.details[0].message
    with pytest.raises(ResourceNotFoundError):
        monitor.data_collection_rules.get("rg", "dcr")


def test_a_flow_to_an_undeclared_destination_is_refused(monitor, workspace):
    with pytest.raises(HttpResponseError) as refused:
        monitor.data_collection_rules.create("rg", "dcr", rule(workspace.id, flow_to="la-workspace"))
    detail = refused.value.error.details[0]
    assert refused.value.error.code == "InvalidPayload" and detail.target == "properties.dataFlows[0]"
    assert "'la-workspace'" in detail.message and "'ciworkspace'" in detail.message


def test_a_destination_that_is_not_a_workspace_is_refused(monitor, workspace, emu):
    with pytest.raises(HttpResponseError) as refused:
        monitor.data_collection_rules.create("rg", "dcr", rule(f"{group_id(emu)}/providers/Microsoft.Network/x/y"))
    assert "is not a Log Analytics workspace resource id" in refused.value.error.details[0].message


def test_associations_point_a_resource_at_an_existing_rule(monitor, workspace):
    created = monitor.data_collection_rules.create("rg", "dcr", rule(workspace.id))
    association = monitor.data_collection_rule_associations.create(
        workspace.id, "ContainerInsightsExtension",
        DataCollectionRuleAssociationProxyOnlyResource(data_collection_rule_id=created.id, description="d"))
    assert association.id == f"{workspace.id}/providers/Microsoft.Insights/dataCollectionRuleAssociations/" \
                             "ContainerInsightsExtension"
    assert association.type == "Microsoft.Insights/dataCollectionRuleAssociations"
    assert (association.data_collection_rule_id, association.provisioning_state) == (created.id, "Succeeded")
    fetched = monitor.data_collection_rule_associations.get(workspace.id, "ContainerInsightsExtension")
    assert fetched.as_dict() == association.as_dict()
    assert [a.name for a in monitor.data_collection_rule_associations.list_by_resource(workspace.id)] == [
        "ContainerInsightsExtension"]
    assert [a.name for a in monitor.data_collection_rule_associations.list_by_rule("rg", "dcr")] == [
        "ContainerInsightsExtension"]
    monitor.data_collection_rule_associations.delete(workspace.id, "ContainerInsightsExtension")
    with pytest.raises(ResourceNotFoundError):
        monitor.data_collection_rule_associations.get(workspace.id, "ContainerInsightsExtension")


def test_an_association_needs_its_rule_and_its_resource(monitor, workspace, emu):
    missing_rule = f"{group_id(emu)}/providers/Microsoft.Insights/dataCollectionRules/nope"
    with pytest.raises(HttpResponseError) as refused:
        monitor.data_collection_rule_associations.create(
            workspace.id, "a", DataCollectionRuleAssociationProxyOnlyResource(data_collection_rule_id=missing_rule))
    assert refused.value.status_code == 400 and refused.value.error.code == "InvalidPayload"
    assert refused.value.error.details[0].target == "properties.dataCollectionRuleId"
    with pytest.raises(HttpResponseError) as unnamed:
        monitor.data_collection_rule_associations.create(workspace.id, "a",
                                                         DataCollectionRuleAssociationProxyOnlyResource())
    assert "'DataCollectionRuleId' must be specified." in unnamed.value.error.details[0].message
    assert list(monitor.data_collection_rule_associations.list_by_resource(workspace.id)) == []
    created = monitor.data_collection_rules.create("rg", "dcr", rule(workspace.id))
    with pytest.raises(ResourceNotFoundError):
        monitor.data_collection_rule_associations.create(
            workspace_resource_id(emu, "gone"), "a",
            DataCollectionRuleAssociationProxyOnlyResource(data_collection_rule_id=created.id))


# Container insights ------------------------------------------------------------------------


@pytest.fixture
def cluster(clients, dep):
    build_world(clients, dep)
    ensure_private_cluster(clients, dep)
    ensure_log_analytics(clients, dep, dep.monitoring.cluster_workspace)
    return clients


def enable_addon(clients, dep, config: dict, key: str = "omsagent"):
    managed = clients.containerservice.managed_clusters
    current = managed.get(dep.resource_groups.kube, dep.aks.name)
    current.addon_profiles = {key: ManagedClusterAddonProfile(enabled=True, config=config)}
    wait_for(managed.begin_create_or_update(dep.resource_groups.kube, dep.aks.name, current), "cluster")
    return current.id


def pod_rows(clients, dep) -> list:
    customer_id = cluster_workspace_customer_id(clients, dep)
    return clients.logs.query_workspace(customer_id, "KubePodInventory | distinct Name", timespan=None).tables[0].rows


def test_managed_identity_agents_send_only_once_a_rule_is_associated(cluster, dep):
    workspace = workspace_id(cluster, dep.monitoring.cluster_workspace)
    cluster_id = enable_addon(cluster, dep, {"logAnalyticsWorkspaceResourceID": workspace, "useAADAuth": "true"},
                              key="omsAgent")
    assert pod_rows(cluster, dep) == []  # the add-on alone: Azure's agents have no rule to follow
    rules = cluster.monitor.data_collection_rules
    created = rules.create(dep.resource_groups.kube, "MSCI-westeurope-x", rule(workspace))
    assert pod_rows(cluster, dep) == []  # a rule that is not associated with the cluster changes nothing
    cluster.monitor.data_collection_rule_associations.create(
        cluster_id, "ContainerInsightsExtension",
        DataCollectionRuleAssociationProxyOnlyResource(data_collection_rule_id=created.id))
    names = {row[0] for row in pod_rows(cluster, dep)}
    assert any(name.startswith("ama-logs-rs-") for name in names) and any(n.startswith("coredns-") for n in names)


def test_shared_key_agents_send_to_the_configured_workspace_without_a_rule(cluster, dep):
    workspace = workspace_id(cluster, dep.monitoring.cluster_workspace)
    enable_addon(cluster, dep, {"logAnalyticsWorkspaceResourceID": workspace})
    assert pod_rows(cluster, dep)
