"""`kubectl apply -f` / `delete -f`: manifests from the run command's context files.

Supported kinds: v1 Pod, Service, Namespace, ConfigMap and apps/v1 Deployment (which creates its
pods). Each object remembers the manifest it was applied with, so a second apply says `unchanged`
or `configured` like kubectl's last-applied-configuration comparison.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Callable

import yaml

from praks_lib import yamltext
from praks_lib.emulator.world.kubernetes import cluster
from praks_lib.emulator.world.kubernetes.errors import KubectlError
from praks_lib.emulator.world.kubernetes.objects import (
    ClusterState,
    ConfigMap,
    Deployment,
    Pod,
    Service,
    ServicePort,
    stable_uid,
)

SUPPORTED = {("v1", "Pod"), ("v1", "Service"), ("v1", "Namespace"), ("v1", "ConfigMap"), ("apps/v1", "Deployment")}
# kind → (kubectl's resource/group name in messages, plural for NotFound errors)
NAMES = {"Pod": ("pod", "pods"), "Service": ("service", "services"), "Namespace": ("namespace", "namespaces"),
         "ConfigMap": ("configmap", "configmaps"), "Deployment": ("deployment.apps", "deployments.apps")}
StartPod = Callable[[Pod], None]


def load_documents(path: str, context_files: dict[str, bytes]) -> list[dict]:
    """Every non-empty YAML/JSON document in ``path``, checked the way kubectl's client validation does."""
    if path == "-":
        raise KubectlError("error: no objects passed to apply")
    data = context_files.get(path, context_files.get(path.removeprefix("./")))
    if data is None:
        raise KubectlError(f'error: the path "{path}" does not exist')
    try:
        text = data.decode() if isinstance(data, bytes) else data
        documents = [d for d in yamltext.read(text, yamltext.all_documents) if d is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise KubectlError(f"error: error parsing {path}: error converting YAML to JSON: yaml: {line}{problem}") \
            from None
    for document in documents:
        if not isinstance(document, dict):
            raise KubectlError(f'error: error validating "{path}": error validating data: invalid object to '
                               "validate; if you choose to ignore these errors, turn validation off with "
                               "--validate=false")
        for field in ("apiVersion", "kind"):
            if not document.get(field):
                raise KubectlError(f'error: error validating "{path}": error validating data: {field} not set; '
                                   "if you choose to ignore these errors, turn validation off with --validate=false")
        if not (document.get("metadata") or {}).get("name"):
            raise KubectlError(f'error: error when retrieving current configuration of:\nResource: "", '
                               f'Name: "", Namespace: ""\nfrom server for: "{path}": resource name may not be empty')
    if not documents:
        raise KubectlError("error: no objects passed to apply")
    return documents


def _identity(document: dict, path: str, default_namespace: str) -> tuple[str, str, str]:
    kind, api = document["kind"], document["apiVersion"]
    name = document["metadata"]["name"]
    namespace = "" if kind == "Namespace" else (document["metadata"].get("namespace") or default_namespace)
    if (api, kind) not in SUPPORTED:
        raise KubectlError(f'error: resource mapping not found for name: "{name}" namespace: "{namespace if kind != "Namespace" else ""}" '
                           f'from "{path}": no matches for kind "{kind}" in version "{api}"\n'
                           "ensure CRDs are installed first")
    return kind, namespace, name


def _find(state: ClusterState, kind: str, namespace: str, name: str):
    return {"Pod": lambda: state.pod(namespace, name), "Service": lambda: state.service(namespace, name),
            "Namespace": lambda: state.namespace(name), "ConfigMap": lambda: state.config_map(namespace, name),
            "Deployment": lambda: state.deployment(namespace, name)}[kind]()


def apply_document(state: ClusterState, document: dict, path: str, default_namespace: str, now: datetime,
                   start_pod: StartPod) -> str:
    """Create or update one object; the line kubectl prints for it."""
    kind, namespace, name = _identity(document, path, default_namespace)
    label = f"{NAMES[kind][0]}/{name}"
    if kind != "Namespace" and state.namespace(namespace) is None:
        raise KubectlError(f'Error from server (NotFound): error when creating "{path}": '
                           f'namespaces "{namespace}" not found')
    existing = _find(state, kind, namespace, name)
    if existing is not None and existing.applied == document:
        return f"{label} unchanged"
    if existing is not None:
        _update(state, kind, existing, document, path, now)
        existing.applied = document
        state.next_serial()
        return f"{label} configured"
    created = _create(state, kind, namespace, name, document, now, start_pod)
    created.applied = document
    return f"{label} created"


def _create(state, kind, namespace, name, document, now, start_pod):
    spec = document.get("spec") or {}
    labels = dict((document.get("metadata") or {}).get("labels") or {})
    uid = stable_uid(state.api_server_fqdn, kind, namespace, name, str(state.next_serial()))
    if kind == "Namespace":
        return cluster.add_namespace(state, name, now)
    if kind == "ConfigMap":
        config_map = ConfigMap(namespace=namespace, name=name, uid=uid, created=now,
                               data={k: str(v) for k, v in (document.get("data") or {}).items()})
        state.config_maps.append(config_map)
        return config_map
    if kind == "Service":
        service = Service(namespace=namespace, name=name, uid=uid, created=now, type=spec.get("type", "ClusterIP"),
                          cluster_ip=spec.get("clusterIP") or state.new_service_ip(f"{namespace}/{name}"),
                          ports=_service_ports(spec, f"{namespace}/{name}"), selector=spec.get("selector") or {},
                          labels=labels, annotations=_annotations(document))
        state.services.append(service)
        return service
    if kind == "Deployment":
        template = spec.get("template") or {}
        deployment = Deployment(namespace=namespace, name=name, uid=uid, created=now,
                                replicas=int(spec.get("replicas", 1)),
                                selector=(spec.get("selector") or {}).get("matchLabels") or {},
                                template=template, labels=labels,
                                template_hash=cluster.template_hash(json.dumps(template, sort_keys=True)))
        state.deployments.append(deployment)
        cluster.scale_deployment(state, deployment, now)
        for pod in cluster.deployment_pods(state, deployment):
            start_pod(pod)
        return deployment
    if not spec.get("containers"):
        raise KubectlError(f'The Pod "{name}" is invalid: spec.containers: Required value')
    pod = cluster.place_pod(state, namespace=namespace, name=name, containers=cluster.containers_from(spec),
                            now=now, labels=labels, host_network=bool(spec.get("hostNetwork")),
                            restart_policy=spec.get("restartPolicy", "Always"), seed=uid)
    start_pod(pod)
    return pod


def _annotations(document: dict) -> dict[str, str]:
    return {k: str(v) for k, v in ((document.get("metadata") or {}).get("annotations") or {}).items()}


def _service_ports(spec: dict, seed: str) -> list[ServicePort]:
    ports = []
    for index, port in enumerate(spec.get("ports") or []):
        node_port = port.get("nodePort")
        if spec.get("type") in ("NodePort", "LoadBalancer") and not node_port:
            node_port = 30000 + int(hashlib.sha256(f"{seed}|{index}".encode()).hexdigest(), 16) % 2768
        ports.append(ServicePort(port=int(port["port"]), protocol=port.get("protocol", "TCP"), name=port.get("name"),
                                 target_port=port.get("targetPort"), node_port=node_port))
    return ports


def _update(state, kind, existing, document, path, now):
    spec = document.get("spec") or {}
    if kind == "Pod":
        wanted = cluster.containers_from(spec)
        same_but_image = [c.model_copy(update={"image": ""}) for c in wanted] == \
                         [c.model_copy(update={"image": ""}) for c in existing.containers]
        if not same_but_image:
            raise KubectlError(f'The Pod "{existing.name}" is invalid: spec: Forbidden: pod updates may not change '
                               "fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
                               "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
                               "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
                               "was previously negative)")
        existing.containers = wanted
    elif kind == "ConfigMap":
        existing.data = {k: str(v) for k, v in (document.get("data") or {}).items()}
    elif kind == "Service":
        existing.type = spec.get("type", "ClusterIP")
        existing.ports = _service_ports(spec, f"{existing.namespace}/{existing.name}")
        existing.selector = spec.get("selector") or {}
        existing.annotations = _annotations(document)
    elif kind == "Deployment":
        existing.replicas = int(spec.get("replicas", 1))
        existing.template = spec.get("template") or {}
        existing.template_hash = cluster.template_hash(json.dumps(existing.template, sort_keys=True))
        cluster.scale_deployment(state, existing, now)


def delete_document(state: ClusterState, document: dict, path: str, default_namespace: str, now: datetime) -> str:
    kind, namespace, name = _identity(document, path, default_namespace)
    return delete_object(state, kind, namespace, name, now, source=path)


def delete_object(state: ClusterState, kind: str, namespace: str, name: str, now: datetime,
                  source: str | None = None) -> str:
    """Delete one object the way the API server and its controllers do; the line kubectl prints."""
    label, plural = NAMES[kind]
    existing = _find(state, kind, namespace, name)
    if existing is None:
        where = f'error when deleting "{source}": ' if source else ""
        raise KubectlError(f'Error from server (NotFound): {where}{plural} "{name}" not found')
    if kind == "Namespace":
        if name in cluster.SYSTEM_NAMESPACES:
            raise KubectlError(f'Error from server (Forbidden): namespaces "{name}" is forbidden: '
                               "this namespace may not be deleted")
        for collection in ("pods", "services", "deployments", "config_maps"):
            setattr(state, collection, [o for o in getattr(state, collection) if o.namespace != name])
        state.namespaces.remove(existing)
    elif kind == "Pod":
        state.pods.remove(existing)
        cluster.replace_owned_pod(state, existing, now)
    elif kind == "Deployment":
        for pod in [p for p in state.pods if p.namespace == namespace and p.owner_kind == "ReplicaSet"
                    and (p.owner_name or "").startswith(name + "-")]:
            state.pods.remove(pod)
        state.deployments.remove(existing)
    elif kind == "Service":
        state.services.remove(existing)
    else:
        state.config_maps.remove(existing)
    state.next_serial()
    return f'{label} "{name}" deleted'
