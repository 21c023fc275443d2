"""Managed-cluster responses against Microsoft's REST examples (shape + SDK model round trip) and the
recorded `az aks create --enable-private-cluster` / `az aks command invoke` traffic."""
import pytest
from azure.mgmt.containerservice.models import (
    CredentialResults,
    ManagedCluster,
    OutboundEnvironmentEndpoint,
    RunCommandResult,
)

from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.emulator.platform.transport import FAKE_TOKEN

from ..aks_world import build_world, cluster_body
from .shapes import load_example, shape_differences

CLUSTER = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dzpraks1_kube/providers/"
           "Microsoft.ContainerService/managedClusters/dzpraks1")
# What the example has and a private UDR cluster with a user-assigned identity does not.
NOT_FOR_THIS_CLUSTER = frozenset({
    "eTag", "properties.diskEncryptionSetID", "properties.upgradeSettings", "properties.fqdn",
    "properties.networkProfile.loadBalancerProfile", "properties.networkProfile.podCidr",
    "properties.networkProfile.podCidrs", "properties.linuxProfile", "properties.agentPoolProfiles[].eTag",
    "properties.agentPoolProfiles[].availabilityZones", "tags",
})


@pytest.fixture
def call(clients, dep):
    build_world(clients, dep)
    session = clients._transport_factory().session

    def send(method, url, json=None):
        if not url.startswith("https://"):
            url = f"https://management.azure.com{url}?api-version=2026-08-01"
        return session.request(method, url, json=json, headers={"Authorization": f"Bearer {FAKE_TOKEN}"})

    send.clients = clients
    return send


def example_body(name, status="200"):
    return load_example("containerservice", name)["responses"][status]["body"]


def test_get_matches_the_example_shape_and_the_sdk_model(call, dep):
    ensure_private_cluster(call.clients, dep)
    body = call("GET", CLUSTER).json()
    assert shape_differences(body, example_body("ManagedClustersGet"), NOT_FOR_THIS_CLUSTER) == []
    assert ManagedCluster(body).private_fqdn == body["properties"]["privateFQDN"]


def test_create_answers_like_the_recorded_private_cluster(call, dep):
    created = call("PUT", CLUSTER, json=cluster_body(call.clients, dep))
    assert created.status_code == 201 and created.json()["properties"]["provisioningState"] == "Creating"
    operation = created.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.ContainerService/locations/westeurope/operations/" in operation
    assert "Retry-After" not in created.headers
    statuses = [call("GET", operation).json()["status"] for _ in range(4)]
    assert statuses == ["InProgress", "InProgress", "InProgress", "Succeeded"]
    assert call("GET", CLUSTER).json()["properties"]["provisioningState"] == "Succeeded"
    assert created.json()["type"] == "Microsoft.ContainerService/ManagedClusters"


def test_command_result_matches_the_example(call, dep):
    ensure_private_cluster(call.clients, dep)
    location = call("POST", CLUSTER + "/runCommand", json={"command": "kubectl get ns", "context": ""}).headers["Location"]
    call("GET", location)
    body = call("GET", location).json()
    assert shape_differences(body, example_body("RunCommandResultSucceed")) == []
    assert RunCommandResult(body).exit_code == 0


def test_credentials_and_outbound_dependencies_match_the_examples(call, dep):
    ensure_private_cluster(call.clients, dep)
    credentials = call("POST", CLUSTER + "/listClusterUserCredential").json()
    assert shape_differences(credentials, example_body("ManagedClustersListClusterUserCredentials")) == []
    assert CredentialResults(credentials).kubeconfigs[0].name == "clusterUser"
    endpoints = call("GET", CLUSTER + "/outboundNetworkDependenciesEndpoints").json()
    assert shape_differences(endpoints, example_body("OutboundNetworkDependenciesEndpointsList"),
                             frozenset({"nextLink", "value[].endpoints[].endpointDetails[].description"})) == []
    categories = [OutboundEnvironmentEndpoint(v).category for v in endpoints["value"]]
    assert "apiserver" not in categories and "images" in categories


def test_sdk_lists_outbound_dependencies(call, dep):
    ensure_private_cluster(call.clients, dep)
    listed = call.clients.containerservice.managed_clusters.list_outbound_network_dependencies_endpoints(
        dep.resource_groups.kube, dep.aks.name)
    domains = {e.domain_name for category in listed for e in category.endpoints}
    assert {"mcr.microsoft.com", "management.azure.com", "packages.aks.azure.com"} <= domains
