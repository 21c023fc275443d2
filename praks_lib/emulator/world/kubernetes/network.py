"""What the pod tools need from the emulator's data plane and DNS, and the sites pods can reach.

The data plane (praks_lib.emulator.world.dataplane) routes a flow, lets the firewall judge it and logs
it; a pod tool only needs the client-visible result. Kubernetes code never imports the data plane:
the provider injects two callables.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

# What a client can observe of one connection.
HTTP = "http"  # an HTTP answer that is not the destination's: the firewall's deny page (status 470)
TLS_FAILURE = "tls_failure"  # the TLS handshake was reset (denied HTTPS)
TIMEOUT = "timeout"  # nothing answered (no route, dropped, denied non-HTTP)
REFUSED = "refused"  # TCP reset at connect
CONNECTED = "connected"  # the destination itself accepted the connection

# Outcome.error values (praks_lib.emulator.world.dataplane's wording) → what the client observes.
_ERRORS = {"timeout": TIMEOUT, "tls handshake failure": TLS_FAILURE, "refused": REFUSED}
_REACHED_ACTIONS = ("Allow", "Direct")  # through the firewall, or around it


class Outcome(Protocol):
    """The part of the data plane's answer (praks_lib.emulator.world.dataplane.Outcome) a pod needs."""

    action: str  # "Allow" | "Deny" | "Dropped" | "Direct"
    status: int | None  # for a denied plain-HTTP request: the firewall's status (470)
    body: str  # ... and its text (praks_lib.firewall.denied_http_response())
    error: str | None  # "timeout" | "tls handshake failure" | "refused" | None


# network(source_ip, destination_host, port, protocol, sni) -> Outcome
#   protocol: "HTTP" | "HTTPS" | "TCP" | "UDP" | "ICMP" (praks_lib.firewall.Flow protocols)
#   sni: True when the client sends the host name in its TLS hello (HTTPS to a name), False for
#        HTTPS to an IP literal, None for flows without TLS
Network = Callable[[str, str, int, str, "bool | None"], Outcome]
# resolve(name, from_ip) -> addresses; [] means NXDOMAIN, None means no DNS server answered
Resolver = Callable[[str, str], "list[str] | None"]


def observed(outcome: Outcome) -> str:
    """What the client observes: one of the constants above."""
    error = getattr(outcome, "error", None)
    if error:
        if error not in _ERRORS:
            raise ValueError(f"the data plane returned an unknown client error '{error}'")
        return _ERRORS[error]
    if outcome.action in _REACHED_ACTIONS:
        return CONNECTED
    return HTTP if getattr(outcome, "status", None) else TIMEOUT


def body_of(outcome: Outcome) -> str:
    body = getattr(outcome, "body", None) or ""
    return body.decode() if isinstance(body, bytes) else body


@dataclass(frozen=True)
class Page:
    status: int
    reason: str
    content_type: str
    body: str
    server: str
    location: str | None = None


# www.ubuntu.com answers plain HTTP with this redirect (the 2020 walkthrough's curl output).
_UBUNTU_REDIRECT = """<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>302 Found</title>
</head><body>
<h1>Found</h1>
<p>The document has moved <a href="https://www.ubuntu.com/">here</a>.</p>
<hr>
<address>Apache/2.4.18 (Ubuntu) Server at www.ubuntu.com Port 80</address>
</body></html>
"""


def _archive_index(host: str, path: str, port: int) -> str:
    return (f'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n <head>\n'
            f"  <title>Index of {path}</title>\n </head>\n <body>\n<h1>Index of {path}</h1>\n"
            f"<pre>dists/\npool/\nproject/\nubuntu/\n</pre>\n"
            f"<address>Apache/2.4.29 (Ubuntu) Server at {host} Port {port}</address>\n</body></html>\n")


def site_page(host: str, path: str, scheme: str, port: int) -> Page:
    """The deterministic page an allowed request gets from the destination server."""
    host = host.lower()
    if host in ("www.ubuntu.com", "ubuntu.com") and scheme == "http":
        return Page(302, "Found", "text/html; charset=iso-8859-1", _UBUNTU_REDIRECT,
                    "Apache/2.4.18 (Ubuntu)", "https://www.ubuntu.com/")
    if host.endswith("archive.ubuntu.com") or host.endswith("security.ubuntu.com"):
        return Page(200, "OK", "text/html;charset=UTF-8", _archive_index(host, path or "/", port),
                    "Apache/2.4.29 (Ubuntu)")
    body = (f"<!doctype html>\n<html>\n<head><title>{host}</title></head>\n"
            f"<body><h1>{host}</h1><p>Reached {scheme}://{host}{path or '/'}</p></body>\n</html>\n")
    return Page(200, "OK", "text/html; charset=utf-8", body, "nginx")
