"""Commands inside a pod: curl, wget, nc, nslookup, ping and a few shell built-ins.

Network tools ask the injected data plane what happens to their flow and print exactly what the
real tool prints for that outcome (curl 8 / GNU wget / OpenBSD nc / bind nslookup / iputils ping).
Names resolve like a pod's resolver does: the cluster domain from the cluster's own objects
(CoreDNS is authoritative for it), everything else forwarded upstream by CoreDNS, from a CoreDNS
pod's address, through the injected resolver.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Callable
from urllib.parse import urlsplit

from praks_lib.emulator.world import command_list
from praks_lib.emulator.world.command_list import NOT_EMULATED, Result
from praks_lib.emulator.world.kubernetes import network as net
from praks_lib.emulator.world.kubernetes.objects import ClusterState, Pod
from praks_lib.firewall.addresses import is_ipv4

CLUSTER_DOMAIN = "cluster.local"
CURL_EXIT = {"resolve": 6, "connect": 7, "timeout": 28, "tls": 35, "http_error": 22, "usage": 2}
_WELL_KNOWN_PORTS = {22: "ssh", 53: "domain", 80: "http", 123: "ntp", 443: "https", 9000: "cslistener"}


class ExecutableNotFound(Exception):
    """The container has no such program (kubectl reports it as an OCI runtime error)."""

    def __init__(self, program: str):
        super().__init__(program)
        self.program = program


@dataclass
class PodShell:
    """One pod's view of the world: its addresses, its resolver, the data plane, the clock."""

    state: ClusterState
    pod: Pod
    network: net.Network
    resolve: net.Resolver
    now: datetime

    # entry points ----------------------------------------------------------------------
    def run(self, argv: list[str]) -> tuple[int, str]:
        """Run one program with its arguments; (exit code, stdout and stderr as the terminal shows)."""
        if not argv:
            return 0, ""
        program, args = argv[0].rsplit("/", 1)[-1], argv[1:]
        handler = getattr(self, f"_{program.replace('-', '_')}", None) if program in PROGRAMS else None
        if handler is None:
            raise ExecutableNotFound(argv[0])
        return handler(args)

    # shell --------------------------------------------------------------------------------
    def _sh(self, args: list[str]) -> tuple[int, str]:
        if len(args) < 2 or args[0] != "-c":
            return 2, NOT_EMULATED.format(what="an interactive shell (use sh -c 'command')") + "\n"

        def execute(words: list[str]) -> Result:
            try:
                return Result(*self.run(words))
            except ExecutableNotFound as missing:
                return Result(127, f"sh: {missing.program}: command not found\n")

        done = command_list.run(args[1], execute, shell="sh: -c: line 1")
        return done.code, done.stdout + done.stderr

    _bash = _sh

    def _echo(self, args: list[str]) -> tuple[int, str]:
        if args[:1] == ["-n"]:
            return 0, " ".join(args[1:])
        return 0, " ".join(args) + "\n"

    def _true(self, args: list[str]) -> tuple[int, str]:
        return 0, ""

    def _false(self, args: list[str]) -> tuple[int, str]:
        return 1, ""

    def _sleep(self, args: list[str]) -> tuple[int, str]:
        return 0, ""  # virtual time: the caller's clock moves, not ours

    def _hostname(self, args: list[str]) -> tuple[int, str]:
        return 0, (self.pod.node if self.pod.host_network else self.pod.name) + "\n"

    def _date(self, args: list[str]) -> tuple[int, str]:
        return 0, self.now.strftime("%a %b ") + f"{self.now.day:2d}" + self.now.strftime(" %H:%M:%S UTC %Y") + "\n"

    def _cat(self, args: list[str]) -> tuple[int, str]:
        files = {"/etc/resolv.conf": self.resolv_conf(), "/etc/hostname": self._hostname([])[1],
                 "/etc/hosts": self._hosts()}
        output, code = "", 0
        for path in args:
            if path in files:
                output += files[path]
            else:
                output, code = output + f"cat: {path}: No such file or directory\n", 1
        return code, output

    def resolv_conf(self) -> str:
        searches = " ".join(self.search_domains())
        return f"search {searches}\nnameserver {self.state.dns_service_ip}\noptions ndots:5\n"

    def _hosts(self) -> str:
        return ("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                f"{self.pod.ip}\t{self.pod.name}\n")

    # name resolution ------------------------------------------------------------------------
    def search_domains(self) -> list[str]:
        return [f"{self.pod.namespace}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN]

    def _cluster_record(self, fqdn: str) -> str | None:
        parts = fqdn.split(".")
        if fqdn.endswith(f".svc.{CLUSTER_DOMAIN}") and len(parts) == 5:
            service = self.state.service(parts[1], parts[0])
            return service.cluster_ip if service else None
        return None

    def lookup(self, name: str) -> tuple[str, list[str] | None, bool]:
        """(answered name, addresses or [] for NXDOMAIN or None for no answer, authoritative)."""
        name = name.rstrip(".").lower()
        if is_ipv4(name):
            return name, [name], True
        candidates = [] if name.count(".") >= 5 else [f"{name}.{d}" for d in self.search_domains()]
        for candidate in [*candidates, name]:
            address = self._cluster_record(candidate)
            if address:
                return candidate, [address], True
        if name == CLUSTER_DOMAIN or name.endswith("." + CLUSTER_DOMAIN):
            return name, [], True
        coredns = self._dns_server_pod()
        if coredns is None:
            return name, None, False
        return name, self.resolve(name, self.state.egress_source_ip(coredns)), False

    def _dns_server_pod(self) -> Pod | None:
        """The CoreDNS replica kube-proxy sends this pod's query to (a stable choice)."""
        replicas = sorted((p for p in self.state.pods if p.namespace == "kube-system"
                           and p.labels.get("k8s-app") == "kube-dns" and p.phase == "Running"), key=lambda p: p.name)
        if not replicas:
            return None
        return replicas[sum(map(ord, self.pod.name)) % len(replicas)]

    def _cluster_destination(self, address: str) -> str | None:
        """'service' or 'pod' when the address belongs to the cluster (never leaves it)."""
        if ipaddress.IPv4Address(address) in ipaddress.IPv4Network(self.state.service_cidr):
            return "service"
        if any(p.ip == address for p in self.state.pods if not p.host_network):
            return "pod"
        return None

    def _flow(self, host: str, address: str, port: int, protocol: str, sni: bool | None) -> net.Outcome:
        if self._cluster_destination(address):
            return self._local_outcome(address, port, protocol)
        return self.network(self.state.egress_source_ip(self.pod), host, port, protocol, sni)

    def _local_outcome(self, address: str, port: int, protocol: str) -> "_Local":
        """In-cluster targets: the API server and kube-dns answer; other endpoints serve nothing here."""
        for service in self.state.services:
            if service.cluster_ip == address and any(p.port == port for p in service.ports):
                if service.name in ("kubernetes", "kube-dns"):
                    return _Local("Allow")
        return _Local("Deny", error="refused" if protocol != "ICMP" else "timeout")

    # curl -------------------------------------------------------------------------------------
    def _curl(self, args: list[str]) -> tuple[int, str]:
        result = curl(args, lookup=lambda name: self.lookup(name)[1], flow=self._flow, now=self.now,
                      cluster_service=lambda address: self._cluster_destination(address) == "service")
        return result.code, result.stdout + result.stderr

    # wget (GNU) -------------------------------------------------------------------------------
    def _wget(self, args: list[str]) -> tuple[int, str]:
        try:
            options, urls = _parse_options(args, flags="q", valued="OT", long_flags={"quiet": "q"},
                                           long_valued={"output-document": "O", "timeout": "T"})
        except _OptionError as error:
            return 2, f"wget: unrecognized option '{error.option}'\nUsage: wget [OPTION]... [URL]...\n"
        if not urls:
            return 1, "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n"
        quiet = "q" in options
        target = _split_url(urls[0])
        if target is None:
            return 1, "" if quiet else f"{urls[0]}: Invalid URL.\n"
        scheme, host, port, path = target
        stamp = self.now.strftime("%Y-%m-%d %H:%M:%S")
        log = f"--{stamp}--  {scheme}://{host}{'' if port in (80, 443) else f':{port}'}{path}\n"
        _, addresses, _ = self.lookup(host)
        if not addresses:
            log += f"Resolving {host} ({host})... failed: Name or service not known.\n" \
                   f"wget: unable to resolve host address '{host}'\n"
            return 4, "" if quiet else log
        address = addresses[0]
        log += f"Resolving {host} ({host})... {address}\nConnecting to {host} ({host})|{address}|:{port}... "
        outcome = self._flow(host, address, port, scheme.upper(), (not is_ipv4(host)) if scheme == "https" else None)
        kind = net.observed(outcome)
        if kind == net.TIMEOUT:
            return 4, "" if quiet else log + "failed: Connection timed out.\nRetrying.\n\n"
        if kind == net.REFUSED:
            return 4, "" if quiet else log + "failed: Connection refused.\n"
        log += "connected.\n"
        if kind == net.TLS_FAILURE:
            return 4, "" if quiet else log + "Unable to establish SSL connection.\n"
        if kind == net.CONNECTED:
            page = net.site_page(host, path, scheme, port)
            status, reason, body = page.status, page.reason, page.body
        else:
            status, reason, body = outcome.status, f"status code {outcome.status}", net.body_of(outcome)
        log += f"HTTP request sent, awaiting response... {status} {reason}\n"
        if status >= 400:
            return 8, "" if quiet else log + f"{stamp} ERROR {status}: {reason}.\n\n"
        to_stdout = options.get("O") == "-"
        return 0, (body if to_stdout else "") + ("" if quiet else log + f"Length: {len(body)} [text/html]\n\n")

    # nc (OpenBSD) ------------------------------------------------------------------------------
    def _nc(self, args: list[str]) -> tuple[int, str]:
        try:
            options, rest = _parse_options(args, flags="zvun", valued="w")
        except _OptionError as error:
            return 1, f"nc: invalid option -- '{error.option.lstrip('-')}'\nusage: nc [-46CDdFhklNnrStUuvZz] ...\n"
        if "z" not in options:
            return 1, NOT_EMULATED.format(what="nc without -z (a data session)") + "\n"
        if len(rest) != 2 or not rest[1].isdigit():
            return 1, "usage: nc [-46CDdFhklNnrStUuvZz] [-w timeout] destination [port]\n"
        host, port = rest[0], int(rest[1])
        verbose, udp = "v" in options, "u" in options
        transport = "udp" if udp else "tcp"
        _, addresses, _ = self.lookup(host)
        if not addresses:
            return 1, f"nc: getaddrinfo for host \"{host}\" port {port}: Name or service not known\n"
        address = addresses[0]
        kind = net.observed(self._flow(host, address, port, "UDP" if udp else "TCP", None))
        where = f"{host} ({address})" if host != address else host
        if udp or kind not in (net.TIMEOUT, net.REFUSED):  # UDP has no handshake: always "succeeded"
            service = _WELL_KNOWN_PORTS.get(port, "*")
            return 0, f"Connection to {where} {port} port [{transport}/{service}] succeeded!\n" if verbose else ""
        if kind == net.TIMEOUT:
            return 1, f"nc: connect to {where} port {port} ({transport}) timed out: Operation now in progress\n" \
                if verbose else ""
        return 1, f"nc: connect to {where} port {port} ({transport}) failed: Connection refused\n" if verbose else ""

    # nslookup (bind) ----------------------------------------------------------------------------
    def _nslookup(self, args: list[str]) -> tuple[int, str]:
        names = [a for a in args if not a.startswith("-")]
        if not names:
            return 1, NOT_EMULATED.format(what="interactive nslookup") + "\n"
        server = self.state.dns_service_ip
        head = f"Server:\t\t{server}\nAddress:\t{server}#53\n\n"
        answered, addresses, authoritative = self.lookup(names[0])
        if addresses is None:
            return 1, ";; connection timed out; no servers could be reached\n\n"
        if not addresses:
            return 1, head + f"** server can't find {names[0]}: NXDOMAIN\n\n"
        body = "" if authoritative else "Non-authoritative answer:\n"
        body += "".join(f"Name:\t{answered}\nAddress: {a}\n" for a in addresses)
        return 0, head + body + "\n"

    # ping (iputils) -------------------------------------------------------------------------------
    def _ping(self, args: list[str]) -> tuple[int, str]:
        try:
            options, rest = _parse_options(args, flags="n", valued="cWw")
        except _OptionError as error:
            return 2, f"ping: invalid option -- '{error.option.lstrip('-')}'\n"
        if "c" not in options:
            return 2, NOT_EMULATED.format(what="ping without -c (it never ends); add -c N") + "\n"
        if not rest:
            return 2, "ping: usage error: Destination address required\n"
        count, host = int(options["c"]), rest[0]
        _, addresses, _ = self.lookup(host)
        if not addresses:
            return 2, f"ping: {host}: Name or service not known\n"
        address = addresses[0]
        kind = net.observed(self._flow(host, address, 0, "ICMP", None))
        label = host if host == address else f"{host} ({address})"
        lines = [f"PING {label} ({address}) 56(84) bytes of data." if host != address
                 else f"PING {address} ({address}) 56(84) bytes of data."]
        elapsed = (count - 1) * 1000 + 3
        if kind == net.CONNECTED:
            times = [1.5 + 0.012 * i for i in range(count)]
            lines += [f"64 bytes from {label}: icmp_seq={i + 1} ttl=117 time={t:.2f} ms" for i, t in enumerate(times)]
            average = sum(times) / count
            deviation = (sum((t - average) ** 2 for t in times) / count) ** 0.5
            lines += ["", f"--- {host} ping statistics ---",
                      f"{count} packets transmitted, {count} received, 0% packet loss, time {elapsed}ms",
                      f"rtt min/avg/max/mdev = {min(times):.3f}/{average:.3f}/{max(times):.3f}/{deviation:.3f} ms"]
            return 0, "\n".join(lines) + "\n"
        lines += ["", f"--- {host} ping statistics ---",
                  f"{count} packets transmitted, 0 received, 100% packet loss, time {elapsed + 40}ms", ""]
        return 1, "\n".join(lines) + "\n"


# curl 8 ---------------------------------------------------------------------------------------------

# lookup(name) -> addresses; [] for NXDOMAIN, None when no DNS server answered
Lookup = Callable[[str], "list[str] | None"]
# flow(host, address, port, protocol, sni) -> the data plane's Outcome for one connection
Flow = Callable[[str, str, int, str, "bool | None"], net.Outcome]


def curl(args: list[str], *, lookup: Lookup, flow: Flow, now: datetime,
         cluster_service: Callable[[str], bool] | None = None) -> Result:
    """curl 8 with ``args`` (the words after ``curl``): its options, exit codes, messages (on stderr)
    and pages, for a client whose names resolve through ``lookup`` and whose connections go through
    ``flow``. ``cluster_service`` tells in-cluster service addresses (a pod's): a connection there is
    answered by the API server, the only in-cluster service that speaks HTTP here."""
    try:
        options, urls = _parse_options(args, flags="sSIikLfv", valued="mowXHd",
                                       long_flags={"silent": "s", "show-error": "S", "head": "I",
                                                   "include": "i", "insecure": "k", "location": "L",
                                                   "fail": "f", "verbose": "v"},
                                       long_valued={"max-time": "m", "output": "o", "write-out": "w",
                                                    "request": "X", "header": "H", "connect-timeout": "c",
                                                    "data": "d"})
    except _OptionError as error:
        return Result(CURL_EXIT["usage"], stderr=f"curl: option {error.option}: is unknown\n"
                                                 "curl: try 'curl --help' or 'curl --manual' for more information\n")
    if "v" in options:
        return Result(CURL_EXIT["usage"], stderr=NOT_EMULATED.format(what="curl -v") + "\n")
    if not urls:
        return Result(CURL_EXIT["usage"], stderr="curl: no URL specified\n"
                                                 "curl: try 'curl --help' or 'curl --manual' for more information\n")
    transfer = _CurlTransfer(options, lookup, flow, now, cluster_service or (lambda address: False))
    return transfer.fetch(urls[0], redirects=0)


@dataclass
class _CurlTransfer:
    """One curl invocation: its options and the client's resolver, network and clock."""

    options: dict
    lookup: Lookup
    flow: Flow
    now: datetime
    cluster_service: Callable[[str], bool]

    def fail(self, code: int, message: str, http_code: str = "000") -> Result:
        show_errors = "S" in self.options or "s" not in self.options
        return Result(code, _write_out(self.options.get("w", ""), http_code, ""),
                      f"curl: ({code}) {message}\n" if show_errors else "")

    def fetch(self, url: str, redirects: int) -> Result:
        options = self.options
        target = _split_url(url)
        if target is None:
            return self.fail(3, "URL rejected: Malformed input to a URL function")
        scheme, host, port, path = target
        addresses = self.lookup(host)
        if not addresses:
            return self.fail(6, f"Could not resolve host: {host}")
        outcome = self.flow(host, addresses[0], port, scheme.upper(),
                            (not is_ipv4(host)) if scheme == "https" else None)
        kind = net.observed(outcome)
        timeout = options.get("m") or options.get("c")
        if kind == net.TIMEOUT:
            if timeout:
                return self.fail(28, f"Connection timed out after {int(float(timeout) * 1000) + 1} milliseconds")
            return self.fail(28, f"Failed to connect to {host} port {port} after 134912 ms: Couldn't connect to server")
        if kind == net.REFUSED:
            return self.fail(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
        if kind == net.TLS_FAILURE:
            if scheme == "https":
                return self.fail(35, f"OpenSSL SSL_connect: Connection reset by peer in connection to {host}:{port}")
            return self.fail(56, "Recv failure: Connection reset by peer")
        if kind == net.CONNECTED:
            if self.cluster_service(addresses[0]):
                status, reason, content_type, body, extra = _api_server_answer(scheme, "k" in options)
                if status is None:
                    return self.fail(60, "SSL certificate problem: unable to get local issuer certificate")
            else:
                page = net.site_page(host, path, scheme, port)
                status, reason, content_type, body = page.status, page.reason, page.content_type, page.body
                extra = {"Server": page.server, **({"Location": page.location} if page.location else {})}
                if "L" in options and page.location and redirects < 10:
                    return self.fetch(page.location, redirects + 1)
        else:
            status, reason, content_type, body, extra = (outcome.status, "", "text/plain; charset=utf-8",
                                                         net.body_of(outcome), {})
        if "f" in options and status >= 400:
            return self.fail(22, f"The requested URL returned error: {status}", str(status))
        headers = _http_headers(status, reason, content_type, body, extra, self.now)
        if "I" in options:
            shown = headers
        elif "i" in options:
            shown = headers + body
        else:
            shown = body
        if options.get("o") and "I" not in options:
            shown = ""
        return Result(0, shown + _write_out(options.get("w", ""), str(status), addresses[0]))


PROGRAMS = {"sh", "bash", "echo", "true", "false", "sleep", "hostname", "date", "cat", "curl", "wget", "nc",
             "nslookup", "ping"}


@dataclass(frozen=True)
class _Local:
    """An in-cluster connection's outcome (kube-proxy, not the data plane)."""

    action: str
    status: int | None = None
    body: str = ""
    error: str | None = None


class _OptionError(Exception):
    def __init__(self, option: str):
        super().__init__(option)
        self.option = option


def _parse_options(args: list[str], *, flags: str, valued: str, long_flags: dict | None = None,
                   long_valued: dict | None = None) -> tuple[dict, list[str]]:
    """getopt-style parsing: bundled short flags (-sSI), -m10 / -m 10, --long / --long=value."""
    long_flags, long_valued = long_flags or {}, long_valued or {}
    options, positional, i = {}, [], 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and len(arg) > 2:
            name, _, value = arg[2:].partition("=")
            if name in long_flags:
                options[long_flags[name]] = True
            elif name in long_valued:
                if not value:
                    i += 1
                    value = args[i] if i < len(args) else ""
                options[long_valued[name]] = value
            else:
                raise _OptionError(arg)
        elif arg.startswith("-") and len(arg) > 1:
            for position, letter in enumerate(arg[1:], start=1):
                if letter in flags:
                    options[letter] = True
                elif letter in valued:
                    value = arg[position + 1:]
                    if not value:
                        i += 1
                        value = args[i] if i < len(args) else ""
                    options[letter] = value
                    break
                else:
                    raise _OptionError(f"-{letter}")
        else:
            positional.append(arg)
        i += 1
    return options, positional



def _split_url(url: str) -> tuple[str, str, int, str] | None:
    if "://" not in url:
        url = "http://" + url  # curl and wget guess http for a bare host
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme, parts.hostname, port, parts.path or "/"


def _http_headers(status: int, reason: str, content_type: str, body: str, extra: dict, now: datetime) -> str:
    reason = reason or f"status code {status}"
    lines = [f"HTTP/1.1 {status} {reason}", f"Date: {format_datetime(now, usegmt=True)}",
             f"Content-Type: {content_type}", f"Content-Length: {len(body.encode())}"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


def _api_server_answer(scheme: str, insecure: bool):
    """The API server's answer to an anonymous in-cluster request (serving cert from the cluster CA)."""
    if scheme != "https":
        return 400, "Bad Request", "text/plain; charset=utf-8", "Client sent an HTTP request to an HTTPS server.\n", {}
    if not insecure:
        return None, "", "", "", {}
    body = ('{\n  "kind": "Status",\n  "apiVersion": "v1",\n  "metadata": {},\n  "status": "Failure",\n'
            '  "message": "Unauthorized",\n  "reason": "Unauthorized",\n  "code": 401\n}')
    return 401, "Unauthorized", "application/json", body, {}


def _write_out(template: str, http_code: str, remote_ip: str) -> str:
    if not template:
        return ""
    text = template.replace("%{http_code}", http_code).replace("%{response_code}", http_code)
    return text.replace("%{remote_ip}", remote_ip).replace("\\n", "\n")
