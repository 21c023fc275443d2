"""Long-running operations as the recordings show them: a network PUT answers Updating and a poll then
says Succeeded; a DELETE keeps the resource Deleting until its operation ends, then 204 and 404."""
VNET = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/" \
       "virtualNetworks/hub"
BODY = {"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/22"]}}}


def _path(url: str) -> str:
    return url.split("management.azure.com", 1)[1].split("?", 1)[0]


def test_a_network_put_answers_updating_and_one_poll_settles_it(group, arm_call):
    created = arm_call("PUT", VNET, json=BODY)
    assert (created.status_code, created.json()["properties"]["provisioningState"]) == (201, "Updating")
    assert arm_call("GET", VNET).json()["properties"]["provisioningState"] == "Updating"
    status = arm_call("GET", _path(created.headers["Azure-AsyncOperation"]))
    assert status.json() == {"status": "Succeeded"}  # the network operation body is the status alone
    assert arm_call("GET", VNET).json()["properties"]["provisioningState"] == "Succeeded"


def test_a_delete_shows_deleting_until_its_operation_ends(group, arm_call):
    arm_call("PUT", VNET, json=BODY)
    deleted = arm_call("DELETE", VNET)
    assert deleted.status_code == 202 and {"Azure-AsyncOperation", "Location"} <= set(deleted.headers)
    during = arm_call("GET", VNET)
    assert (during.status_code, during.json()["properties"]["provisioningState"]) == (200, "Deleting")
    assert arm_call("GET", _path(deleted.headers["Azure-AsyncOperation"])).json() == {"status": "Succeeded"}
    assert arm_call("GET", _path(deleted.headers["Location"])).status_code == 204
    assert arm_call("GET", VNET).status_code == 404


def test_the_sdk_waits_for_a_delete_to_end(network, group):
    network.virtual_networks.begin_create_or_update("rg", "hub", BODY | {"address_space": {
        "address_prefixes": ["10.0.0.0/22"]}}).result()
    network.virtual_networks.begin_delete("rg", "hub").result()
    assert [v.name for v in network.virtual_networks.list("rg")] == []
