"""Compare a recording of real Azure traffic with what the emulator answers to the same requests.

    praks compare recordings/my-run            # every cassette in the folder, or one file

Each recorded request is sent, in order, to a fresh emulator. Resource groups the recording uses but
never creates (test frameworks make them beforehand) are created first. Operation and result URLs are
followed: the poll of a recorded ``Azure-AsyncOperation`` goes to the URL the emulator gave for the
same request, and a recorded run of polls is compared as the sequence of distinct states, so Azure's
24 ``InProgress`` answers and the emulator's 3 read as the same story. Per request, the report says
where status, error code, body shape (JSON keys present in one and not the other) or provisioning
state differ.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from azure.core.pipeline import Pipeline
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.core.rest import HttpRequest

from praks_lib import yamltext

ARM_SCOPE = "https://management.azure.com/.default"
_GROUP = re.compile(r"/subscriptions/[^/]+/resourceGroups/([^/?]+)", re.IGNORECASE)
_OPERATION = re.compile(r"/(operations|operationResults|operationresults|commandResults)/", re.IGNORECASE)
# Keys whose presence depends on the moment or the caller, not on the service's shape.
IGNORED_KEYS = frozenset({"startTime", "endTime", "timeCreated", "createdDate", "modifiedDate", "lastModifiedAt",
                          "createdAt", "startedAt", "finishedAt", "tags"})
TERMINAL = frozenset({"Succeeded", "Failed", "Canceled"})
MAX_EXTRA_POLLS = 20  # an operation the emulator runs longer than Azure did is polled on to its end


@dataclass
class Difference:
    index: int  # the interaction's position in the recording
    method: str
    path: str
    what: str  # status | error code | shape | provisioning state | polling
    recorded: str
    emulated: str


@dataclass
class Comparison:
    recording: Path
    requests: int = 0
    skipped_polls: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


def load_cassette(path: Path) -> list[dict]:
    data = yamltext.read(path.read_text()) or {}
    return data.get("interactions", [])


def _body(text: Any) -> Any:
    if isinstance(text, dict):
        text = text.get("string")
    if not text:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _keys(value: Any, prefix: str = "") -> set[str]:
    """The JSON key paths of a body (list items merged under []), for comparing shapes not values."""
    keys: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in IGNORED_KEYS:
                continue
            path = f"{prefix}.{key}" if prefix else key
            keys.add(path)
            if key not in ("tags", "additionalProperties", "userAssignedIdentities", "patchVersions"):
                keys |= _keys(item, path)
    elif isinstance(value, list):
        for item in value:
            keys |= _keys(item, f"{prefix}[]")
    return keys


def _error_code(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        return str(error.get("code") or "") if isinstance(error, dict) else ""
    return ""


def _state(body: Any) -> str:
    if isinstance(body, dict):
        if "status" in body and isinstance(body["status"], str):
            return body["status"]
        props = body.get("properties")
        if isinstance(props, dict):
            return str(props.get("provisioningState") or "")
    return ""


def _header(headers: dict, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return None


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}".lower()


class Replayer:
    """Sends a cassette's requests to the emulator through the SDK's own pipeline."""

    def __init__(self, credential, transport):
        self.pipeline = Pipeline(transport, policies=[BearerTokenCredentialPolicy(credential, ARM_SCOPE)])

    def send(self, method: str, url: str, body: Any = None):
        request = HttpRequest(method, url, json=body if body not in (None, "") else None)
        return self.pipeline.run(request).http_response


def _groups(interactions: Iterable[dict]) -> dict[str, str]:
    """Resource groups the recording refers to, with a location seen in it (for creating them first)."""
    location = "westeurope"
    for entry in interactions:
        body = _body(entry["request"].get("body"))
        if isinstance(body, dict) and body.get("location"):
            location = body["location"]
            break
    groups: dict[str, str] = {}
    for entry in interactions:
        found = _GROUP.search(entry["request"]["uri"])
        if found and not found[1].lower().startswith("mc_"):
            groups.setdefault(found[1].lower(), found[1])
    creates = {m[1].lower() for e in interactions if e["request"]["method"] == "PUT"
               for m in [_GROUP.fullmatch(urlsplit(e["request"]["uri"]).path)] if m}
    return {name: location for key, name in groups.items() if key not in creates}


def compare(path: Path, replayer: Replayer) -> Comparison:
    """Replay one cassette against the emulator behind ``replayer`` and list the differences."""
    interactions = load_cassette(path)
    result = Comparison(path)
    for name, location in _groups(interactions).items():
        replayer.send("PUT", f"https://management.azure.com/subscriptions/{{sub}}/resourcegroups/{name}"
                      "?api-version=2021-04-01".replace("{sub}", _subscription(interactions)), {"location": location})
    urls: dict[str, str] = {}  # recorded operation URL (no query) -> the emulator's
    finished: set[str] = set()  # emulated operation URLs that reached a terminal state
    for index, entry in enumerate(interactions):
        request, recorded = entry["request"], entry["response"]
        method, uri = request["method"], request["uri"]
        key = _without_query(uri)
        poll = bool(_OPERATION.search(urlsplit(uri).path)) and method == "GET"
        target = urls.get(key, uri)
        if poll and key not in urls:
            result.skipped_polls += 1  # an operation the emulator never started (its request differed)
            continue
        if poll and target in finished:
            result.skipped_polls += 1  # Azure still polling what the emulator already finished
            continue
        recorded_body = _body(recorded.get("body"))
        response = replayer.send(method, target, _body(request.get("body")))
        result.requests += 1
        if poll:  # Azure had finished: follow the emulator's operation to its end before comparing
            for _ in range(MAX_EXTRA_POLLS):
                still = _state(_body(response.text())) if response.text() else ""
                if response.status_code != 202 and (still in TERMINAL or _state(recorded_body) not in TERMINAL):
                    break
                response = replayer.send(method, target)
        emulated_body = _body(response.text()) if response.text() else None
        short = urlsplit(uri).path
        for header in ("Azure-AsyncOperation", "Location"):
            seen, given = _header(recorded.get("headers"), header), response.headers.get(header)
            if seen and given:
                urls[_without_query(seen)] = given
            elif seen and not given:
                result.differences.append(Difference(index, method, short, f"{header} header",
                                                     urlsplit(seen).path, "(none)"))
        recorded_status, emulated_status = int(recorded["status"]["code"]), response.status_code
        if recorded_status != emulated_status:
            result.differences.append(Difference(index, method, short, "status", str(recorded_status),
                                                 str(emulated_status)))
        if _error_code(recorded_body) != _error_code(emulated_body):
            result.differences.append(Difference(index, method, short, "error code", _error_code(recorded_body),
                                                 _error_code(emulated_body)))
        recorded_state, emulated_state = _state(recorded_body), _state(emulated_body)
        if poll and (emulated_state in TERMINAL or response.status_code == 204):
            finished.add(target)
        if recorded_state != emulated_state and not (poll and recorded_state == "InProgress"):
            result.differences.append(Difference(index, method, short, "provisioning state", recorded_state,
                                                 emulated_state))
        if isinstance(recorded_body, (dict, list)) and recorded_status == emulated_status:
            missing = sorted(_keys(recorded_body) - _keys(emulated_body))
            extra = sorted(_keys(emulated_body) - _keys(recorded_body))
            if missing or extra:
                result.differences.append(Difference(index, method, short, "shape",
                                                     "only recorded: " + ", ".join(missing[:8]) if missing else "",
                                                     "only emulated: " + ", ".join(extra[:8]) if extra else ""))
    return result


def _subscription(interactions: list[dict]) -> str:
    for entry in interactions:
        found = re.search(r"/subscriptions/([^/]+)", entry["request"]["uri"])
        if found:
            return found[1]
    return "00000000-0000-0000-0000-000000000000"


def cassettes(path: Path) -> list[Path]:
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


def report(comparisons: list[Comparison]) -> str:
    """Plain text: per recording, a line per difference."""
    lines = []
    for result in comparisons:
        verdict = "matches" if result.matches else f"{len(result.differences)} difference(s)"
        lines.append(f"{result.recording.name}: {result.requests} request(s) replayed, {result.skipped_polls} "
                     f"poll(s) skipped, {verdict}")
        for d in result.differences:
            lines.append(f"  #{d.index:<3} {d.method:<6} {d.path}\n        {d.what}: recorded {d.recorded or '—'} · "
                         f"emulator {d.emulated or '—'}")
    return "\n".join(lines)
