"""How the real Azure SDK clients reach the emulator: an azure-core transport, no network.

``EmulatorTransport`` is azure-core's own ``RequestsTransport`` with a ``requests.Session`` whose
adapter for the emulated hosts answers in-process, building real ``requests.Response`` objects,
so every SDK client works unchanged. Other hosts get a connection error. ``sleep`` returns at
once, so long-running-operation polling and retry back-off never wait.
"""

from __future__ import annotations

import io
import json
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import requests
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.pipeline.transport import RequestsTransport
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from praks_lib.emulator.platform.router import Request, Response

if TYPE_CHECKING:
    from praks_lib.emulator.service import Emulator

FAKE_TOKEN = "praks-emulator-token-not-a-real-credential"
TOKEN_LIFETIME_S = 3600


class EmulatorCredential:
    """A ``TokenCredential`` whose fixed, obviously fake token the emulator accepts."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(FAKE_TOKEN, int(time.time()) + TOKEN_LIFETIME_S)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        return AccessTokenInfo(FAKE_TOKEN, int(time.time()) + TOKEN_LIFETIME_S)


def parse_request(prepared: requests.PreparedRequest) -> Request:
    url = urlsplit(prepared.url)
    raw = prepared.body
    if hasattr(raw, "read"):
        raw = raw.read()
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        body = json.loads(text) if text else None
    except json.JSONDecodeError:
        body = text  # handlers see a non-JSON body and answer InvalidRequestContent
    return Request(
        method=prepared.method.upper(),
        host=url.hostname or "",
        path=url.path,
        query={k.lower(): v for k, v in parse_qsl(url.query, keep_blank_values=True)},
        headers=dict(prepared.headers),
        body=body,
    )


def build_response(prepared: requests.PreparedRequest, answer: Response, adapter) -> requests.Response:
    payload = b"" if answer.body is None else json.dumps(answer.body).encode("utf-8")
    response = requests.Response()
    response.status_code = int(answer.status)
    response.reason = HTTPStatus(answer.status).phrase
    response.headers = CaseInsensitiveDict(answer.headers)
    if payload:
        response.headers.setdefault("Content-Type", "application/json; charset=utf-8")
    response.headers["Content-Length"] = str(len(payload))
    response.raw = io.BytesIO(payload)
    response.encoding = "utf-8"
    response.url = prepared.url
    response.request = prepared
    response.connection = adapter
    return response


class EmulatorAdapter(BaseAdapter):
    """Answers requests for the emulated hosts in-process."""

    def __init__(self, emulator: "Emulator"):
        super().__init__()
        self.emulator = emulator

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        return build_response(request, self.emulator.handle(parse_request(request)), self)

    def close(self):
        pass


class RefusingAdapter(BaseAdapter):
    """Every host the emulator does not serve: a clear connection error instead of the network."""

    def __init__(self, served: list[str]):
        super().__init__()
        self.served = served

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        raise requests.exceptions.ConnectionError(
            f"The praks emulator serves only {', '.join(self.served)}; it does not reach "
            f"{request.url}. Use real Azure credentials and no emulator transport for other hosts.",
            request=request,
        )

    def close(self):
        pass


class EmulatorTransport(RequestsTransport):
    """azure-core's requests transport, wired to the emulator instead of the network."""

    def __init__(self, emulator: "Emulator", **kwargs: Any):
        session = requests.Session()
        session.trust_env = False  # proxies and netrc from the environment do not apply
        served = [f"https://{host}/" for host in sorted(emulator.hosts)]
        session.mount("https://", RefusingAdapter(served))
        session.mount("http://", RefusingAdapter(served))
        adapter = EmulatorAdapter(emulator)
        for prefix in served:
            session.mount(prefix, adapter)
        super().__init__(session=session, session_owner=True, use_env_settings=False, **kwargs)

    def sleep(self, duration: float) -> None:
        """Polling and retry back-off do not wait: the emulator answers at once."""
