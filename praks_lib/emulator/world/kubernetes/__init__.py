"""The emulated cluster's Kubernetes side: objects, system workloads, a kubectl subset, pod tools.

The managed-cluster provider creates a ClusterState with ``new_cluster`` when a cluster finishes
provisioning, stores ``state.to_json()``, runs add-ons enabled later with ``enable_addon``
(``disable_addon`` stops them), and for each runCommand calls ``invoke`` (or
``run_kubectl`` directly) with the data plane's ``network`` and ``resolve`` callables.
"""
from praks_lib.emulator.world.kubernetes.cluster import disable_addon, enable_addon, new_cluster
from praks_lib.emulator.world.kubernetes.invoke import ContextError, invoke, unpack_context
from praks_lib.emulator.world.kubernetes.kubectl import run_kubectl
from praks_lib.emulator.world.kubernetes.network import Network, Outcome, Resolver
from praks_lib.emulator.world.kubernetes.objects import ClusterState
from praks_lib.emulator.world.kubernetes.render import human_age
from praks_lib.emulator.world.kubernetes.workload import SystemWorkload, network_emulated, system_workload

__all__ = ["ClusterState", "ContextError", "Network", "Outcome", "Resolver", "SystemWorkload", "disable_addon",
           "enable_addon", "human_age", "invoke", "network_emulated", "new_cluster", "run_kubectl", "system_workload", "unpack_context"]
