"""Record real runs: every HTTP exchange of the SDK clients, scrubbed, as a cassette file.

    praks run --backend azure --record recordings/my-run

Each notebook kernel writes its own file ``<stage or pid>.yaml`` in the folder, in the cassette shape
the Azure CLI's recordings use (``interactions: [{request, response}]``), so ``praks compare`` reads
both. What would identify or authorise someone is scrubbed before anything is written: the
Authorization header and every header not in ``KEPT_HEADERS``, bearer tokens, subscription and tenant
ids (replaced by the zero GUID), and secret-bearing body values (``SECRET_KEYS``). Nothing else is
changed, so a recording shows Azure's real status codes, error codes, bodies and polling sequence.
"""
from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import yaml
from azure.core.exceptions import AzureError
from azure.core.pipeline.policies import SansIOHTTPPolicy

RECORD_ENV = "PRAKS_RECORD_DIR"
RECORD_NAME_ENV = "PRAKS_RECORD_NAME"  # the cassette's name (the stage); default: the process id
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
KEPT_HEADERS = frozenset({"content-type", "location", "azure-asyncoperation", "retry-after", "etag",
                          "x-ms-failure-cause", "azure-asyncnotification"})
# Values that are secrets or grant access, wherever they appear in a body.
SECRET_KEYS = frozenset({"keyData", "value", "password", "adminPassword", "secret", "clientSecret",
                         "accessToken", "refreshToken", "token", "primaryKey", "secondaryKey",
                         "primarySharedKey", "secondarySharedKey", "kubeconfig", "protectedSettings"})
SCRUBBED = "<scrubbed>"
_SUBSCRIPTION = re.compile(r"(/subscriptions/)[0-9a-fA-F-]{36}", re.IGNORECASE)
_TENANT_KEYS = frozenset({"tenantId", "tenant_id"})
_BEARER = re.compile(r"Bearer\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+")


def scrub_text(text: str) -> str:
    """Ids and tokens out of a URL, a header value or a body's text."""
    text = _SUBSCRIPTION.sub(rf"\g<1>{ZERO_GUID}", text)
    text = _BEARER.sub("Bearer " + SCRUBBED, text)
    return _JWT.sub(SCRUBBED, text)


def scrub_value(value: Any, key: str = "") -> Any:
    """A parsed JSON body with every secret replaced and tenant ids zeroed."""
    if isinstance(value, dict):
        # a kubeconfig list ({"name": "clusterUser", "value": <base64>}) keeps its name, loses its value
        return {k: scrub_value(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(v, key) for v in value]
    if key in SECRET_KEYS and isinstance(value, str) and value:
        return SCRUBBED
    if key in _TENANT_KEYS and isinstance(value, str):
        return ZERO_GUID
    return scrub_text(value) if isinstance(value, str) else value


def scrub_body(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return json.dumps(scrub_value(json.loads(text)), sort_keys=False)
    except ValueError:
        return scrub_text(text)


def _headers(headers) -> dict[str, list[str]]:
    return {k: [scrub_text(str(v))] for k, v in headers.items() if k.lower() in KEPT_HEADERS}


def interaction(method: str, url: str, request_body: str | None, status: int, reason: str, response_headers,
                response_body: str | None) -> dict:
    """One exchange, scrubbed, in the cassette shape."""
    return {"request": {"method": method, "uri": scrub_text(url), "body": scrub_body(request_body), "headers": {}},
            "response": {"status": {"code": status, "message": reason}, "headers": _headers(response_headers),
                         "body": {"string": scrub_body(response_body) or ""}}}


class Cassette:
    """One recording file, appended to as exchanges happen (written whole each time, so a killed
    kernel leaves a readable file)."""

    def __init__(self, path: Path):
        self.path = path
        self.interactions: list[dict] = []
        self._lock = threading.Lock()

    def add(self, entry: dict) -> None:
        with self._lock:
            self.interactions.append(entry)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(yaml.safe_dump({"interactions": self.interactions}, sort_keys=False,
                                                allow_unicode=True, width=120))
            temporary.replace(self.path)


def _text(data: Any) -> str | None:
    if data is None:
        return None
    if isinstance(data, (bytes, bytearray)):
        return data.decode("utf-8", "replace")
    if isinstance(data, str):
        return data
    try:
        return json.dumps(data)
    except TypeError:
        return None


class RecordingPolicy(SansIOHTTPPolicy):
    """An azure-core policy that adds every exchange it sees to a cassette (per retry: polls included)."""

    def __init__(self, cassette: Cassette):
        self.cassette = cassette

    def on_response(self, request, response) -> None:
        http_request, http_response = request.http_request, response.http_response
        try:
            http_response.read()  # a streamed body (long-running operations) is read once and kept for the SDK
            body = http_response.text()
        except (AzureError, UnicodeDecodeError):  # not text: record the status and headers only
            body = None
        self.cassette.add(interaction(http_request.method, http_request.url, _text(http_request.data),
                                      http_response.status_code, getattr(http_response, "reason", "") or "",
                                      http_response.headers, body))


_cassettes: dict[Path, Cassette] = {}


def recording_policies() -> list[SansIOHTTPPolicy]:
    """The recording policy for this process when ``$PRAKS_RECORD_DIR`` is set, else none."""
    folder = os.environ.get(RECORD_ENV)
    if not folder:
        return []
    name = os.environ.get(RECORD_NAME_ENV) or f"process-{os.getpid()}"
    path = Path(folder).expanduser().resolve() / f"{name}.yaml"
    cassette = _cassettes.setdefault(path, Cassette(path))
    return [RecordingPolicy(cassette)]
