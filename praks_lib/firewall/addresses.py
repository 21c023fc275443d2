"""Address and port specs as Azure Firewall writes them, compiled to integer intervals.

Rules name sources and destinations as `*`, an IP, a CIDR or a range `a-b`; ports as `443`,
`8000-8999` or `*`. Matching compares integers against sorted, merged intervals (bisect), so a
service tag with a thousand prefixes costs the same as one CIDR. Specs are parsed once each: the
service tags hold some ten thousand prefixes, and every rule set compiled names the same few specs.
"""
from __future__ import annotations

import ipaddress
import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache

MAX_IPV4 = 2**32 - 1
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # as ipaddress accepts it: no leading zero
_PLAIN = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?:/(3[0-2]|[12]?[0-9]))?")


@lru_cache(maxsize=65536)
def parse_address(spec: str) -> tuple[int, int]:
    """`*`, IPv4, CIDR or `first-last` → inclusive integer interval; ValueError names the form."""
    spec = spec.strip()
    if spec == "*":
        return 0, MAX_IPV4
    plain = _PLAIN.fullmatch(spec)
    if plain:  # an address or a prefix-length CIDR, the usual forms: integer arithmetic, not ipaddress objects
        a, b, c, d, length = plain.groups()
        mask = MAX_IPV4 ^ (MAX_IPV4 >> int(length or 32))
        first = (int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d)) & mask
        return first, first | (MAX_IPV4 ^ mask)
    try:
        if "-" in spec:
            first, last = (int(ipaddress.IPv4Address(part.strip())) for part in spec.split("-", 1))
            if first > last:
                raise ValueError(f"range '{spec}' ends before it starts")
            return first, last
        if "/" in spec:
            net = ipaddress.IPv4Network(spec, strict=False)
            return int(net.network_address), int(net.broadcast_address)
        address = int(ipaddress.IPv4Address(spec))
        return address, address
    except ipaddress.AddressValueError as exc:
        raise ValueError(f"'{spec}' is not an IPv4 address, CIDR (10.0.5.0/24), range "
                         f"(10.0.0.1-10.0.0.12) or *") from exc
    except ipaddress.NetmaskValueError as exc:
        raise ValueError(f"'{spec}' has an invalid prefix length (use /0 to /32)") from exc


def is_address_spec(spec: str) -> bool:
    try:
        parse_address(spec)
    except ValueError:
        return False
    return True


def parse_port(spec: str) -> tuple[int, int]:
    """`*`, `443` or `8000-8999` → inclusive interval within 1-65535 (0 is not a destination port)."""
    spec = str(spec).strip()
    if spec == "*":
        return 1, 65535
    parts = spec.split("-", 1)
    if not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"port '{spec}' is not a number, a range such as 8000-8999, or *")
    first, last = int(parts[0]), int(parts[-1])
    for value in (first, last):
        if not 1 <= value <= 65535:
            raise ValueError(f"port {value} is outside 1-65535")
    if first > last:
        raise ValueError(f"port range '{spec}' ends before it starts")
    return first, last


class IntervalSet:
    """A union of inclusive integer intervals with O(log n) membership and containment tests."""

    __slots__ = ("starts", "ends")

    def __init__(self, intervals: Iterable[tuple[int, int]]):
        merged: list[list[int]] = []
        for first, last in sorted(intervals):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def __contains__(self, value: int) -> bool:
        index = bisect_right(self.starts, value) - 1
        return index >= 0 and value <= self.ends[index]

    def __bool__(self) -> bool:
        return bool(self.starts)

    def covers(self, other: "IntervalSet") -> bool:
        """True when every value of `other` is in this set."""
        for first, last in zip(other.starts, other.ends):
            index = bisect_right(self.starts, first) - 1
            if index < 0 or last > self.ends[index]:
                return False
        return True

    def intersects(self, other: "IntervalSet") -> bool:
        for first, last in zip(other.starts, other.ends):
            index = bisect_right(self.starts, last) - 1
            if index >= 0 and self.ends[index] >= first:
                return True
        return False

    @property
    def is_everything(self) -> bool:
        return self.starts == [0] and self.ends == [MAX_IPV4]


def is_ipv4(value: str) -> bool:
    """Whether a destination is an address rather than a name."""
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True
