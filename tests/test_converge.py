"""converge writes only what differs, and sees a value the parameters clear (which the SDK drops)."""
from types import SimpleNamespace

from azure.mgmt.containerservice.models import ContainerServiceNetworkProfile, ManagedCluster

from praks_lib.deploy.converge import converge


def _cluster(mode):
    return ManagedCluster(location="westeurope", network_profile=ContainerServiceNetworkProfile(
        network_plugin="azure", network_plugin_mode=mode))


def _run(current, wanted, owned=()):
    written = []
    change = converge("AKS cluster", "c", lambda: current, lambda _: wanted, written.append, owned=owned)
    return change.action, written


def test_the_same_values_are_not_written_again():
    assert _run(_cluster("overlay"), _cluster("overlay")) == ("unchanged", [])


def test_a_cleared_value_is_invisible_without_owned_and_written_with_it():
    current, wanted = _cluster("overlay"), _cluster(None)
    assert _run(current, wanted)[0] == "unchanged"  # as_dict drops None: the removal is not seen
    action, written = _run(current, wanted, owned=("network_profile.network_plugin_mode",))
    assert action == "updated" and written == [wanted]


def test_an_owned_path_through_a_missing_block_reads_as_nothing():
    current = SimpleNamespace(as_dict=lambda: {}, network_profile=None)
    wanted = SimpleNamespace(as_dict=lambda: {}, network_profile=None)
    assert _run(current, wanted, owned=("network_profile.pod_cidr",))[0] == "unchanged"


def test_a_failed_resource_is_written_again_though_its_values_match():
    current = ManagedCluster(location="westeurope")
    current.provisioning_state = "Failed"  # read-only on the model: Azure sets it, a GET returns it
    action, written = _run(current, ManagedCluster(location="westeurope"))
    assert action == "updated" and len(written) == 1
