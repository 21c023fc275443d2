"""The emulator: one object per state folder, serving the real SDK clients through a transport.

    emu = Emulator(state_dir)
    client = NetworkManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())

Every request passes the same gate as on Azure (bearer token, ``api-version``, subscription),
then injected faults, then the provider's handler, inside one store transaction. A handler answers
Azure's errors by raising ``ArmError``; any other exception is the emulator's own fault and is
answered as Azure answers one, a 500 ``InternalServerError`` (the transaction rolled back), never a
traceback through the SDK.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from http import HTTPStatus
from pathlib import Path

from praks_lib.emulator.platform import faults
from praks_lib.emulator.platform.arm.errors import ArmError
from praks_lib.emulator.platform.router import ARM_HOST, Call, Request, Response, Router
from praks_lib.emulator.platform.store import STATE_FILE, Store
from praks_lib.emulator.platform.transport import FAKE_TOKEN, EmulatorCredential, EmulatorTransport
from praks_lib.emulator.providers import PROVIDERS
from praks_lib.emulator.world.logs.store import LogStore
from praks_lib.errors import StateError

LOG_ANALYTICS_HOST = "api.loganalytics.io"
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
STATE_DIR_ENV = "PRAKS_STATE_DIR"

AUTHORIZATION_MISSING = "Authentication failed. The 'Authorization' header is missing."
TOKEN_INVALID = "The access token is invalid."
API_VERSION_MISSING = "The api-version query parameter (?api-version=) is required for all requests."
SUBSCRIPTION_NOT_FOUND = "The subscription '{subscription}' could not be found."
NO_PROVIDER = (
    "No registered resource provider found for location 'global' and API version '{api_version}' "
    "for type '{type}'. The praks emulator does not implement this resource type."
)
INVALID_RESOURCE_TYPE = (
    "The resource type '{type}' could not be found in the namespace '{namespace}' for api version "
    "'{api_version}'."
)
NO_HTTP_RESOURCE = "No HTTP resource was found that matches the request URI '{url}'."
INTERNAL_ERROR = (
    "Encountered internal server error. praks emulator: {method} {path} failed with {error}. This is a "
    "fault of the emulator, not of the request; please report it with the request."
)

_log = logging.getLogger(__name__)


def default_state_dir() -> Path:
    """``$PRAKS_STATE_DIR``, else ``.praks/`` at the top of the working tree (git), else in cwd."""
    configured = os.environ.get(STATE_DIR_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        top = ""
    return Path(top or Path.cwd()) / ".praks"


def reset_state(state_dir: str | os.PathLike) -> list[Path]:
    """An empty emulated cloud in ``state_dir``, even when its files are damaged; the files moved aside.

    Only the emulator's own files are touched: a readable state is emptied as :meth:`Emulator.reset`
    does; a damaged state file (and its SQLite journal) is renamed ``<name>.damaged-<n>`` beside it,
    never deleted, so whoever wants to look at it still can.
    """
    folder = Path(state_dir)
    if folder.exists() and not folder.is_dir():
        raise StateError(f"{folder} is a file, not an emulator state folder; nothing reset.",
                         "pass the state folder (--state-dir); praks does not delete a file it did not make")
    try:
        Emulator(folder).reset()
        return []
    except StateError:
        pass
    moved = []
    number = 1 + sum(1 for _ in folder.glob(f"{STATE_FILE}.damaged-*"))
    for name in (STATE_FILE, f"{STATE_FILE}-wal", f"{STATE_FILE}-shm"):
        if (folder / name).exists():
            aside = folder / f"{name}.damaged-{number}"
            os.replace(folder / name, aside)
            moved.append(aside)
    Emulator(folder).reset()
    return moved


class Emulator:
    """An emulated Azure subscription whose state lives in ``state_dir`` (created if needed)."""

    subscription_id = SUBSCRIPTION_ID
    hosts = frozenset({ARM_HOST, LOG_ANALYTICS_HOST})

    def __init__(self, state_dir: str | os.PathLike | None = None):
        self.state_dir = Path(state_dir) if state_dir is not None else default_state_dir()
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise StateError(f"The emulator's state folder {self.state_dir} cannot be made: it, or a folder above "
                             "it, is a file.",
                             "choose another folder (--state-dir, or PRAKS_STATE_DIR), or move that file away; "
                             "praks does not delete a file it did not make") from None
        self.store = Store(self.state_dir)
        self.router = Router(PROVIDERS)
        self.credential = EmulatorCredential()

    def __repr__(self) -> str:
        return f"Emulator({str(self.state_dir)!r})"

    def reset(self) -> None:
        """Empty the cloud (resources, operations, faults, log data) for every process using this folder."""
        self.store.reset()
        LogStore(self.state_dir).reset()

    def transport(self) -> EmulatorTransport:
        """A fresh azure-core transport for one SDK client (``transport=emu.transport()``)."""
        return EmulatorTransport(self)

    # faults ------------------------------------------------------------------------------

    def inject_fault(self, method: str, path_regex: str, status: int = 500, code: str | None = None,
                     message: str | None = None, times: int = 1, retry_after: int | None = None):
        """Answer the next ``times`` matching requests with an error (see ``faults``)."""
        record = faults.fault_record("response", method, path_regex, status, code, message, times,
                                     retry_after, self.subscription_id)
        with self.store.transaction() as tx:
            tx.add_fault(record)

    def fail_operation(self, method: str, path_regex: str, code: str = "InternalServerError",
                       message: str = "An error occurred.", times: int = 1):
        """Accept the next ``times`` matching PUT/DELETEs, then end their operations Failed."""
        record = faults.fault_record("operation", method, path_regex, None, code, message, times,
                                     None, self.subscription_id)
        with self.store.transaction() as tx:
            tx.add_fault(record)

    def clear_faults(self) -> None:
        with self.store.transaction() as tx:
            tx.clear_faults()

    # serving -----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one HTTP request as Azure would."""
        try:
            self._check_gate(request)
            with self.store.transaction() as tx:
                injected = faults.take_response_fault(tx, request)
            if injected is not None:
                return injected
            found = self.router.match(request.method, request.host, request.path)
            if found is None:
                raise self._unknown_route(request)
            route, params = found
            with self.store.transaction() as tx:
                return route.handler(Call(request, params, tx, self.subscription_id))
        except ArmError as error:
            return error.response()
        except StateError:
            raise  # the state folder is damaged: no answer Azure would give, the person must act
        except Exception as error:  # noqa: BLE001 - every other failure is the emulator's own
            _log.debug("emulator fault on %s %s", request.method, request.path, exc_info=True)
            return ArmError(HTTPStatus.INTERNAL_SERVER_ERROR, "InternalServerError", INTERNAL_ERROR.format(
                method=request.method, path=request.path, error=f"{type(error).__name__}: {error}")).response()

    def _check_gate(self, request: Request) -> None:
        authorization = {k.lower(): v for k, v in request.headers.items()}.get("authorization")
        if not authorization:
            raise ArmError(HTTPStatus.UNAUTHORIZED, "AuthenticationFailed", AUTHORIZATION_MISSING,
                           headers={"WWW-Authenticate": 'Bearer authorization_uri="https://login.'
                                    'microsoftonline.com/common", error="invalid_token"'})
        if authorization != f"Bearer {FAKE_TOKEN}":
            raise ArmError(HTTPStatus.UNAUTHORIZED, "InvalidAuthenticationToken", TOKEN_INVALID)
        if request.host != ARM_HOST:
            return
        if not request.api_version:
            raise ArmError(HTTPStatus.BAD_REQUEST, "MissingApiVersionParameter", API_VERSION_MISSING)
        subscription = re.match(r"/subscriptions/([^/]+)", request.path, re.IGNORECASE)
        if subscription and subscription[1].lower() != self.subscription_id:
            raise ArmError(HTTPStatus.NOT_FOUND, "SubscriptionNotFound",
                           SUBSCRIPTION_NOT_FOUND.format(subscription=subscription[1]))

    def _unknown_route(self, request: Request) -> ArmError:
        provider = re.search(r"/providers/([^/]+)/(.+)", request.path, re.IGNORECASE)
        if not provider:
            url = f"https://{request.host}{request.path}"
            return ArmError(HTTPStatus.NOT_FOUND, "NotFound", NO_HTTP_RESOURCE.format(url=url))
        namespace, rest = provider[1], provider[2].split("/")
        type_name = "/".join(rest[0::2])
        known = any(f"/providers/{namespace.lower()}/" in route.template.lower()
                    for route in self.router.routes)
        if known:
            return ArmError(HTTPStatus.BAD_REQUEST, "InvalidResourceType", INVALID_RESOURCE_TYPE.format(
                type=type_name, namespace=namespace, api_version=request.api_version))
        return ArmError(HTTPStatus.BAD_REQUEST, "NoRegisteredProviderFound", NO_PROVIDER.format(
            type=f"{namespace}/{type_name}", api_version=request.api_version))
