"""One bundle of Azure SDK clients for a deployment, on real Azure or on the offline emulator.

This is the only place that knows which backend is in use: everything downstream receives a
`Clients` and calls the public SDK, so deploy and validate code has one code path.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from praks_lib.deployment import Deployment


class Clients:
    """Lazily built SDK clients sharing one credential, subscription and transport factory.

    Each client's package is imported when the client is first used: a stage loads only the SDKs
    it calls (each costs a tenth of a second or more to import).
    """

    def __init__(self, credential: Any, subscription_id: str, transport_factory=None, backend: str = "azure"):
        self.credential = credential
        self.subscription_id = subscription_id
        self.backend = backend
        self._transport_factory = transport_factory

    def _options(self) -> dict[str, Any]:
        return {"transport": self._transport_factory()} if self._transport_factory else {}

    def _mgmt(self, client_class):
        return client_class(self.credential, self.subscription_id, **self._options())

    @cached_property
    def resource(self):
        from azure.mgmt.resource.resources import ResourceManagementClient
        return self._mgmt(ResourceManagementClient)

    @cached_property
    def network(self):
        from azure.mgmt.network import NetworkManagementClient
        return self._mgmt(NetworkManagementClient)

    @cached_property
    def containerservice(self):
        from azure.mgmt.containerservice import ContainerServiceClient
        return self._mgmt(ContainerServiceClient)

    @cached_property
    def loganalytics(self):
        from azure.mgmt.loganalytics import LogAnalyticsManagementClient
        return self._mgmt(LogAnalyticsManagementClient)

    @cached_property
    def monitor(self):
        from azure.mgmt.monitor import MonitorManagementClient
        return self._mgmt(MonitorManagementClient)

    @cached_property
    def msi(self):
        from azure.mgmt.msi import ManagedServiceIdentityClient
        return self._mgmt(ManagedServiceIdentityClient)

    @cached_property
    def authorization(self):
        from azure.mgmt.authorization import AuthorizationManagementClient
        return self._mgmt(AuthorizationManagementClient)

    @cached_property
    def privatedns(self):
        from azure.mgmt.privatedns import PrivateDnsManagementClient
        return self._mgmt(PrivateDnsManagementClient)

    @cached_property
    def compute(self):
        from azure.mgmt.compute import ComputeManagementClient
        return self._mgmt(ComputeManagementClient)

    @cached_property
    def logs(self):
        from azure.monitor.query import LogsQueryClient
        return LogsQueryClient(self.credential, **self._options())


def connect(deployment: Deployment, state_dir: str | Path | None = None) -> Clients:
    """The SDK clients for the deployment's backend.

    Offline (`backend.kind: emulator`) they talk to the in-process emulator whose state lives in
    `state_dir` (default: $PRAKS_STATE_DIR or .praks/); on Azure they sign in with
    DefaultAzureCredential (az login, managed identity, or environment), never a stored secret.
    """
    backend = deployment.backend
    # Each backend's own modules are loaded only when it is chosen.
    if backend.kind == "emulator":
        from praks_lib.emulator import Emulator, default_state_dir

        emulator = Emulator(state_dir or default_state_dir())
        return Clients(emulator.credential, emulator.subscription_id, emulator.transport, backend="emulator")
    from azure.identity import DefaultAzureCredential

    return Clients(DefaultAzureCredential(), backend.subscription_id, backend="azure")
