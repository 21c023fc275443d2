"""The isolated design end to end on the emulator, and each refusal Azure answers for it.

Every refusal is checked for Azure's code and message and for what it leaves behind: no cluster.
"""
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerregistry.models import Registry, Sku

from praks_lib.azure.messages import azure_error
from praks_lib.cloud import connect
from praks_lib.deploy.all_stages import deploy_all
from praks_lib.deploy.registry import endpoint_name, registry_id
from praks_lib.errors import StageError
from praks_lib.params import load_deployment
from praks_lib.stages.validation import validation_verdict
from praks_lib.teardown import plan_teardown, teardown
from praks_lib.validate import proven_design, run_checks

ISOLATED = "parameters/scenarios/isolated.yaml"


@pytest.fixture
def isolated():
    return load_deployment(ISOLATED)


@pytest.fixture
def cloud(isolated, tmp_path):
    return connect(isolated, state_dir=tmp_path / "cloud")


def _no_cluster(clients, dep):
    with pytest.raises(ResourceNotFoundError):
        clients.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)


def _refused(clients, dep, key, **values):
    with pytest.raises(StageError) as refused:
        deploy_all(clients, dep)
    error = azure_error(key, **values)
    assert f"({error.code}) {error.message}" in str(refused.value)
    _no_cluster(clients, dep)


def test_deploys_proves_nothing_leaves_and_tears_down(cloud, isolated):
    changes = deploy_all(cloud, isolated)
    kinds = {c.kind for c in changes}
    assert {"container registry", "cache rule", "private endpoint", "private DNS record"} <= kinds
    assert not kinds & {"firewall", "public IP", "route table"}
    assert {c.action for c in deploy_all(cloud, isolated)} == {"unchanged"}

    cluster = cloud.containerservice.managed_clusters.get(isolated.resource_groups.kube, isolated.aks.name)
    assert cluster.network_profile.outbound_type == "none"
    assert cluster.bootstrap_profile.artifact_source == "Cache"
    assert cluster.bootstrap_profile.container_registry_id.lower() == registry_id(cloud, isolated).lower()
    registry = cloud.containerregistry.registries.get(isolated.resource_groups.kube, isolated.aks.registry_name)
    assert (registry.sku.name, registry.public_network_access) == ("Premium", "Disabled")
    assert [c.private_endpoint.id.rsplit("/", 1)[1] for c in registry.private_endpoint_connections] == \
        [endpoint_name(isolated)]

    table, results, _ = run_checks(cloud, isolated, echo=lambda *_: None)
    assert set(table["result"]) == {"PASS"}, table[table["result"] != "PASS"].to_string()
    assert results and all(r.observed == "Deny" and r.expected == "Deny" for r in results)
    assert list(cloud.network.public_ip_addresses.list_all()) == []
    verdict = validation_verdict(table, proven_design(cloud, isolated))
    assert verdict.startswith("PASS: ") and "network-isolated" in verdict and "no egress (outbound type none)" in verdict

    teardown(cloud, isolated, plan_teardown(cloud, isolated), confirm=isolated.name, echo=lambda *_: None)
    assert list(cloud.resource.resources.list(filter="tagName eq 'praks-deployment'")) == []
    assert list(cloud.resource.resource_groups.list()) == []


def test_outbound_none_without_the_cache_is_refused(cloud):
    dep = load_deployment(ISOLATED, overrides={"aks": {"bootstrap_artifact_source": "Direct"}}, check_plan=False)
    _refused(cloud, dep, "outbound_none_needs_cache")


def test_a_registry_that_is_not_premium_is_refused(cloud, isolated, monkeypatch):
    from praks_lib.deploy import registry

    monkeypatch.setattr(registry, "ISOLATED", {**registry.ISOLATED, "registry_sku": "Standard"})
    _refused(cloud, isolated, "bootstrap_registry_not_premium", registry=registry_id(cloud, isolated), sku="Standard")


def test_without_acrpull_the_nodes_cannot_sign_in(cloud, isolated, monkeypatch):
    from praks_lib.deploy import registry

    real = registry.ensure_role
    monkeypatch.setattr(registry, "ensure_role", lambda clients, principal, role, label, scope:
                        real(clients, principal, role, label, scope) if role != "AcrPull" else None)
    with pytest.raises(StageError) as refused:
        deploy_all(cloud, isolated)
    error = azure_error("bootstrap_registry_unauthorized", registry=registry_id(cloud, isolated))
    assert f"({error.code}) {error.message}" in str(refused.value)


def test_without_the_zone_the_nodes_find_no_registry(cloud, isolated, monkeypatch):
    from praks_lib.deploy import registry

    monkeypatch.setattr(registry, "ensure_registry_zone", lambda clients, dep: [])
    with pytest.raises(StageError) as refused:
        deploy_all(cloud, isolated)
    error = azure_error("outbound_connection_failed")
    assert f"({error.code}) {error.message}" in str(refused.value)


def test_a_kubelet_identity_the_cluster_may_not_assign_is_refused(cloud, isolated, monkeypatch):
    from praks_lib.deploy import registry

    real = registry.ensure_role
    monkeypatch.setattr(registry, "ensure_role", lambda clients, principal, role, label, scope:
                        real(clients, principal, role, label, scope) if role != "Managed Identity Operator" else None)
    _refused(cloud, isolated, "kubelet_identity_not_assignable")


# kubenet and Kubernetes < 1.30 cannot reach AKS through praks's parameters (kubenet is refused by the
# model, 1.29 by AKS's calendar first), so the emulator's check is asked directly.
def test_the_cache_with_kubenet_is_refused():
    from praks_lib.emulator.platform.arm.errors import ArmError
    from praks_lib.emulator.providers.containerservice.validation import check_bootstrap

    with pytest.raises(ArmError) as refused:
        check_bootstrap(None, {"outboundType": "none", "networkPlugin": "kubenet"}, {"artifactSource": "Cache"},
                        "1.36.2")
    expected = azure_error("network_isolated_kubenet")
    assert (refused.value.code, refused.value.message) == (expected.code, expected.message)


def test_the_cache_below_kubernetes_1_30_is_refused():
    from praks_lib.emulator.platform.arm.errors import ArmError
    from praks_lib.emulator.providers.containerservice.validation import check_bootstrap

    with pytest.raises(ArmError) as refused:
        check_bootstrap(None, {"outboundType": "none", "networkPlugin": "azure"}, {"artifactSource": "Cache"},
                        "1.29.9")
    expected = azure_error("network_isolated_needs_version", version="1.29.9")
    assert (refused.value.code, refused.value.message) == (expected.code, expected.message)


def test_a_missing_registry_is_refused(cloud, isolated, monkeypatch):
    from praks_lib.deploy import cluster

    monkeypatch.setattr(cluster, "registry_id", lambda clients, dep: registry_id(clients, dep) + "x")
    with pytest.raises(StageError) as refused:
        deploy_all(cloud, isolated)
    error = azure_error("bootstrap_registry_not_found", registry=registry_id(cloud, isolated) + "x")
    assert f"({error.code}) {error.message}" in str(refused.value)
    _no_cluster(cloud, isolated)


def test_registry_create_is_a_long_running_create_or_update(cloud, isolated):
    cloud.resource.resource_groups.create_or_update(isolated.resource_groups.kube, {"location": "westeurope"})
    registries = cloud.containerregistry.registries
    poller = registries.begin_create(isolated.resource_groups.kube, "praksreg1", Registry(
        location="westeurope", sku=Sku(name="Premium")))
    created = poller.result()
    assert (created.login_server, created.provisioning_state, created.public_network_access) == (
        "praksreg1.azurecr.io", "Succeeded", "Enabled")
    with pytest.raises(HttpResponseError) as refused:
        registries.begin_create(isolated.resource_groups.kube, "bad", Registry(
            location="westeurope", sku=Sku(name="Premium"))).result()
    assert refused.value.error.code == "InvalidParameter"
    assert [r.name for r in registries.list_by_resource_group(isolated.resource_groups.kube)] == ["praksreg1"]


def test_teardown_of_a_shared_group_deletes_the_endpoint_with_its_nic_and_keeps_the_rest(cloud, isolated):
    from azure.mgmt.network.models import PublicIPAddress, PublicIPAddressSku

    deploy_all(cloud, isolated)
    group = isolated.resource_groups.network
    cloud.network.public_ip_addresses.begin_create_or_update(group, "someone-elses", PublicIPAddress(
        location="westeurope", sku=PublicIPAddressSku(name="Standard"), public_ip_allocation_method="Static")).result()
    plan = plan_teardown(cloud, isolated)
    kept = [(i.action, i.name) for i in plan if i.action == "keep (not tagged)"]
    assert kept == [("keep (not tagged)", "someone-elses")]  # the endpoint's untagged NIC is the endpoint's
    singles = [i.name for i in plan if i.action == "delete resource"]
    assert endpoint_name(isolated) in singles and "privatelink.azurecr.io" in singles
    teardown(cloud, isolated, plan, confirm=isolated.name, echo=lambda *_: None)
    left = [r.name for r in cloud.resource.resources.list_by_resource_group(group)]
    assert left == ["someone-elses"]
