"""Method + path template → handler, matched case-insensitively like ARM.

Providers declare their routes on a :class:`Routes` table; the emulator joins every provider's
table into one :class:`Router`. A template is a path with ``{name}`` placeholders, e.g.
``/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}``; literal segments match
in any case (ARM treats ``resourcegroups`` and ``resourceGroups`` alike) and each placeholder
matches one URL-decoded segment. A ``{name*}`` placeholder matches one or more segments: the
scope of an extension resource, e.g. ``/{resourceUri*}/providers/Microsoft.Insights/...``, where
``resourceUri`` is a whole resource id (the SDKs send it after a second slash: ``//subscriptions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote

if TYPE_CHECKING:
    from praks_lib.emulator.platform.store import Transaction

ARM_HOST = "management.azure.com"


@dataclass
class Request:
    """An HTTP request as a handler sees it (query keys lower-cased, body parsed from JSON)."""

    method: str
    host: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None

    @property
    def api_version(self) -> str | None:
        return self.query.get("api-version")


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """What a handler gets: the request, the placeholders it matched, the open transaction."""

    request: Request
    params: dict[str, str]
    tx: "Transaction"
    subscription_id: str


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Route:
    host: str
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern


def compile_template(template: str) -> re.Pattern:
    parts = []
    for segment in template.strip("/").split("/"):
        placeholder = re.fullmatch(r"\{(\w+)(\*?)\}", segment)
        if placeholder is None:
            parts.append(re.escape(segment))
        elif placeholder[2]:
            parts.append(f"(?P<{placeholder[1]}>/*[^/].*?)")
        else:
            parts.append(f"(?P<{placeholder[1]}>[^/]+)")
    return re.compile("/" + "/".join(parts) + "/?", re.IGNORECASE)


class Routes:
    """A provider's route table. Use the decorators (``@routes.get(template)``) or :meth:`add`."""

    def __init__(self, host: str = ARM_HOST):
        self.host = host
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        self.routes.append(
            Route(self.host, method.upper(), template, handler, compile_template(template))
        )

    def _decorator(self, method: str, template: str):
        def register(handler: Handler) -> Handler:
            self.add(method, template, handler)
            return handler

        return register

    def get(self, template: str):
        return self._decorator("GET", template)

    def put(self, template: str):
        return self._decorator("PUT", template)

    def post(self, template: str):
        return self._decorator("POST", template)

    def patch(self, template: str):
        return self._decorator("PATCH", template)

    def delete(self, template: str):
        return self._decorator("DELETE", template)

    def head(self, template: str):
        return self._decorator("HEAD", template)


class Router:
    """Every provider's routes, searched in registration order."""

    def __init__(self, tables: list[Routes]):
        self.routes = [route for table in tables for route in table.routes]
        self.hosts = {route.host for route in self.routes}

    def match(self, method: str, host: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.host != host or route.method != method:
                continue
            found = route.pattern.fullmatch(path)
            if found:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None
