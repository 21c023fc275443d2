"""The addresses an AKS node pool takes up front with Azure CNI (aks.yaml), as AKS counts them when
it checks a create: every node, plus one surge node for upgrades, gets its address and, with flat
Azure CNI, its max-pods addresses in the subnet; with CNI Overlay, a /24 of the pod CIDR instead.
The plan warns before a create and the emulator refuses one with the same numbers."""
from __future__ import annotations

from praks_lib.azure import facts

_PROFILE = facts.load("aks")["network_profile"]
SURGE_NODES = 1
OVERLAY_NODE_BLOCK = 2 ** (32 - _PROFILE["overlay_node_block_prefix"])
MAX_PODS = _PROFILE["max_pods"]  # AKS's default per node: overlay, azure (flat), kubenet


def subnet_addresses(nodes: int, max_pods: int, overlay: bool) -> int:
    """Addresses the pool takes from its subnet: one per node with overlay, else the node and its pods."""
    return (nodes + SURGE_NODES) * (1 if overlay else max_pods + 1)


def pod_cidr_addresses(nodes: int) -> int:
    """Addresses the pool takes from the overlay pod CIDR: one block per node."""
    return (nodes + SURGE_NODES) * OVERLAY_NODE_BLOCK
