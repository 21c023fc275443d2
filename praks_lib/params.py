"""The deployment parameters: one pydantic model for everything the runbook needs to know.

Every value the 2020 walkthrough set as a shell variable lives here, with the walkthrough's value as
the default. Unknown keys are errors, so a typo never silently falls back to a default.
"""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

REPO_PARAMETERS = Path(__file__).resolve().parent.parent / "parameters"
DEFAULT_PARAMETERS = REPO_PARAMETERS / "default.yaml"

_NAME_RE = re.compile(r"^[a-z0-9]{5,8}$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class StrictModel(BaseModel):
    """Base for every parameter block: unknown keys are rejected, assignments re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _network(value: str) -> str:
    """Accept only a canonical IPv4 CIDR (10.0.4.0/22, not 10.0.5.0/22)."""
    try:
        net = ipaddress.IPv4Network(value, strict=False)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not an IPv4 CIDR prefix such as 10.0.0.0/24") from exc
    if str(net) != value:
        raise ValueError(f"'{value}' has host bits set; the network address is {net}")
    return value


def _address(value: str) -> str:
    try:
        ipaddress.IPv4Address(value)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not an IPv4 address such as 10.2.0.10") from exc
    return value


Cidr = Annotated[str, AfterValidator(_network)]
Address = Annotated[str, AfterValidator(_address)]


class Subnet(StrictModel):
    name: str = Field(min_length=1, max_length=80)
    prefix: Cidr


    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.prefix)


class VirtualNetwork(StrictModel):
    name: str = Field(min_length=2, max_length=64)
    address_space: Cidr


    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.address_space)


class HubNetwork(VirtualNetwork):
    name: str = "hub1-firewallvnet"
    address_space: str = "10.0.0.0/22"
    firewall_subnet: Subnet = Subnet(name="AzureFirewallSubnet", prefix="10.0.0.0/24")
    jumpbox_subnet: Subnet = Subnet(name="jumpbox-subnet", prefix="10.0.1.0/24")

    @property
    def subnets(self) -> list[Subnet]:
        return [self.firewall_subnet, self.jumpbox_subnet]


class SpokeNetwork(VirtualNetwork):
    name: str = "spoke1-kubenvnet"
    address_space: str = "10.0.4.0/22"
    ingress_subnet: Subnet = Subnet(name="ing-1-subnet", prefix="10.0.4.0/24")
    # The walkthrough uses $KUBE_AGENT_SUBNET_NAME without ever defining it; this is its name.
    aks_subnet: Subnet = Subnet(name="aks-2-subnet", prefix="10.0.5.0/24")

    @property
    def subnets(self) -> list[Subnet]:
        return [self.ingress_subnet, self.aks_subnet]


class Network(StrictModel):
    hub: HubNetwork = Field(default_factory=HubNetwork)
    spoke: SpokeNetwork = Field(default_factory=SpokeNetwork)
    hub_to_spoke_peering: str = "HubToSpoke1"
    spoke_to_hub_peering: str = "Spoke1ToHub"


class ResourceGroups(StrictModel):
    """Empty names are derived from the deployment name, as the walkthrough does."""

    kube: str = ""  # ${DEPLOYMENT_NAME}_kube
    network: str = ""  # ${DEPLOYMENT_NAME}_networks


class Firewall(StrictModel):
    name: str = Field("", max_length=56)  # default: the deployment name
    public_ip_name: str = ""  # default: the deployment name
    sku_tier: Literal["Standard", "Premium"] = "Standard"
    threat_intel_mode: Literal["Off", "Alert", "Deny"] = "Alert"
    dns_proxy: bool = True
    # A rule set file: a name under parameters/firewall/ (without .yaml) or a path.
    rules: str = "least-privilege"


class Route(StrictModel):
    table_name: str = ""  # default: the deployment name
    route_name: str = ""  # default: the deployment name
    address_prefix: Cidr = "0.0.0.0/0"
    next_hop_type: Literal["VirtualAppliance", "VirtualNetworkGateway", "Internet", "None"] = "VirtualAppliance"



class NodePool(StrictModel):
    name: str = Field("nodepool1", pattern=r"^[a-z][a-z0-9]{0,11}$")
    count: int = Field(3, ge=1, le=1000)
    vm_size: str = "Standard_D2s_v5"
    os_sku: Literal["Ubuntu", "AzureLinux"] = "Ubuntu"


class Identity(StrictModel):
    type: Literal["UserAssigned"] = "UserAssigned"
    name: str = ""  # default: the cluster name


class Aks(StrictModel):
    name: str = Field("", max_length=63)  # default: the deployment name
    dns_prefix: str = Field("", max_length=54)  # default: the cluster name
    kubernetes_version: str = Field("1.33", pattern=r"^\d+\.\d+(\.\d+)?$")
    network_plugin: Literal["azure", "kubenet", "none"] = "azure"
    network_plugin_mode: Literal["overlay"] | None = None
    pod_cidr: Cidr | None = None  # only with network_plugin_mode: overlay
    service_cidr: Cidr = "10.2.0.0/24"
    dns_service_ip: Address = "10.2.0.10"
    outbound_type: Literal["userDefinedRouting", "loadBalancer", "managedNATGateway", "userAssignedNATGateway"] = (
        "userDefinedRouting"
    )
    load_balancer_sku: Literal["standard"] = "standard"
    private_cluster: bool = True
    identity: Identity = Field(default_factory=Identity)
    node_pool: NodePool = Field(default_factory=NodePool)

    @field_validator("network_plugin")
    @classmethod
    def _no_kubenet(cls, value: str) -> str:
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
    # Dedicated: resource-specific AZFW* tables (recommended); AzureDiagnostics: legacy msg_s rows.
    destination_type: Literal["Dedicated", "AzureDiagnostics"] = "Dedicated"
    enable_container_insights: bool = True


class Jumpbox(StrictModel):
    name: str = Field("jumpbox", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,13}[a-zA-Z0-9]$")
    vm_size: str = "Standard_B2s"
    admin_username: str = Field("azureuser", pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    ssh_public_key: str | None = None  # None: sign in through run command only, no key stored

    @field_validator("admin_username")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in {"admin", "administrator", "root", "guest", "user", "test"}:
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


class Backend(StrictModel):
    kind: Literal["emulator", "azure"] = "emulator"
    subscription_id: str | None = None

    @model_validator(mode="after")
    def _subscription(self) -> "Backend":
        if self.kind == "azure" and not self.subscription_id:
            raise ValueError("backend kind 'azure' needs subscription_id (az account show --query id -o tsv)")
        if self.subscription_id and not _UUID_RE.match(self.subscription_id):
            raise ValueError(f"subscription_id '{self.subscription_id}' is not a GUID")
        return self


class Deployment(StrictModel):
    name: str = "dzpraks1"
    location: str = Field("westeurope", pattern=r"^[a-z0-9]+$")
    resource_groups: ResourceGroups = Field(default_factory=ResourceGroups)
    network: Network = Field(default_factory=Network)
    firewall: Firewall = Field(default_factory=Firewall)
    route: Route = Field(default_factory=Route)
    aks: Aks = Field(default_factory=Aks)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    jumpbox: Jumpbox = Field(default_factory=Jumpbox)
    validation: Validation = Field(default_factory=Validation)
    backend: Backend = Field(default_factory=Backend)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(f"'{value}' must be 5 to 8 lowercase letters or digits (e.g. dzpraks1)")
        return value

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
        if not aks.identity.name:
            object.__setattr__(aks.identity, "name", aks.name)
        return self

    @property
    def tags(self) -> dict[str, str]:
        """Every resource the runbook creates carries this tag; teardown deletes only these."""
        return {"praks-deployment": self.name}

    @property
    def node_resource_group(self) -> str:
        return f"MC_{self.resource_groups.kube}_{self.aks.name}_{self.location}"


class Problem(BaseModel):
    field: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} — {self.hint}"


class ParameterError(ValueError):
    """Every problem in a parameter file at once, so one edit can fix them all."""

    def __init__(self, problems: list[Problem], source: str = "parameters"):
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in {source}:\n{lines}")


_HINTS = {
    "extra_forbidden": "remove it or fix its spelling; the known keys are in parameters/default.yaml",
    "literal_error": "use one of the values listed",
    "missing": "add it",
}


def _problems_from(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown parameter"
        hint = _HINTS.get(item["type"], "fix the value in your parameter file (00_plan shows the defaults)")
        problems.append(Problem(field=path, message=message, hint=hint))
    return problems


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_deployment(path: str | Path | None = None, overrides: dict[str, Any] | None = None,
                    check_plan: bool = True) -> Deployment:
    """Load a parameter file (default: parameters/default.yaml), apply overrides, check it.

    Raises ParameterError listing every schema problem and, when the schema is sound, every
    error-severity finding of the address plan (praks_lib.plan), so nothing is deployed from it.
    """
    source = Path(path) if path else DEFAULT_PARAMETERS
    try:
        raw = yaml.safe_load(source.read_text()) or {}
    except FileNotFoundError:
        raise ParameterError([Problem(field="(file)", message=f"{source} does not exist",
                                      hint="pass a path to a YAML parameter file, e.g. parameters/default.yaml")],
                             str(source)) from None
    except yaml.YAMLError as exc:
        raise ParameterError([Problem(field="(file)", message=f"not valid YAML: {exc}",
                                      hint="fix the YAML syntax")], str(source)) from None
    if not isinstance(raw, dict):
        raise ParameterError([Problem(field="(file)", message="the file must hold a mapping of parameters",
                                      hint="start from parameters/default.yaml")], str(source))
    data = deep_merge(raw, overrides or {})
    try:
        deployment = Deployment.model_validate(data)
    except ValidationError as exc:
        raise ParameterError(_problems_from(exc), str(source)) from None
    if check_plan:
        from praks_lib.plan import check_plan as plan_findings

        errors = [f for f in plan_findings(deployment) if f.severity == "error"]
        if errors:
            raise ParameterError([Problem(field=f.field, message=f"{f.code}: {f.message}", hint=f.fix)
                                  for f in errors], str(source))
    return deployment
