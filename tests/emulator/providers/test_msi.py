"""Managed identities through azure-mgmt-msi: server-owned, deterministic ids."""

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import Identity
from azure.mgmt.resource.resources import ResourceManagementClient

from praks_lib.emulator import Emulator
from praks_lib.emulator.providers import msi


@pytest.fixture
def identities(emu):
    return ManagedServiceIdentityClient(emu.credential, emu.subscription_id,
                                        transport=emu.transport()).user_assigned_identities


def create(identities, name="aks-identity", **kwargs):
    return identities.create_or_update("rg", name, Identity(location="westeurope", **kwargs))


def test_create_gives_principal_client_and_tenant(group, identities):
    identity = create(identities, tags={"owner": "praks"})
    assert identity.tenant_id == msi.TENANT_ID
    assert identity.principal_id and identity.client_id and identity.principal_id != identity.client_id
    assert identity.id == ("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/"
                           "providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-identity")
    assert identity.isolation_scope == "None" and identity.tags == {"owner": "praks"}
    assert identities.get("rg", "aks-identity").principal_id == identity.principal_id


def test_ids_are_the_same_in_a_fresh_cloud(tmp_path, group, identities):
    first = create(identities)
    other = Emulator(tmp_path / "other")
    client = ManagedServiceIdentityClient(other.credential, other.subscription_id, transport=other.transport())
    groups = ResourceManagementClient(other.credential, other.subscription_id, transport=other.transport())
    groups.resource_groups.create_or_update("rg", {"location": "westeurope"})
    again = client.user_assigned_identities.create_or_update("rg", "aks-identity", Identity(location="westeurope"))
    assert (again.principal_id, again.client_id) == (first.principal_id, first.client_id)


def test_update_keeps_ids_and_client_cannot_set_them(group, identities):
    first = create(identities)
    body = Identity(location="westeurope", tags={"a": "b"})
    updated = identities.create_or_update("rg", "aks-identity", body)
    assert (updated.principal_id, updated.client_id) == (first.principal_id, first.client_id)
    assert updated.tags == {"a": "b"}


def test_recreated_identity_is_a_new_principal(group, identities):
    first = create(identities)
    identities.delete("rg", "aks-identity")
    with pytest.raises(ResourceNotFoundError):
        identities.get("rg", "aks-identity")
    second = create(identities)
    assert second.principal_id != first.principal_id


def test_list_by_group_and_missing_group(group, identities):
    create(identities, name="a")
    create(identities, name="b")
    assert [i.name for i in identities.list_by_resource_group("rg")] == ["a", "b"]
    with pytest.raises(ResourceNotFoundError, match="ResourceGroupNotFound"):
        identities.create_or_update("nope", "x", Identity(location="westeurope"))


def test_directory_knows_identity_principals(emu, group, identities):
    identity = create(identities)
    with emu.store.transaction() as tx:
        assert msi.principal_exists(tx, identity.principal_id.upper())
        assert not msi.principal_exists(tx, "11111111-1111-1111-1111-111111111111")
