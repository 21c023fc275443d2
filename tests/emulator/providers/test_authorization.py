"""Role assignments and role definitions through azure-mgmt-authorization; has_permission."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.msi.models import Identity

from praks_lib.azure.roles import BUILT_IN_ROLES
from praks_lib.emulator.platform.router import compile_template
from praks_lib.emulator.providers import msi
from praks_lib.emulator.providers.authorization.permissions import has_permission
from praks_lib.emulator.providers.containerservice.validation import missing_network_permissions

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG = SUB + "/resourceGroups/rg"
VNET = RG + "/providers/Microsoft.Network/virtualNetworks/spoke"
SUBNET = VNET + "/subnets/aks"
ROUTE_TABLE = RG + "/providers/Microsoft.Network/routeTables/egress"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
VM_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


@pytest.fixture
def auth(emu):
    return AuthorizationManagementClient(emu.credential, emu.subscription_id, transport=emu.transport())


@pytest.fixture
def principal(emu, group):
    client = ManagedServiceIdentityClient(emu.credential, emu.subscription_id, transport=emu.transport())
    return client.user_assigned_identities.create_or_update(
        "rg", "aks-identity", Identity(location="westeurope")).principal_id


@pytest.fixture
def spoke(network, group):
    network.route_tables.begin_create_or_update("rg", "egress", {"location": "westeurope"}).result()
    network.virtual_networks.begin_create_or_update("rg", "spoke", {
        "location": "westeurope", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.4.0/22"]},
            "subnets": [{"name": "aks", "properties": {"addressPrefix": "10.0.5.0/24"}}]}}).result()


def role_id(guid):
    return f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def assign(auth, scope, principal, guid=NETWORK_CONTRIBUTOR, name=None):
    return auth.role_assignments.create(scope, name or str(uuid.uuid4()), RoleAssignmentCreateParameters(
        role_definition_id=role_id(guid), principal_id=principal, principal_type="ServicePrincipal"))


def test_multi_segment_placeholder_takes_a_whole_scope():
    pattern = compile_template("/{scope*}/providers/Microsoft.Authorization/roleAssignments/{name}")
    found = pattern.fullmatch(SUBNET + "/providers/Microsoft.Authorization/roleAssignments/abc")
    assert found["scope"].strip("/") == SUBNET.strip("/") and found["name"] == "abc"
    assert pattern.fullmatch("/providers/Microsoft.Authorization/roleAssignments/abc") is None


def test_assignment_on_a_subnet(auth, spoke, principal):
    name = "0b2c5ebf-8f3c-4a5e-9a39-2f4f3d0c6b11"
    created = assign(auth, SUBNET, principal, name=name)
    assert created.id == SUBNET + "/providers/Microsoft.Authorization/roleAssignments/" + name
    assert created.scope == SUBNET and created.principal_id == principal
    assert created.role_definition_id == role_id(NETWORK_CONTRIBUTOR)
    assert auth.role_assignments.get(SUBNET, name).principal_type == "ServicePrincipal"
    again = assign(auth, SUBNET, principal, name=name)  # the same assignment again changes nothing
    assert again.id == created.id
    auth.role_assignments.delete(SUBNET, name)
    with pytest.raises(ResourceNotFoundError, match="RoleAssignmentNotFound"):
        auth.role_assignments.get(SUBNET, name)


def test_scope_must_exist(auth, group, principal):
    with pytest.raises(ResourceNotFoundError, match="ResourceGroupNotFound"):
        assign(auth, SUB + "/resourceGroups/missing", principal)
    with pytest.raises(ResourceNotFoundError) as error:
        assign(auth, ROUTE_TABLE, principal)
    assert error.value.error.code == "ResourceNotFound"
    assert "'Microsoft.Network/routeTables/egress' under resource group 'rg' was not found" in str(error.value)


def test_missing_subnet_names_the_nested_resource(auth, spoke, principal):
    with pytest.raises(ResourceNotFoundError, match="virtualNetworks/spoke/subnets/nope"):
        assign(auth, VNET + "/subnets/nope", principal)


def test_unknown_role(auth, group, principal):
    with pytest.raises(HttpResponseError) as error:
        assign(auth, RG, principal, guid="11111111-2222-3333-4444-555555555555")
    assert error.value.error.code == "RoleDefinitionDoesNotExist"
    assert error.value.error.message == ("The specified role definition with ID "
                                         "'11111111222233334444555555555555' does not exist.")


def test_unknown_principal(auth, group):
    with pytest.raises(HttpResponseError) as error:
        assign(auth, RG, "99999999-9999-9999-9999-999999999999")
    assert error.value.error.code == "PrincipalNotFound"
    assert error.value.error.message.startswith(
        f"Principal 99999999999999999999999999999999 does not exist in the directory {msi.TENANT_ID}.")


def test_duplicate_under_another_name(auth, group, principal):
    first = assign(auth, RG, principal)
    with pytest.raises(ResourceExistsError) as error:
        assign(auth, RG, principal)
    assert error.value.status_code == 409 and error.value.error.code == "RoleAssignmentExists"
    assert error.value.error.message == ("The role assignment already exists. The ID of the existing "
                                         f"role assignment is {first.name.replace('-', '')}.")


def test_assignment_cannot_be_changed(auth, group, principal):
    name = str(uuid.uuid4())
    assign(auth, RG, principal, name=name)
    with pytest.raises(ResourceExistsError, match="RoleAssignmentUpdateNotPermitted"):
        assign(auth, RG, principal, guid=READER, name=name)


def test_name_must_be_a_guid(auth, group, principal):
    with pytest.raises(HttpResponseError, match="InvalidRoleAssignmentId"):
        assign(auth, RG, principal, name="not-a-guid")


def test_list_for_scope_and_filters(auth, spoke, principal):
    at_group = assign(auth, RG, principal, guid=READER)
    at_subnet = assign(auth, SUBNET, principal)

    def names(items):
        return sorted(a.name for a in items)

    assert names(auth.role_assignments.list_for_scope(VNET)) == names([at_group, at_subnet])
    assert names(auth.role_assignments.list_for_scope(VNET, filter="atScope()")) == [at_group.name]
    assert names(auth.role_assignments.list_for_scope(
        RG, filter=f"principalId eq '{principal}'")) == names([at_group, at_subnet])
    assert list(auth.role_assignments.list_for_scope(RG, filter="principalId eq 'someone-else'")) == []
    assert names(auth.role_assignments.list_for_subscription()) == names([at_group, at_subnet])


def test_assignments_go_with_their_scope(auth, network, spoke, principal):
    assign(auth, ROUTE_TABLE, principal)
    network.route_tables.begin_delete("rg", "egress").result()
    assert list(auth.role_assignments.list_for_scope(RG)) == []


def test_role_definitions(auth):
    role = auth.role_definitions.get(SUB, NETWORK_CONTRIBUTOR)
    assert role.role_name == "Network Contributor" and role.role_type == "BuiltInRole"
    assert role.id == role_id(NETWORK_CONTRIBUTOR)
    assert "Microsoft.Network/*" in role.permissions[0].actions
    assert auth.role_definitions.get("/", READER).id == f"/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    [found] = auth.role_definitions.list(SUB, filter="roleName eq 'Private DNS Zone Contributor'")
    assert found.name == "b12aa53e-6015-4669-85d0-8515ebb3ae7f"
    assert len(list(auth.role_definitions.list(SUB))) == len(BUILT_IN_ROLES)
    with pytest.raises(ResourceNotFoundError, match="RoleDefinitionDoesNotExist"):
        auth.role_definitions.get(SUB, "11111111-2222-3333-4444-555555555555")


def test_has_permission_inherits_and_matches_wildcards(emu, auth, spoke, principal):
    assign(auth, VNET, principal)
    with emu.store.transaction() as tx:
        assert has_permission(tx, principal, "Microsoft.Network/virtualNetworks/subnets/join/action", SUBNET)
        assert has_permission(tx, principal.upper(), "microsoft.network/virtualnetworks/read", VNET.lower())
        assert not has_permission(tx, principal, "Microsoft.Network/routeTables/write", ROUTE_TABLE)
        assert not has_permission(tx, principal, "Microsoft.Compute/virtualMachines/write", SUBNET)
        assert not has_permission(tx, principal, "Microsoft.Network/virtualNetworks/read", RG)


def test_not_actions_win_over_actions(emu, auth, group, principal):
    assign(auth, RG, principal, guid="b24988ac-6180-42a0-ab88-20f7382dd24c")  # Contributor
    with emu.store.transaction() as tx:
        assert has_permission(tx, principal, "Microsoft.Network/routeTables/write", ROUTE_TABLE)
        assert not has_permission(tx, principal, "Microsoft.Authorization/roleAssignments/write", RG)


def test_cluster_network_check(emu, auth, spoke, principal):
    """The walkthrough's VM Contributor on the group lacks what AKS needs; Network Contributor on
    the subnet and the route table is enough."""
    assign(auth, RG, principal, guid=VM_CONTRIBUTOR)
    with emu.store.transaction() as tx:
        missing = missing_network_permissions(tx, principal, SUBNET, ROUTE_TABLE)
    assert ("Microsoft.Network/virtualNetworks/subnets/read", SUBNET) in missing
    assert ("Microsoft.Network/routeTables/write", ROUTE_TABLE) in missing
    assert ("Microsoft.Network/virtualNetworks/subnets/join/action", SUBNET) not in missing
    assign(auth, SUBNET, principal)
    assign(auth, ROUTE_TABLE, principal)
    with emu.store.transaction() as tx:
        assert missing_network_permissions(tx, principal, SUBNET, ROUTE_TABLE) == []
