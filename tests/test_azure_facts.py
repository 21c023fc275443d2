"""Azure's facts as data: every file says its sources and when it was checked; the calendar, the error
catalog and the sizes answer from it, for the pinned day."""
import datetime as dt

import pytest

from praks_lib.azure import clock, facts, kubernetes_versions, messages, ssh_keys, vm_sizes


def test_every_data_file_names_its_sources_and_check_date():
    assert {"aks", "aks-egress", "errors", "images", "kubernetes-versions", "network", "vm-sizes"} <= set(
        facts.subjects())
    for subject in facts.subjects():
        source = facts.source(subject)
        assert source.where and all(source.where), subject
        assert isinstance(source.checked, dt.date), subject


def test_the_clock_is_pinned_for_tests_and_refuses_a_bad_date(monkeypatch):
    assert clock.today() == dt.date(2026, 12, 1)
    monkeypatch.setenv("PRAKS_TODAY", "01/12/2026")
    with pytest.raises(ValueError, match="set it to a date such as 2026-12-01"):
        clock.today()


@pytest.mark.parametrize("day, offered, default", [
    ("2026-12-01", ["1.35", "1.36", "1.37"], "1.36"),  # 1.34 left community support on 2026-11-30
    ("2026-11-30", ["1.34", "1.35", "1.36", "1.37"], "1.36"),
    ("2026-09-15", ["1.34", "1.35", "1.36"], "1.35"),  # before 1.37's GA: N = 1.36
    ("2027-07-01", ["1.37"], "1.37"),
])
def test_the_calendar_offers_what_aks_offers_on_a_day(day, offered, default):
    on = dt.date.fromisoformat(day)
    assert [m.version for m in kubernetes_versions.offered(on)] == offered
    assert kubernetes_versions.default(on).version == default


def test_support_of_a_version_on_a_day():
    on = dt.date(2026, 12, 1)
    assert [kubernetes_versions.support(v, on) for v in ("1.36.2", "1.33", "1.31", "1.10", "abc")] == [
        "community", "lts-only", "ended", "unknown", "unknown"]


def test_the_error_catalog_fills_every_placeholder_and_refuses_a_missing_one():
    error = messages.azure_error("dns_service_ip_outside", ip="10.3.0.10", cidr="10.2.0.0/24")
    assert (error.code, error.status) == ("DnsServiceIpOutOfServiceCidr", 400)
    assert error.message == "The DNS service IP 10.3.0.10 is out of the range defined by service CIDR 10.2.0.0/24."
    with pytest.raises(KeyError, match="needs cidr"):
        messages.azure_error("dns_service_ip_outside", ip="10.3.0.10")
    for key, entry in facts.load("errors")["errors"].items():
        assert entry["evidence"] in {"recorded", "doc", "issue", "reconstructed"}, key
        assert entry["code"] and entry["ref"], key


def test_vm_sizes_are_found_without_case_and_judged_for_system_pools():
    assert vm_sizes.find("standard_d2s_v5").vcpus == 2
    assert vm_sizes.find("Standard_Bogus_v9") is None
    assert not vm_sizes.find("Standard_DS1_v2").fits_system_pool
    assert vm_sizes.smallest_fitting("DSv2").name == "Standard_DS2_v2"


ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb1d4nAkTWvqNePcjp2NHTFOOwRR/kfsQGXa5kJmxvo me@laptop"


def test_ssh_keys_as_azure_accepts_them():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    def rsa_line(bits):
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
        return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()

    assert ssh_keys.problem(ED25519) is None
    assert ssh_keys.problem(rsa_line(2048)) is None
    assert ssh_keys.problem(rsa_line(1024)) == "an RSA key of 1024 bits; Azure needs at least 2048"
    assert ssh_keys.problem("ssh-rsa AAAA").startswith("not an OpenSSH public key line")
