"""What AKS run command (`az aks command invoke`) does inside the cluster.

Azure starts a pod `command-<id>` in the `aks-command` namespace, unpacks the request's `context`
(a base64-encoded zip of the attached files) into its working folder, runs the command line with
kubectl, and deletes the pod when the command ends. While it runs, `kubectl get pods -A` lists it.
"""
from __future__ import annotations

import base64
import binascii
import io
import zipfile
from datetime import datetime, timedelta

from praks_lib.emulator.world.kubernetes import cluster
from praks_lib.emulator.world.kubernetes.kubectl import run_kubectl
from praks_lib.emulator.world.kubernetes.network import Network, Resolver
from praks_lib.emulator.world.kubernetes.objects import ClusterState, Container

NAMESPACE = "aks-command"
RUNTIME_IMAGE = "mcr.microsoft.com/aks/command/runtime:master"
POD_STARTUP = timedelta(seconds=4)  # the recorded run command listed its own pod 4s old


class ContextError(ValueError):
    """The request's context is not a base64-encoded zip file."""


def unpack_context(context: str | None) -> dict[str, bytes]:
    """The attached files, by relative path, from RunCommandRequest.context."""
    if not context:
        return {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(context, validate=True)))
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except (binascii.Error, zipfile.BadZipFile, ValueError) as error:
        raise ContextError(f"context must be a base64-encoded zip file of the command's files: {error}") from None


def invoke(state: ClusterState, command: str, *, context_files: dict[str, bytes], command_id: str, now: datetime,
           network: Network, resolve: Resolver) -> tuple[int, str]:
    """Run ``command`` as the run-command pod does; (exitCode, logs) for the commandResults body."""
    if state.namespace(NAMESPACE) is None:
        cluster.add_namespace(state, NAMESPACE, now - POD_STARTUP)
    name = f"command-{command_id}"
    pod = cluster.place_pod(state, namespace=NAMESPACE, name=name, now=now - POD_STARTUP,
                            containers=[Container(name="command", image=RUNTIME_IMAGE)],
                            labels={"app": "aks-command"}, restart_policy="Never")
    try:
        return run_kubectl(state, command, context_files=context_files, network=network, resolve=resolve, now=now)
    finally:
        if pod in state.pods:
            state.pods.remove(pod)
            state.next_serial()
