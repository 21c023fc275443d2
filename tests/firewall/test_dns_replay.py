"""Offline DNS and service tags agree with each other; replay reports what a candidate changes."""
import ipaddress

import pandas as pd
from firewall_builders import shipped_rule_set

from praks_lib.firewall import resolve, service_tag_prefixes, service_tags_version
from praks_lib.firewall.addresses import parse_address
from praks_lib.firewall.servicetags import all_shipped_intervals, known_service_tags, tag_intervals
from praks_lib.whatif import replay


def _inside(address, tag):
    return int(ipaddress.IPv4Address(address)) in tag_intervals(tag)


def test_well_known_names_resolve_inside_their_service_tag():
    assert _inside(resolve("mcr.microsoft.com")[0], "MicrosoftContainerRegistry")
    assert _inside(resolve("login.microsoftonline.com")[0], "AzureActiveDirectory")
    assert _inside(resolve("management.azure.com")[0], "AzureResourceManager")
    assert _inside(resolve("abc.ods.opinsights.azure.com")[0], "AzureMonitor")
    assert _inside(resolve("x.hcp.westeurope.azmk8s.io")[0], "AzureCloud.westeurope")


def test_other_names_are_stable_public_and_outside_every_azure_tag():
    azure = all_shipped_intervals()
    for name in ("batman.com", "security.ubuntu.com", "registry-1.docker.io", "example.org"):
        address = resolve(name)[0]
        assert resolve(name.upper()) == [address]
        assert ipaddress.IPv4Address(address).is_global
        assert int(ipaddress.IPv4Address(address)) not in azure


def test_azure_cloud_region_covers_the_regional_tags():
    region = tag_intervals("AzureCloud.westeurope")
    for tag in ("MicrosoftContainerRegistry.WestEurope", "AzureMonitor.WestEurope",
                "AzureActiveDirectory.WestEurope" if "AzureActiveDirectory.WestEurope" in known_service_tags()
                else "AzureResourceManager.WestEurope"):
        inner = tag_intervals(tag)
        assert inner and region.covers(inner), tag


def test_shipped_copy_is_small_and_dated():
    from praks_lib.firewall.servicetags import DATA_FILE
    assert DATA_FILE.stat().st_size < 300_000
    assert service_tags_version() == {"changeNumber": 375, "cloud": "Public", "date": "2025-11-06"}
    assert all(parse_address(p) for p in service_tag_prefixes("AzureCloud.westeurope"))


def test_replay_reports_what_the_candidate_changes_by_destination():
    flows = pd.DataFrame([
        {"source": "10.0.5.4", "destination": "mcr.microsoft.com", "port": 443, "protocol": "HTTPS"},
        {"source": "10.0.5.5", "destination": "mcr.microsoft.com", "port": 443, "protocol": "HTTPS"},
        {"source": "10.0.5.4", "destination": "registry-1.docker.io", "port": 443, "protocol": "HTTPS"},
        {"source": "10.0.5.4", "destination": "registry-1.docker.io", "port": 443, "protocol": "HTTPS"},
        {"source": "10.0.5.4", "destination": "8.8.8.8", "port": 53, "protocol": "UDP"},
        {"source": "10.0.5.4", "destination": "snapshot.ubuntu.com", "port": 443, "protocol": "HTTPS"},
    ])
    report = replay(flows, shipped_rule_set("seed-2020"), shipped_rule_set("least-privilege"))
    summary = report.summary.set_index("change")["flows"].to_dict()
    assert summary == {"newly denied": 3, "newly allowed": 1, "unchanged": 2}
    denied = report.newly_denied().set_index("destination")
    assert denied.loc["registry-1.docker.io", "flows"] == 2
    assert denied.loc["registry-1.docker.io", "current_rule"] == "dockerhub/allow network"
    assert denied.loc["8.8.8.8", "candidate_rule"] == "(default action)"
    assert list(report.newly_allowed()["destination"]) == ["snapshot.ubuntu.com"]


def test_replay_accepts_azfw_log_columns():
    logs = pd.DataFrame([{"SourceIp": "10.0.5.4", "SourcePort": 40000, "Fqdn": "batman.com", "DestinationPort": 80,
                          "Protocol": "HTTP"}])
    report = replay(logs, shipped_rule_set("least-privilege"), shipped_rule_set("least-privilege"))
    assert report.summary.set_index("change").loc["unchanged", "flows"] == 1
