"""parse_address reads plain addresses and CIDRs with integer arithmetic: the same intervals and the
same errors as ipaddress gives."""
import ipaddress

import pytest

from praks_lib.firewall.addresses import parse_address


def _by_ipaddress(spec: str) -> tuple[int, int]:
    network = ipaddress.IPv4Network(spec.strip(), strict=False)
    return int(network.network_address), int(network.broadcast_address)


@pytest.mark.parametrize("spec", ["10.0.4.0/24", "10.0.4.7/24", " 1.2.3.4 ", "0.0.0.0/0", "255.255.255.255/32",
                                  "100.64.0.1/10", "192.168.1.1/31", "10.0.0.0/255.0.0.0", "10.0.0.0/0.255.255.255"])
def test_an_address_or_cidr_is_its_network_interval(spec):
    assert parse_address(spec) == _by_ipaddress(spec)


@pytest.mark.parametrize("spec", ["01.2.3.4", "256.1.1.1", "1.2.3.4/33", "1.2.3", "1.2.3.4/", "١.2.3.4", "AzureCloud"])
def test_a_malformed_spec_is_refused(spec):
    with pytest.raises(ValueError):
        parse_address(spec)
