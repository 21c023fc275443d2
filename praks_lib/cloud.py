"""One bundle of Azure SDK clients for a deployment, on real Azure or on the offline emulator.

This is the only place that knows which backend is in use: everything downstream receives a
`Clients` and calls the public SDK, so deploy and validate code has one code path.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Callable, NamedTuple

from praks_lib.deployment import Deployment
from praks_lib.recording import recording_policies


class Session(NamedTuple):
    """What every SDK client of one backend shares."""

    credential: Any
    subscription_id: str
    transport_factory: Callable[[], Any] | None = None  # None: azure-core's own HTTP transport


class Clients:
    """Lazily built SDK clients sharing one backend session (credential, subscription, transport).

    The session is opened on first use, so a notebook that never calls the cloud (00_plan) does not
    load the emulator; each client's package is imported when that client is first used, so a stage
    loads only the SDKs it calls (each costs a tenth of a second or more to import).
    """

    def __init__(self, open_session: Callable[[], Session], backend: str):
        self._open_session = open_session
        self.backend = backend

    @cached_property
    def session(self) -> Session:
        return self._open_session()

    @property
    def credential(self) -> Any:
        return self.session.credential

    @property
    def subscription_id(self) -> str:
        return self.session.subscription_id

    @property
    def _transport_factory(self) -> Callable[[], Any] | None:
        return self.session.transport_factory

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"transport": self._transport_factory()} if self._transport_factory else {}
        recording = recording_policies()  # praks run --record: every exchange, scrubbed, to a cassette
        if recording:
            options["per_retry_policies"] = recording
        return options

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
    def containerregistry(self):
        from azure.mgmt.containerregistry import ContainerRegistryManagementClient
        return self._mgmt(ContainerRegistryManagementClient)

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
    if backend.kind == "emulator":
        return Clients(lambda: _emulator_session(state_dir), backend="emulator")
    return Clients(lambda: _azure_session(backend.subscription_id), backend="azure")


# Each backend's own modules are loaded only when its session opens.

def _emulator_session(state_dir: str | Path | None) -> Session:
    from praks_lib.emulator import Emulator, default_state_dir

    emulator = Emulator(state_dir or default_state_dir())
    return Session(emulator.credential, emulator.subscription_id, emulator.transport)


def emulator_state_dir(state_dir: str | Path | None = None) -> Path:
    """The emulator state folder a command means: the one given, else $PRAKS_STATE_DIR or .praks/."""
    from praks_lib.emulator import default_state_dir

    return Path(state_dir).resolve() if state_dir else default_state_dir()


def reset_emulator(state_dir: Path) -> list[Path]:
    """Empty the emulated cloud in ``state_dir``; the damaged files it moved aside (praks reset)."""
    from praks_lib.emulator import reset_state

    return reset_state(state_dir)


def fresh_emulator(state_dir: str | Path) -> Session:
    """An empty emulated cloud in ``state_dir`` (for ``praks compare``, which replays a recording on it)."""
    from praks_lib.emulator import Emulator

    emulator = Emulator(state_dir)
    emulator.reset()
    return Session(emulator.credential, emulator.subscription_id, emulator.transport)


def _azure_session(subscription_id: str) -> Session:
    from azure.identity import DefaultAzureCredential

    return Session(DefaultAzureCredential(), subscription_id)
