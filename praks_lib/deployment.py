"""What one deployment is: a pydantic model of every parameter the runbook needs.

Every value the 2020 walkthrough set as a shell variable lives here, with the walkthrough's value as
the default. Unknown keys are errors, so a typo never silently falls back to a default.

This module checks each value on its own (types, CIDR syntax, formats praks requires). Rules that
Azure applies across values — address overlaps, subnet sizes, resource name rules, the node
resource group length — are in praks_lib.plan; praks_lib.params reads parameter files into this
model and runs those checks.
"""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from praks_lib.azure import linux_vms, regions
from praks_lib.firewall import RuleSet, load_rule_set
from praks_lib.firewall.egress import ClusterShape
from praks_lib.project import rule_set_file

# The tag on everything the runbook creates; teardown deletes only resources carrying it.
TAG_KEY = "praks-deployment"


class StrictModel(BaseModel):
    """Base for every parameter block: unknown keys are rejected, assignments re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_block(cls, data: Any) -> Any:
        """A block written with no keys (`aks:` in YAML is null) means "all defaults"."""
        return {} if data is None else data


def _network(value: str) -> str:
    """Accept only a canonical IPv4 CIDR (10.0.4.0/22, not 10.0.5.0/22), as Azure does."""
    try:
        net = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        raise ValueError(f"'{value}' is not an IPv4 CIDR prefix such as 10.0.0.0/24") from None
    if "/" not in value:
        raise ValueError(f"'{value}' has no prefix length; write it as CIDR, e.g. {net.network_address}/24")
    if str(net) != value:
        # Azure's InvalidCIDRNotation wording.
        raise ValueError(f"The address prefix {value} has an invalid CIDR notation. For the given prefix "
                         f"length, the address prefix should be {net}.")
    return value


def _address(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"'{value}' is not an IPv4 address such as 10.2.0.10") from None
    return value


def _matching(regex: str, rule: str) -> AfterValidator:
    """A pattern check whose error says the rule in words, not the regular expression."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"'{value}' is not valid: {rule}")
        return value

    return AfterValidator(check)


Cidr = Annotated[str, AfterValidator(_network)]
Address = Annotated[str, AfterValidator(_address)]
DeploymentName = Annotated[str, _matching(r"[a-z0-9]{5,8}", "use 5 to 8 lowercase letters or digits (e.g. dzpraks1)")]
SubscriptionId = Annotated[str, _matching(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}",
                                          "a subscription id is a GUID such as 00000000-0000-0000-0000-000000000000 "
                                          "(az account show --query id -o tsv)")]
KubernetesVersion = Annotated[str, _matching(r"(\d+\.\d+(\.\d+)?)?",
                                             "leave it empty for Azure's default, or give a version such as 1.36 "
                                             "or 1.36.2 (az aks get-versions -l <location> -o table)")]
VmSize = Annotated[str, _matching(r"\S+", "give an Azure VM size such as Standard_D2s_v5 (az vm list-sizes -l <location>)")]
NodePoolName = Annotated[str, _matching(r"[a-z][a-z0-9]{0,11}",
                                        "a Linux node pool name is 1 to 12 lowercase letters or digits, "
                                        "starting with a letter")]
VmName = Annotated[str, _matching(r"[a-zA-Z0-9][a-zA-Z0-9-]{0,13}[a-zA-Z0-9]",
                                  "use 2 to 15 letters, digits or hyphens, starting and ending with a letter "
                                  "or digit (it is also the VM's host name)")]
LinuxUserName = Annotated[str, _matching(r"[a-z_][a-z0-9_-]{0,31}",
                                         "use up to 32 lowercase letters, digits, '_' or '-', "
                                         "starting with a letter or '_'")]


class Subnet(StrictModel):
    name: str  # Azure's name rules are checked by praks_lib.plan
    prefix: Cidr

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.prefix)


class VirtualNetwork(StrictModel):
    """What the hub and the spoke share. Each declares its name, address space and subnets."""

    name: str
    address_space: Cidr

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.address_space)

    @property
    def subnets(self) -> list[Subnet]:
        """The planned subnets, in the order they are created (optional ones only when given)."""
        return [subnet for _, subnet in self.subnet_fields()]

    def subnet_fields(self) -> list[tuple[str, Subnet]]:
        """(field name, subnet) for each planned subnet, in creation order."""
        return [(field, getattr(self, field)) for field, info in type(self).model_fields.items()
                if Subnet in (info.annotation, *get_args(info.annotation)) and getattr(self, field) is not None]


class HubNetwork(VirtualNetwork):
    name: str = "hub1-firewallvnet"  # HUB_VNET_NAME
    address_space: Cidr = "10.0.0.0/22"
    # Azure Firewall only deploys into a subnet named exactly AzureFirewallSubnet.
    firewall_subnet: Subnet = Subnet(name="AzureFirewallSubnet", prefix="10.0.0.0/24")
    jumpbox_subnet: Subnet = Subnet(name="jumpbox-subnet", prefix="10.0.1.0/24")
    # The Basic tier routes its management traffic through a subnet named AzureFirewallManagementSubnet.
    firewall_management_subnet: Subnet | None = None


class SpokeNetwork(VirtualNetwork):
    name: str = "spoke1-kubenvnet"  # KUBE_VNET_NAME
    address_space: Cidr = "10.0.4.0/22"
    ingress_subnet: Subnet = Subnet(name="ing-1-subnet", prefix="10.0.4.0/24")
    # The walkthrough uses $KUBE_AGENT_SUBNET_NAME without ever defining it; this is its name.
    aks_subnet: Subnet = Subnet(name="aks-2-subnet", prefix="10.0.5.0/24")
    # API Server VNet Integration: the API server's address in a subnet delegated to AKS (/28 or larger).
    apiserver_subnet: Subnet | None = None


class Network(StrictModel):
    hub: HubNetwork = Field(default_factory=HubNetwork)
    spoke: SpokeNetwork = Field(default_factory=SpokeNetwork)
    hub_to_spoke_peering: str = "HubToSpoke1"
    spoke_to_hub_peering: str = "Spoke1ToHub"


class ResourceGroups(StrictModel):
    """Empty names are derived from the deployment name, as the walkthrough does."""

    kube: str = ""  # KUBE_GROUP: ${DEPLOYMENT_NAME}_kube
    network: str = ""  # VNET_GROUP: ${DEPLOYMENT_NAME}_networks


class Firewall(StrictModel):
    # false only for a network-isolated cluster (outbound_type none), which needs no egress at all.
    enabled: bool = True
    name: str = ""  # default: the deployment name
    public_ip_name: str = ""  # default: the deployment name
    sku_tier: Literal["Basic", "Standard", "Premium"] = "Standard"
    # policy: a Firewall Policy with rule collection groups (Microsoft's recommended way, and the only one
    # for Basic and Premium); classic: rule collections on the firewall itself, as the 2020 walkthrough.
    rules_as: Literal["policy", "classic"] = "classic"
    policy_name: str = ""  # default: <firewall name>-policy
    management_public_ip_name: str = ""  # Basic: the management IP configuration's address; <public IP>-mgmt
    threat_intel_mode: Literal["Off", "Alert", "Deny"] = "Alert"
    dns_proxy: bool = True
    # A rule set: a name (a file <name>.yaml under firewall/ beside the parameter file, or under the
    # project's parameters/firewall/) or a path relative to the parameter file.
    rules: str = "least-privilege"


class Route(StrictModel):
    table_name: str = ""  # default: the deployment name
    route_name: str = ""  # default: the deployment name
    address_prefix: Cidr = "0.0.0.0/0"
    next_hop_type: Literal["VirtualAppliance", "VirtualNetworkGateway", "Internet", "None"] = "VirtualAppliance"


class NodePool(StrictModel):
    name: NodePoolName = "nodepool1"
    count: int = Field(3, ge=1, le=1000)
    vm_size: VmSize = "Standard_D2s_v5"
    os_sku: Literal["Ubuntu", "AzureLinux"] = "Ubuntu"


class Identity(StrictModel):
    type: Literal["UserAssigned"] = "UserAssigned"
    name: str = ""  # default: the cluster name


class Aks(StrictModel):
    name: str = ""  # KUBE_NAME; default: the deployment name
    dns_prefix: str = ""  # default: the cluster name
    # Empty: Azure's default for new clusters on the day of deployment (az aks get-versions, isDefault),
    # as the walkthrough asked for it. A pinned version is checked against AKS's calendar in 00_plan.
    kubernetes_version: KubernetesVersion = ""
    # The walkthrough's Azure CNI. kubenet is refused (it retires on 2028-03-31).
    network_plugin: Literal["azure"] = "azure"
    network_plugin_mode: Literal["overlay"] | None = None
    pod_cidr: Cidr | None = None  # only with network_plugin_mode: overlay
    service_cidr: Cidr = "10.2.0.0/24"
    dns_service_ip: Address = "10.2.0.10"
    outbound_type: Literal["userDefinedRouting", "loadBalancer", "managedNATGateway", "userAssignedNATGateway",
                           "none"] = (
        "userDefinedRouting"
    )
    load_balancer_sku: Literal["standard"] = "standard"
    private_cluster: bool = True
    # private_link: a private endpoint for the API server (the 2020 design); vnet_integration: the API
    # server gets an address in network.spoke.apiserver_subnet (GA since April 2025), no private endpoint.
    api_server: Literal["private_link", "vnet_integration"] = "private_link"
    # Cache: a network-isolated cluster bootstraps from a private registry cache (outbound_type none).
    bootstrap_artifact_source: Literal["Direct", "Cache"] = "Direct"
    registry_name: str = ""  # the private registry (ACR Premium) for Cache; default: <cluster name>acr
    identity: Identity = Field(default_factory=Identity)
    node_pool: NodePool = Field(default_factory=NodePool)

    @field_validator("network_plugin", mode="before")
    @classmethod
    def _no_kubenet(cls, value: Any) -> Any:
        if value == "kubenet":
            raise ValueError(
                "kubenet retires on 2028-03-31 and is not offered; use network_plugin: azure "
                "(add network_plugin_mode: overlay when VNet addresses are scarce)"
            )
        return value


class Workspace(StrictModel):
    name: str = ""  # default: the deployment name
    group: str = ""  # default: see Deployment._derive


class Monitoring(StrictModel):
    # The walkthrough creates two workspaces: one for firewall logs in the network group,
    # one for Container insights in the cluster group (same name, different groups).
    firewall_workspace: Workspace = Field(default_factory=Workspace)
    cluster_workspace: Workspace = Field(default_factory=Workspace)
    retention_days: int = Field(30, ge=30, le=730)
    # Dedicated: the resource-specific AZFW* tables, which the validation's queries read. (The legacy
    # AzureDiagnostics table with msg_s lines is what the emulator also writes, for KQL practice.)
    destination_type: Literal["Dedicated"] = "Dedicated"
    enable_container_insights: bool = True


class Jumpbox(StrictModel):
    name: VmName = "jumpbox"
    vm_size: VmSize = "Standard_B2s"
    admin_username: LinuxUserName = "azureuser"
    ssh_public_key: str | None = None  # None: sign in through run command only, no key stored

    @field_validator("admin_username")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if linux_vms.is_reserved_user_name(value):
            raise ValueError(f"'{value}' is a reserved user name on Azure VMs; choose another")
        return value


class Validation(StrictModel):
    allowed_urls: list[str] = ["http://azure.archive.ubuntu.com/ubuntu/"]
    denied_urls: list[str] = ["http://batman.com", "https://batman.com"]
    test_pod_image: str = "mcr.microsoft.com/azurelinux/base/core:3.0"
    log_deadline_minutes: int = Field(20, ge=0, le=120)

    @field_validator("allowed_urls", "denied_urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not re.match(r"^https?://[A-Za-z0-9.-]+(:\d+)?(/.*)?$", url):
                raise ValueError(f"'{url}' is not an http:// or https:// URL")
        return urls

    @field_validator("denied_urls")
    @classmethod
    def _not_both(cls, urls: list[str], info: ValidationInfo) -> list[str]:
        both = sorted(set(urls) & set(info.data.get("allowed_urls", [])))
        if both:
            raise ValueError(f"{', '.join(both)} cannot be both allowed and denied")
        return urls


class Backend(StrictModel):
    kind: Literal["emulator", "azure"] = "emulator"
    subscription_id: SubscriptionId | None = Field(None, validate_default=True)

    @field_validator("subscription_id")
    @classmethod
    def _needed_on_azure(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") == "azure" and not value:
            raise ValueError("backend kind 'azure' needs subscription_id (az account show --query id -o tsv)")
        return value


class Deployment(StrictModel):
    # The design this file builds on: parameters/scenarios/<scenario>.yaml, which the file's own values
    # override (walkthrough-2020, baseline-2026, isolated). Empty: the model's defaults alone.
    scenario: str = ""
    name: DeploymentName = "dzpraks1"  # DEPLOYMENT_NAME
    location: str = "westeurope"  # LOCATION; checked against Azure's regions by praks_lib.plan
    resource_groups: ResourceGroups = Field(default_factory=ResourceGroups)
    network: Network = Field(default_factory=Network)
    firewall: Firewall = Field(default_factory=Firewall)
    route: Route = Field(default_factory=Route)
    aks: Aks = Field(default_factory=Aks)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    jumpbox: Jumpbox = Field(default_factory=Jumpbox)
    validation: Validation = Field(default_factory=Validation)
    backend: Backend = Field(default_factory=Backend)
    # The folder of the parameter file it was read from: relative paths in the file mean relative to it.
    _source_dir: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _remember_source(self, info: ValidationInfo) -> "Deployment":
        if info.context and info.context.get("source_dir"):
            self._source_dir = Path(info.context["source_dir"])
        return self

    @property
    def rule_set_file(self) -> Path:
        """The file of the firewall rule set the parameters name (see Firewall.rules)."""
        return rule_set_file(self.firewall.rules, self._source_dir)

    @field_validator("location")
    @classmethod
    def _programmatic_location(cls, value: str) -> str:
        """A display name ("West Europe") becomes the name ARM stores ("westeurope"), as Azure reads
        it: names built from the region (the node group, the API server's zone) use that one."""
        return regions.canonical(value) or value

    @property
    def dns_through_firewall(self) -> bool:
        """The VNets' DNS servers are the firewall's DNS proxy (so FQDN network rules match what the
        clients resolve, as Microsoft documents for them)."""
        return self.firewall.enabled and self.firewall.dns_proxy

    @property
    def api_server_dns_zone(self) -> str | None:
        """The private DNS zone praks brings for a private API server when DNS goes through the
        firewall: the firewall resolves from the hub, so the zone must be linked to the hub before the
        nodes boot (AKS's own zone is linked to the cluster's VNet only). None: AKS's system zone."""
        if not (self.aks.private_cluster and self.dns_through_firewall):
            return None
        kind = "private" if self.aks.api_server == "vnet_integration" else "privatelink"
        return f"{kind}.{self.location}.azmk8s.io"

    @property
    def rule_set_values(self) -> dict[str, str]:
        """What a rule set's placeholders stand for in this deployment's address plan."""
        net = self.network
        return {"aks_subnet": net.spoke.aks_subnet.prefix, "spoke": net.spoke.address_space,
                "hub": net.hub.address_space, "jumpbox_subnet": net.hub.jumpbox_subnet.prefix,
                "region": self.location}

    def rule_set(self) -> RuleSet:
        """The firewall rule set the parameters name, with their address plan filled in."""
        return load_rule_set(self.rule_set_file, self.rule_set_values)

    @property
    def source_dir(self) -> Path | None:
        return self._source_dir

    @property
    def cluster_shape(self) -> ClusterShape:
        """What the firewall engine's egress catalog needs to know about the planned cluster."""
        return ClusterShape(name=self.name, location=self.location, node_subnet=self.network.spoke.aks_subnet.prefix,
                            private=self.aks.private_cluster, dns_prefix=self.aks.dns_prefix,
                            container_insights=self.monitoring.enable_container_insights)

    @model_validator(mode="after")
    def _derive(self) -> "Deployment":
        """Fill empty names from the deployment name, the way the walkthrough's variables do."""
        n = self.name
        rg, fw, rt, aks, mon = self.resource_groups, self.firewall, self.route, self.aks, self.monitoring
        for field, value in (("kube", f"{n}_kube"), ("network", f"{n}_networks")):
            if not getattr(rg, field):
                object.__setattr__(rg, field, value)
        defaults = [
            (fw, "name", n), (fw, "public_ip_name", n),
            (rt, "table_name", n), (rt, "route_name", n),
            (aks, "name", n),
            (mon.firewall_workspace, "name", n), (mon.firewall_workspace, "group", rg.network),
            (mon.cluster_workspace, "name", n), (mon.cluster_workspace, "group", rg.kube),
        ]
        for block, field, value in defaults:
            if not getattr(block, field):
                object.__setattr__(block, field, value)
        if not aks.dns_prefix:
            object.__setattr__(aks, "dns_prefix", aks.name)
        if not fw.policy_name:
            object.__setattr__(fw, "policy_name", f"{fw.name}-policy")
        if not fw.management_public_ip_name:
            object.__setattr__(fw, "management_public_ip_name", f"{fw.public_ip_name}-mgmt")
        if not aks.registry_name:
            object.__setattr__(aks, "registry_name", re.sub(r"[^a-z0-9]", "", f"{aks.name}acr".lower()))
        if not aks.identity.name:
            object.__setattr__(aks.identity, "name", aks.name)
        return self

    @property
    def tags(self) -> dict[str, str]:
        """Every resource the runbook creates carries this tag; teardown deletes only these."""
        return {TAG_KEY: self.name}

    @property
    def node_resource_group(self) -> str:
        """The group AKS creates for the cluster's nodes (Azure names it; ≤ 80 characters)."""
        return f"MC_{self.resource_groups.kube}_{self.aks.name}_{self.location}"
