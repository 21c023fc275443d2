"""Stage 06 on the emulator: the monitoring add-on with managed-identity auth, the Container insights data
collection rule and its association on the cluster (as `az aks enable-addons` makes them), a re-run that
changes nothing, and kube-system pods queryable in the cluster workspace."""
import pytest
from azure.mgmt.containerservice.models import ManagedClusterAddonProfile

from praks_lib import queries
from praks_lib.deploy.access import ensure_jumpbox
from praks_lib.deploy.all_stages import deploy_until_cluster
from praks_lib.deploy.api_server_dns import ensure_hub_dns_link
from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.deploy.converge import wait_for
from praks_lib.deploy.monitoring import (
    cluster_workspace_customer_id,
    container_insights_rule_name,
    ensure_monitoring_addon,
    workspace_id,
)
from praks_lib.stages.monitoring import monitoring_verdict


@pytest.fixture
def world(clients, dep):
    """Stages 01-05, as deploy_all runs them before 06."""
    deploy_until_cluster(clients, dep)
    ensure_private_cluster(clients, dep)
    ensure_jumpbox(clients, dep)
    ensure_hub_dns_link(clients, dep)
    return clients


def test_rule_names_follow_az():
    assert container_insights_rule_name("West Europe", "dzpraks1") == "MSCI-westeurope-dzpraks1"
    long_name = container_insights_rule_name("westeurope", "a" * 47 + "-b")
    assert len(long_name) == 63 and not long_name.endswith("-")


def test_stage_06_creates_addon_rule_and_association_then_changes_nothing(world, dep):
    changes = ensure_monitoring_addon(world, dep)
    rule_name = f"MSCI-{dep.location}-{dep.aks.name}"
    assert [(c.kind, c.name, c.action) for c in changes[1:]] == [
        ("monitoring add-on", f"{dep.aks.name}/omsagent", "updated"),
        ("data collection rule", rule_name, "created"),
        ("data collection rule association", f"{dep.aks.name}/ContainerInsightsExtension", "created")]
    assert {c.action for c in ensure_monitoring_addon(world, dep)} == {"unchanged"}

    rule = world.monitor.data_collection_rules.get(dep.resource_groups.kube, rule_name)
    assert rule.kind == "Linux" and rule.location == dep.location and dep.tags.items() <= rule.tags.items()
    extension = rule.data_sources.extensions[0]
    assert (extension.name, extension.extension_name, extension.streams) == (
        "ContainerInsightsExtension", "ContainerInsights", ["Microsoft-ContainerInsights-Group-Default"])
    assert extension.extension_settings["dataCollectionSettings"]["interval"] == "1m"
    assert extension.extension_settings["dataCollectionSettings"]["namespaceFilteringMode"] == "Off"
    destination = rule.destinations.log_analytics[0]
    assert destination.name == "ciworkspace"
    assert destination.workspace_resource_id.lower() == workspace_id(world, dep.monitoring.cluster_workspace).lower()
    assert [(f.streams, f.destinations) for f in rule.data_flows] == [
        (["Microsoft-ContainerInsights-Group-Default"], ["ciworkspace"])]
    cluster = world.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)
    association = world.monitor.data_collection_rule_associations.get(cluster.id, "ContainerInsightsExtension")
    assert association.data_collection_rule_id.lower() == rule.id.lower()
    assert cluster.addon_profiles["omsagent"].config["useAADAuth"] == "true"


def test_kube_system_pods_are_queryable_right_after_stage_06(world, dep):
    ensure_monitoring_addon(world, dep)
    pods = queries.run(world, cluster_workspace_customer_id(world, dep), "system_pod_inventory")
    assert len(pods) and set(pods["PodStatus"]) == {"Running"}
    assert pods["Name"].str.startswith("ama-logs-rs-").any()
    assert monitoring_verdict(world, dep, pods).startswith("PASS")


def test_an_addon_key_spelled_omsAgent_is_kept(world, dep):
    clusters = world.containerservice.managed_clusters
    cluster = clusters.get(dep.resource_groups.kube, dep.aks.name)
    cluster.addon_profiles = {"omsAgent": ManagedClusterAddonProfile(enabled=False)}
    wait_for(clusters.begin_create_or_update(dep.resource_groups.kube, dep.aks.name, cluster), "cluster")
    ensure_monitoring_addon(world, dep)
    profiles = clusters.get(dep.resource_groups.kube, dep.aks.name).addon_profiles
    assert list(profiles) == ["omsAgent"] and profiles["omsAgent"].enabled
    assert {c.action for c in ensure_monitoring_addon(world, dep)} == {"unchanged"}
