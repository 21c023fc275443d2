"""Run command (the API behind `az aks command invoke`) and the monitoring add-on, through the SDK and
the runbook's own helpers: system pods Running, a test pod's traffic judged and logged by the firewall,
cluster state kept across processes, Container insights rows queryable with KQL."""
import pytest

from praks_lib import queries
from praks_lib.cloud import connect
from praks_lib.deploy.cluster import ensure_private_cluster
from praks_lib.deploy.monitoring import cluster_workspace_customer_id, ensure_monitoring_addon
from praks_lib.emulator.platform.transport import FAKE_TOKEN
from praks_lib.firewall import denied_http_response
from praks_lib.runcommand import kubectl

from ..aks_world import build_world

CLUSTER = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dzpraks1_kube/providers/"
           "Microsoft.ContainerService/managedClusters/dzpraks1")
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: centos\nspec:\n  containers:\n  - name: centos\n" \
      "    image: centos\n    command: [sleep, \"3600\"]\n"


@pytest.fixture
def cluster(clients, dep):
    build_world(clients, dep)
    ensure_private_cluster(clients, dep)
    return clients


def firewall_rows(clients, dep, query):
    customer_id = clients.loganalytics.workspaces.get(dep.resource_groups.network, dep.name).customer_id
    return [tuple(r) for r in clients.logs.query_workspace(customer_id, query, timespan=None).tables[0].rows]


def test_system_pods_are_running(cluster, dep):
    out = kubectl(cluster, dep, "kubectl get pods -A")
    lines = out.stdout.splitlines()
    assert out.exit_code == 0 and lines[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    system = [line.split() for line in lines[1:] if line.startswith("kube-system")]
    assert {row[3] for row in system} == {"Running"}
    # CNI Overlay (the default's baseline-2026): azure-cns, no classic CNI's azure-cni-networkmonitor
    names = {row[1].rsplit("-", 1)[0] for row in system}
    assert names >= {"azure-cns", "azure-ip-masq-agent", "kube-proxy"} and "azure-cni-networkmonitor" not in names
    assert any(row[1].startswith("coredns-") for row in system)


def test_a_test_pod_is_denied_batman_com_and_the_firewall_logs_it(cluster, dep):
    out = kubectl(cluster, dep, "kubectl run test --image=mcr.microsoft.com/azurelinux/base/core:3.0 --rm -i "
                                "--restart=Never -- curl -s http://batman.com")
    assert out.stdout.startswith(denied_http_response()["body"])  # the firewall's deny page
    rows = firewall_rows(cluster, dep, 'AZFWApplicationRule | where Fqdn == "batman.com" '
                                       "| project SourceIp, Action, ActionReason")
    assert len(rows) == 1 and rows[0][1] == "Deny" and rows[0][0].startswith("10.0.5.")
    assert rows[0][2] == "Default Action"


def test_allowed_traffic_from_a_pod_reaches_its_site(cluster, dep):
    kubectl(cluster, dep, "kubectl apply -f centos.yaml", {"centos.yaml": POD})
    out = kubectl(cluster, dep, "kubectl exec centos -- curl -sS -m 10 http://azure.archive.ubuntu.com/ubuntu/")
    assert out.exit_code == 0 and "Index of /ubuntu/" in out.stdout


def test_pods_applied_with_a_context_persist_across_processes(cluster, dep, tmp_path):
    assert kubectl(cluster, dep, "kubectl apply -f centos.yaml", {"centos.yaml": POD}).stdout == "pod/centos created\n"
    elsewhere = connect(dep, state_dir=tmp_path / "cloud")  # another process's view of the same folder
    out = kubectl(elsewhere, dep, "kubectl get pod centos")
    assert out.exit_code == 0 and "Running" in out.stdout


def test_run_command_is_polled_like_azure(cluster, dep, emu_call):
    accepted = emu_call("POST", CLUSTER + "/runCommand", json={"command": "kubectl get ns", "context": ""})
    assert accepted.status_code == 202 and accepted.content == b""
    location = accepted.headers["Location"]
    assert "/managedclusters/dzpraks1/commandResults/" in location
    running = emu_call("GET", location)
    assert running.status_code == 202 and running.json()["properties"] == {"provisioningState": "Running"}
    done = emu_call("GET", location)
    body = done.json()
    assert done.status_code == 200 and set(body) == {"id", "properties"}
    assert body["properties"]["provisioningState"] == "Succeeded" and body["properties"]["exitCode"] == 0
    assert body["properties"]["logs"].startswith("NAME ")
    assert (body["properties"]["startedAt"], body["properties"]["finishedAt"]) == ("2025-01-01T00:16:00Z",
                                                                                  "2025-01-01T00:16:01Z")


def test_a_context_that_is_not_a_zip_is_refused(cluster, dep, emu_call):
    refused = emu_call("POST", CLUSTER + "/runCommand", json={"command": "kubectl get ns", "context": "bm90IGEgemlw"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "InvalidParameter"


def test_monitoring_addon_fills_container_insights_tables(cluster, dep):
    ensure_monitoring_addon(cluster, dep)
    addon = cluster.containerservice.managed_clusters.get(dep.resource_groups.kube, dep.aks.name).addon_profiles["omsagent"]
    assert addon.enabled and addon.identity.resource_id.endswith("/omsagent-dzpraks1")
    pods = kubectl(cluster, dep, "kubectl get pods -n kube-system").stdout
    assert "ama-logs-rs-" in pods
    customer_id = cluster_workspace_customer_id(cluster, dep)
    query = queries.load("system_pod_inventory")
    rows = cluster.logs.query_workspace(customer_id, query, timespan=None).tables[0].rows
    assert rows and {r[1] for r in rows} == {"Running"}
    assert any(r[0].startswith("ama-logs-rs-") for r in rows)
    nodes = cluster.logs.query_workspace(customer_id, "KubeNodeInventory | distinct Computer", timespan=None)
    assert len(nodes.tables[0].rows) == 3
    assert ensure_monitoring_addon(cluster, dep)[1].action == "unchanged"


def test_a_new_pod_appears_in_the_inventory(cluster, dep):
    ensure_monitoring_addon(cluster, dep)
    kubectl(cluster, dep, "kubectl apply -f centos.yaml", {"centos.yaml": POD})
    customer_id = cluster_workspace_customer_id(cluster, dep)
    rows = cluster.logs.query_workspace(customer_id, 'KubePodInventory | where Name == "centos" '
                                                     "| distinct Namespace, PodStatus", timespan=None).tables[0].rows
    assert [tuple(r) for r in rows] == [("default", "Running")]


@pytest.fixture
def emu_call(cluster):
    """A raw request through the same emulator (no SDK polling), as a requests.Response."""
    session = cluster._transport_factory().session

    def send(method, url, json=None):
        if not url.startswith("https://"):
            url = f"https://management.azure.com{url}?api-version=2026-08-01"
        return session.request(method, url, json=json, headers={"Authorization": f"Bearer {FAKE_TOKEN}"})

    return send
