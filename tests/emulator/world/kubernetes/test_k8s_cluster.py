"""Cluster state: nodes, addresses, system workloads per network plugin, services, serialisation."""
import ipaddress

import pytest

from praks_lib.emulator.world.kubernetes import ClusterState, system_workload
from praks_lib.emulator.world.kubernetes.workload import CURRENT, WALKTHROUGH

from .fake_cluster import CREATED, make_cluster

AKS_SUBNET = ipaddress.IPv4Network("10.0.5.0/24")


def names(workloads):
    return [w.name for w in workloads]


def test_nodes_are_ready_vmss_instances_with_ips_from_the_aks_subnet(state):
    assert [n.name[-10:] for n in state.nodes] == ["vmss000000", "vmss000001", "vmss000002"]
    assert all(n.name.startswith("aks-nodepool1-") and len(n.name.split("-")[2]) == 8 for n in state.nodes)
    assert [n.internal_ip for n in state.nodes] == ["10.0.5.4", "10.0.5.35", "10.0.5.66"]
    assert {n.kubelet_version for n in state.nodes} == {"v1.33.2"}


def test_azure_cni_pods_take_subnet_addresses_next_to_their_node(state):
    for pod in state.pods:
        node = state.node(pod.node)
        assert ipaddress.IPv4Address(pod.ip) in AKS_SUBNET
        if pod.host_network:
            assert pod.ip == node.internal_ip
        else:
            offset = int(ipaddress.IPv4Address(pod.ip)) - int(ipaddress.IPv4Address(node.internal_ip))
            assert 1 <= offset <= 30
    ips = [p.ip for p in state.pods if not p.host_network]
    assert len(ips) == len(set(ips))


def test_overlay_pods_take_addresses_from_the_pod_cidr_and_leave_as_the_node():
    state = make_cluster(network_plugin_mode="overlay", pod_cidr="10.244.0.0/16")
    pod = next(p for p in state.pods if p.name.startswith("coredns-") and "autoscaler" not in p.name)
    assert ipaddress.IPv4Address(pod.ip) in ipaddress.IPv4Network(state.node(pod.node).pod_cidr)
    assert state.egress_source_ip(pod) == state.node(pod.node).internal_ip
    assert [n.pod_cidr for n in state.nodes] == ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]
    assert [n.internal_ip for n in state.nodes] == ["10.0.5.4", "10.0.5.5", "10.0.5.6"]


def test_classic_cni_pods_leave_with_their_own_address(state):
    pod = next(p for p in state.pods if p.name.startswith("konnectivity-agent"))
    assert state.egress_source_ip(pod) == pod.ip


def test_system_workload_for_classic_azure_cni_includes_the_walkthrough_pods():
    workloads = system_workload("azure", None, "1.33.2", 3)
    assert names(workloads) == [
        "azure-cni-networkmonitor", "azure-cns", "azure-ip-masq-agent", "cloud-node-manager", "coredns",
        "coredns-autoscaler", "csi-azuredisk-node", "csi-azurefile-node", "konnectivity-agent", "kube-proxy",
        "metrics-server"]
    walkthrough = {w.name for w in workloads if w.origin == WALKTHROUGH}
    assert walkthrough == {"azure-cni-networkmonitor", "azure-ip-masq-agent", "coredns", "coredns-autoscaler",
                           "kube-proxy"}
    assert all(w.origin in (WALKTHROUGH, CURRENT) for w in workloads)
    counts = {w.name: w.count for w in workloads}
    assert (counts["coredns"], counts["konnectivity-agent"], counts["metrics-server"], counts["kube-proxy"]) == \
           (2, 2, 2, 3)


def test_overlay_has_no_network_monitor_and_monitoring_adds_ama_logs():
    workloads = names(system_workload("azure", "overlay", "1.33.2", 2, addons=["omsagent"]))
    assert "azure-cni-networkmonitor" not in workloads
    assert {"ama-logs", "ama-logs-rs", "azure-cns"} <= set(workloads)


@pytest.mark.parametrize("args, message", [
    (("kubenet", None, "1.33.2", 3), "network plugin 'kubenet' is not emulated"),
    (("azure", "cilium", "1.33.2", 3), "network plugin mode 'cilium'"),
    (("azure", None, "1.33.2", 0), "at least one node"),
])
def test_system_workload_refuses_what_it_cannot_emulate(args, message):
    with pytest.raises(ValueError, match=message):
        system_workload(*args)


def test_pod_counts_match_the_workload(state):
    kube_system = [p for p in state.pods if p.namespace == "kube-system"]
    assert len(kube_system) == sum(w.count for w in system_workload("azure", None, "1.33.2", 3))
    assert all(p.phase == "Running" for p in kube_system)


def test_default_services(state):
    services = {(s.namespace, s.name): s for s in state.services}
    assert services["default", "kubernetes"].cluster_ip == "10.2.0.1"
    assert services["kube-system", "kube-dns"].cluster_ip == "10.2.0.10"
    assert services["kube-system", "metrics-server"].cluster_ip == "10.2.0.50"
    assert [n.name for n in state.namespaces] == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_state_is_deterministic_and_round_trips_through_json(state):
    assert make_cluster().to_json() == state.to_json()
    again = ClusterState.from_json(state.to_json())
    assert again == state
    assert again.created == CREATED


def test_another_cluster_gets_other_names():
    other = make_cluster(cluster_id="/subscriptions/x/resourceGroups/y/providers/Microsoft.ContainerService/"
                                    "managedClusters/other")
    assert {p.name for p in other.pods}.isdisjoint({p.name for p in make_cluster().pods})


@pytest.mark.parametrize("overrides, message", [
    ({"kubernetes_version": "1.33"}, "full patch version such as 1.33.2"),
    ({"node_subnet": "10.0.5.0/27"}, "cannot hold 3 nodes"),
    ({"network_plugin_mode": "overlay"}, "needs pod_cidr"),
])
def test_bad_cluster_parameters_name_the_fix(overrides, message):
    with pytest.raises(ValueError, match=message):
        make_cluster(**overrides)
