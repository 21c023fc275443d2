"""The emulated cluster's Kubernetes objects, as one serialisable ClusterState.

The managed-cluster provider keeps a ClusterState beside the cluster resource (``to_json`` /
``from_json``); kubectl reads and changes it in place. Every value is deterministic: names, uids
and addresses come from stable hashes and counters, times from the caller's clock.
"""
from __future__ import annotations

import hashlib
import ipaddress
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Kubernetes' generated-name alphabet (no vowels, no look-alikes): k8s.io/apimachinery rand.String.
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_UID_NAMESPACE = uuid.UUID("6f1c2f2e-6d1b-4a8e-9d3c-0b7f5c1a2e40")


def stable_suffix(seed: str, length: int = 5) -> str:
    """A generated-name suffix (like ``-cgj6f``) that depends only on ``seed``."""
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(NAME_ALPHABET))
        chars.append(NAME_ALPHABET[index])
    return "".join(chars)


def stable_uid(*parts: str) -> str:
    return str(uuid.uuid5(_UID_NAMESPACE, "|".join(parts)))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Container(_Model):
    name: str
    image: str
    command: list[str] = Field(default_factory=list)
    args: list[str] = Field(default_factory=list)
    ports: list[dict[str, Any]] = Field(default_factory=list)


class Node(_Model):
    name: str
    internal_ip: str
    created: datetime
    kubelet_version: str
    os_image: str
    kernel_version: str
    container_runtime: str
    labels: dict[str, str] = Field(default_factory=dict)
    pod_cidr: str | None = None  # overlay: this node's /24 of the pod CIDR
    uid: str = ""


class Pod(_Model):
    namespace: str
    name: str
    uid: str
    node: str
    ip: str
    host_ip: str
    created: datetime
    containers: list[Container]
    labels: dict[str, str] = Field(default_factory=dict)
    host_network: bool = False
    restart_policy: Literal["Always", "OnFailure", "Never"] = "Always"
    owner_kind: str | None = None  # "ReplicaSet" | "DaemonSet" | None for a bare pod
    owner_name: str | None = None
    phase: Literal["Pending", "Running", "Succeeded", "Failed"] = "Running"
    exit_code: int | None = None  # set when the containers have terminated
    status_reason: str | None = None  # STATUS shown instead of the phase: CrashLoopBackOff, StartError
    restarts: int = 0
    logs: str = ""
    applied: dict[str, Any] | None = None  # the manifest `kubectl apply` last wrote

    @property
    def finished(self) -> bool:
        return self.phase in ("Succeeded", "Failed")


class ServicePort(_Model):
    port: int
    protocol: str = "TCP"
    name: str | None = None
    target_port: int | str | None = None
    node_port: int | None = None


class Service(_Model):
    namespace: str
    name: str
    uid: str
    created: datetime
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    cluster_ip: str
    external_ip: str | None = None
    ports: list[ServicePort] = Field(default_factory=list)
    selector: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)  # e.g. azure-load-balancer-internal
    applied: dict[str, Any] | None = None


class Deployment(_Model):
    namespace: str
    name: str
    uid: str
    created: datetime
    replicas: int
    selector: dict[str, str]
    template: dict[str, Any]  # the pod template as written in the manifest
    template_hash: str  # pod-template-hash: the ReplicaSet name suffix
    labels: dict[str, str] = Field(default_factory=dict)
    applied: dict[str, Any] | None = None


class ConfigMap(_Model):
    namespace: str
    name: str
    uid: str
    created: datetime
    data: dict[str, str] = Field(default_factory=dict)
    applied: dict[str, Any] | None = None


class Namespace(_Model):
    name: str
    uid: str
    created: datetime
    applied: dict[str, Any] | None = None


class ClusterState(_Model):
    """Everything kubectl can see in one emulated cluster."""

    cluster_name: str
    kubernetes_version: str  # full patch version, e.g. "1.33.2"
    network_plugin: str
    network_plugin_mode: str | None = None
    api_server_fqdn: str
    service_cidr: str
    dns_service_ip: str
    pod_cidr: str | None = None
    created: datetime
    nodes: list[Node] = Field(default_factory=list)
    namespaces: list[Namespace] = Field(default_factory=list)
    pods: list[Pod] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    deployments: list[Deployment] = Field(default_factory=list)
    config_maps: list[ConfigMap] = Field(default_factory=list)
    serial: int = 0  # bumps on every change: resourceVersion, fresh names

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> "ClusterState":
        return cls.model_validate_json(text)

    @property
    def overlay(self) -> bool:
        return self.network_plugin_mode == "overlay"

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    # look-ups ----------------------------------------------------------------------------
    def pod(self, namespace: str, name: str) -> Pod | None:
        return next((p for p in self.pods if p.namespace == namespace and p.name == name), None)

    def service(self, namespace: str, name: str) -> Service | None:
        return next((s for s in self.services if s.namespace == namespace and s.name == name), None)

    def deployment(self, namespace: str, name: str) -> Deployment | None:
        return next((d for d in self.deployments if d.namespace == namespace and d.name == name), None)

    def config_map(self, namespace: str, name: str) -> ConfigMap | None:
        return next((c for c in self.config_maps if c.namespace == namespace and c.name == name), None)

    def namespace(self, name: str) -> Namespace | None:
        return next((n for n in self.namespaces if n.name == name), None)

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)

    # addresses ---------------------------------------------------------------------------
    def egress_source_ip(self, pod: Pod) -> str:
        """The source address the network sees for a pod's traffic leaving the cluster.

        Classic Azure CNI pods own VNet addresses and keep them; overlay pod addresses are not
        routable in the VNet, so the node masquerades them (SNAT to the node IP); host-network
        pods use the node IP anyway.
        """
        if pod.host_network or self.overlay:
            return pod.host_ip
        return pod.ip

    def used_ips(self) -> set[str]:
        return {p.ip for p in self.pods if not p.host_network} | {n.internal_ip for n in self.nodes}

    def new_service_ip(self, seed: str) -> str:
        """A free ClusterIP in the service CIDR, chosen by a stable hash of ``seed``."""
        network = ipaddress.IPv4Network(self.service_cidr)
        taken = {s.cluster_ip for s in self.services} | {self.dns_service_ip}
        size = network.num_addresses - 2
        start = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big") % size
        for step in range(size):
            candidate = str(network.network_address + 1 + (start + step) % size)
            if candidate not in taken:
                return candidate
        raise RuntimeError(f"the service CIDR {self.service_cidr} has no free address left")
