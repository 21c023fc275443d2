"""The versions API and AKS's version checks, answered from the shared calendar for the pinned day
(2026-12-01: 1.35, 1.36 and 1.37 in community support, 1.36 the default; 1.32-1.34 LTS only)."""
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from praks_lib.azure.messages import azure_error
from praks_lib.deploy.cluster import kubernetes_version

from ..aks_world import build_world, cluster_body, create


@pytest.fixture
def world(clients, dep):
    return build_world(clients, dep)


def _versions(clients):
    return clients.containerservice.managed_clusters.list_kubernetes_versions("westeurope").values_property


def test_the_list_marks_azures_default_and_the_lts_only_minors(clients):
    listed = {v.version: v for v in _versions(clients)}
    assert list(listed) == ["1.32", "1.33", "1.34", "1.35", "1.36", "1.37"]
    assert [v for v, entry in listed.items() if entry.is_default] == ["1.36"]
    assert listed["1.33"].capabilities.support_plan == ["AKSLongTermSupport"]
    assert listed["1.36"].capabilities.support_plan == ["KubernetesOfficial", "AKSLongTermSupport"]
    assert listed["1.35"].patch_versions["1.35.6"].upgrades == ["1.36.2", "1.37.0"]


def test_the_default_moves_with_the_calendar(clients, monkeypatch):
    monkeypatch.setenv("PRAKS_TODAY", "2026-09-15")  # before 1.37's GA
    assert [v.version for v in _versions(clients) if v.is_default] == ["1.35"]


def test_the_runbook_takes_azures_default_when_no_version_is_pinned(clients, dep):
    assert kubernetes_version(clients, dep) == "1.36.2"
    dep.aks.kubernetes_version = "1.35"
    assert kubernetes_version(clients, dep) == "1.35"


@pytest.mark.parametrize("version, key, values", [
    ("1.33", "k8s_version_lts_only", {"cluster": "dzpraks1", "version": "1.33.13"}),
    ("1.31.13", "k8s_version_not_supported", {"version": "1.31.13"}),
    ("1.10", "k8s_version_not_supported", {"version": "1.10"}),
    ("1.36.9", "k8s_version_not_supported", {"version": "1.36.9"}),  # a patch AKS has not released
])
def test_an_out_of_support_version_is_refused_with_azures_code_and_nothing_is_created(world, dep, version, key,
                                                                                       values):
    with pytest.raises(HttpResponseError) as caught:
        create(world, dep, cluster_body(world, dep, kubernetesVersion=version))
    expected = azure_error(key, **values)
    assert (caught.value.status_code, caught.value.error.code, caught.value.error.message) == (
        400, expected.code, expected.message)
    with pytest.raises(ResourceNotFoundError):
        world.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name)


def test_a_minor_resolves_to_its_latest_patch(world, dep):
    cluster = create(world, dep, cluster_body(world, dep, kubernetesVersion="1.35"))
    assert (cluster.kubernetes_version, cluster.current_kubernetes_version) == ("1.35", "1.35.6")
