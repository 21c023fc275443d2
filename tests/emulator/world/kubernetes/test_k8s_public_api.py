"""The kubernetes package's public helpers for the providers: add-on workloads on an existing cluster,
node addresses the provider reserved, and the curl that pods and VMs share."""
import pytest

from praks_lib.emulator.world.command_list import Result
from praks_lib.emulator.world.kubernetes import disable_addon, enable_addon
from praks_lib.emulator.world.kubernetes.shell import curl

from .fake_cluster import NOW, FakeDataPlane, make_cluster

CLUSTER_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c"


def owners(state) -> set[str]:
    return {p.owner_name for p in state.pods if p.namespace == "kube-system"}


def test_enable_addon_runs_ama_logs_once_and_disable_stops_it():
    state = make_cluster()
    assert not any(o.startswith("ama-logs") for o in owners(state))
    enable_addon(state, "omsagent", CLUSTER_ID)
    ama = [p for p in state.pods if (p.owner_name or "").startswith("ama-logs")]
    assert len(ama) == len(state.nodes) + 1 and {p.phase for p in ama} == {"Running"}
    enable_addon(state, "omsagent", CLUSTER_ID)
    assert len([p for p in state.pods if (p.owner_name or "").startswith("ama-logs")]) == len(ama)
    disable_addon(state, "omsagent")
    assert not any((p.owner_name or "").startswith("ama-logs") for p in state.pods)
    assert any(o.startswith("coredns-") for o in owners(state))  # other system pods stay


def test_an_addon_without_pods_changes_nothing():
    state = make_cluster()
    before = state.to_json()
    enable_addon(state, "azurepolicy", CLUSTER_ID)
    assert state.to_json() == before


def test_nodes_take_the_addresses_the_provider_reserved():
    state = make_cluster(node_ips=["10.0.5.40", "10.0.5.71", "10.0.5.102"])
    assert [n.internal_ip for n in state.nodes] == ["10.0.5.40", "10.0.5.71", "10.0.5.102"]
    pods = [p for p in state.pods if not p.host_network]
    first = {n.name: int(n.internal_ip.rsplit(".", 1)[1]) for n in state.nodes}
    assert pods and all(0 < int(p.ip.rsplit(".", 1)[1]) - first[p.node] <= 30 for p in pods)  # the node's block


def test_without_node_ips_nodes_take_the_first_blocks():
    assert [n.internal_ip for n in make_cluster().nodes] == ["10.0.5.4", "10.0.5.35", "10.0.5.66"]


def test_node_ips_must_fit_the_subnet_and_the_node_count():
    with pytest.raises(ValueError, match="one address of 10.0.5.0/24 per node"):
        make_cluster(node_ips=["10.0.6.4", "10.0.5.35", "10.0.5.66"])
    with pytest.raises(ValueError, match="per node"):
        make_cluster(node_ips=["10.0.5.4"])


def test_curl_writes_its_own_messages_on_stderr():
    plane = FakeDataPlane()

    def flow(host, address, port, protocol, sni):
        return plane.network("10.0.1.4", host, port, protocol, sni)

    def lookup(name):
        return [] if name.endswith(".invalid") else ["93.184.216.34"]

    assert curl(["-sS", "-m", "5", "https://batman.com"], lookup=lookup, flow=flow, now=NOW) == Result(
        35, "", "curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to batman.com:443\n")
    assert curl(["-s", "-w", "%{http_code}", "http://x.invalid"], lookup=lookup, flow=flow, now=NOW) == \
        Result(6, "000", "")
    ok = curl(["-sI", "http://example.com"], lookup=lookup, flow=flow, now=NOW)
    assert (ok.code, ok.stdout.splitlines()[0], ok.stderr) == (0, "HTTP/1.1 200 OK", "")
    assert plane.flows[-1] == ("10.0.1.4", "example.com", 80, "HTTP", None)
