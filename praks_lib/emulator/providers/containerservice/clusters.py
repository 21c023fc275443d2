"""Microsoft.ContainerService managed clusters (AKS): create-or-update with AKS's validations, the
node resource group, run command, cluster credentials and the monitoring add-on.

Azure behaviours kept:
- PUT validates first (names, DNS prefix, service CIDR against the VNet's subnets, DNS service IP,
  userDefinedRouting's route table, the cluster identity's rights on subnet and route table, subnet
  size) and answers 400 with AKS's code and message; nothing is created then. Unknown properties
  (``dockerBridgeCidr``, dropped from the API in 2023-04-01) are ignored, as ARM ignores them.
- An accepted create answers 201 ``Creating`` with ``Azure-AsyncOperation``; polls say InProgress a
  few times, then Succeeded. Meanwhile the nodes bootstrap through the data plane
  (``bootstrap.py``): if a required flow is not reached the operation ends Failed with
  ``OutboundConnFailVMExtensionError`` and the cluster stays, ``Failed``. Like Azure, what was built
  stays too (node resource group, scale set, private endpoint, DNS zone, identities): ``az aks
  delete`` or a new PUT after fixing the firewall cleans up or reconciles. A PUT on a Failed
  cluster provisions again.
- ``bootstrapProfile`` (network-isolated clusters): outbound type ``none`` needs ``artifactSource:
  Cache``; the cache needs Kubernetes 1.30+, no kubenet and an existing Premium registry
  (``containerRegistryId``); a bring-your-own kubelet identity (``identityProfile.kubeletidentity``)
  needs Managed Identity Operator for the cluster identity on it. Nodes then bootstrap from the
  registry alone (``bootstrap.py``), with no egress at all.
- A private cluster gets ``privateFQDN`` in the zone ``<guid>.privatelink.<region>.azmk8s.io`` of
  its node group, linked to its VNet; and, unless the request says ``enablePrivateClusterPublicFQDN:
  false`` (Azure's default is true), a public ``fqdn`` too. Disabling it later removes ``fqdn``.
- ``POST …/runCommand`` answers 202 with ``Location: …/commandResults/<id>``; that answers 202
  ``Running`` once, then 200 with exitCode, startedAt, finishedAt and logs. The command runs
  against the cluster's Kubernetes state (``kube.py``); pods' traffic goes through the data plane.
- ``listClusterUserCredential`` / ``listClusterAdminCredential``: a kubeconfig for
  ``https://<privateFQDN>:443`` (or the public FQDN) with an obviously fake token.
- ``addonProfiles.omsagent`` (key in any case): the add-on gets its identity in the node group,
  ama-logs pods run in kube-system and, when its traffic to Azure Monitor gets through, Container
  insights inventory rows reach the workspace(s) (``container_insights.py``: with ``useAADAuth`` those of
  the data collection rules associated with the cluster) on enable, when an association on the
  cluster is written, and after run commands that change pods.
- Deleting the cluster (or its resource group) deletes its node resource group.
"""
from __future__ import annotations

import base64
import copy
from http import HTTPStatus

from praks_lib.azure import cni, facts
from praks_lib.azure.ids import ResourceId
from praks_lib.emulator.platform.arm.errors import LOCATION_REQUIRED, ArmError, NotEmulated, bad_request
from praks_lib.emulator.platform.arm.operations import management_url, start_operation
from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType, request_body, require, require_group
from praks_lib.emulator.platform.faults import take_operation_fault
from praks_lib.emulator.platform.router import Call, Response
from praks_lib.emulator.platform.stable_ids import stable_uuid
from praks_lib.emulator.providers import msi
from praks_lib.emulator.providers.containerservice import (
    bootstrap,
    container_insights,
    kube,
    node_group,
    validation,
    versions,
)
from praks_lib.emulator.providers.insights import data_collection
from praks_lib.emulator.world.kubernetes import ContextError, disable_addon, enable_addon
from praks_lib.emulator.world.network_state import addresses_in_use

CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters"
CLUSTER = ("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
           "Microsoft.ContainerService/managedClusters/{name0}")
NODE_IMAGE_RELEASE = "202511.07.0"  # representative AKS node image release
RESULT_POLLS = 1  # commandResults answers 202 Running this often before the result
FAKE_TOKEN = "praks-emulator-placeholder-token-not-a-secret"  # noqa: S105 - deliberately fake
FAKE_CA = base64.b64encode(b"praks emulator: no real cluster CA").decode()
IMMUTABLE = ("properties.dnsPrefix", "properties.nodeResourceGroup", "properties.networkProfile.networkPlugin",
             "properties.networkProfile.serviceCidr", "properties.networkProfile.dnsServiceIP",
             "properties.networkProfile.podCidr", "properties.apiServerAccessProfile.enablePrivateCluster")

# Reconstructed (code and wording of AKS's answers).
NOT_RUNNING = ("The cluster {name} is in provisioning state {state}; run command needs a Succeeded cluster. Fix the "
               "cause of the failure and update the cluster, then retry.")
CONTEXT_INVALID = "The command context is invalid: {detail}"
KUBERNETES_NOT_EMULATED = ("praks emulator: the Kubernetes side of a '{plugin}' cluster is not emulated (Azure CNI "
                           "clusters are); the cluster resource itself behaves as on Azure.")
# Reconstructed (the 2026-08-01 API: setting nodeImageVersion rolls the pool back to that image).
NODE_IMAGE_ROLLBACK = ("Agent pool {pool}: nodeImageVersion {version} cannot be set; setting it triggers an agent pool "
                       "rollback and only values from recentlyUsedVersions are allowed. Leave nodeImageVersion out of "
                       "the request to keep the pool's image.")
COMMAND_NOT_FOUND = "Command result {id} was not found."

PRIVATE_CLUSTER = facts.load("aks")["private_cluster"]
routes = ArmRoutes()


def _network_profile(requested: dict | None) -> dict:
    """The network profile as AKS fills it in (defaults of the current API)."""
    asked = requested or {}
    plugin = asked.get("networkPlugin") or "azure"
    mode = asked.get("networkPluginMode") or (None if asked.get("networkPlugin") else "overlay")
    outbound = asked.get("outboundType") or "loadBalancer"
    profile = {"networkPlugin": plugin, "loadBalancerSku": asked.get("loadBalancerSku") or "standard",
               "serviceCidr": asked.get("serviceCidr") or "10.0.0.0/16",
               "dnsServiceIP": asked.get("dnsServiceIP") or "10.0.0.10", "outboundType": outbound,
               "ipFamilies": ["IPv4"]}
    if mode:
        profile["networkPluginMode"] = mode
    if plugin == "azure" and asked.get("networkPolicy"):
        profile["networkPolicy"] = asked["networkPolicy"]
    if mode == "overlay" or plugin == "kubenet":
        profile["podCidr"] = asked.get("podCidr") or "10.244.0.0/16"
        profile["podCidrs"] = [profile["podCidr"]]
    profile["serviceCidrs"] = [profile["serviceCidr"]]
    return profile


def node_image_version(os_sku: str, version: str) -> str:
    """The node image AKS puts on a pool: Ubuntu 24.04 from Kubernetes 1.34 (the node OS the cluster's
    Kubernetes side reports), 22.04 before."""
    if os_sku == "AzureLinux":
        return f"AKSAzureLinux-V3gen2-{NODE_IMAGE_RELEASE}"
    ubuntu = "2404" if tuple(map(int, version.split(".")[:2])) >= (1, 34) else "2204"
    return f"AKSUbuntu-{ubuntu}gen2containerd-{NODE_IMAGE_RELEASE}"


def _agent_pool(asked: dict, version: str, current: str, network: dict, before: dict | None) -> dict:
    """A pool as AKS fills it in; ``before`` is the pool as it was (on an update)."""
    image = before["nodeImageVersion"] if before else node_image_version(asked.get("osSKU") or "Ubuntu", current)
    if before and asked.get("nodeImageVersion") not in (None, image):
        raise bad_request("InvalidParameter", NODE_IMAGE_ROLLBACK.format(pool=before["name"],
                                                                         version=asked["nodeImageVersion"]))
    pool = {
        "name": asked.get("name") or "nodepool1", "count": asked.get("count") or 3,
        "vmSize": asked.get("vmSize") or "Standard_D2s_v5", "osDiskSizeGB": asked.get("osDiskSizeGB") or 128,
        "osDiskType": asked.get("osDiskType") or "Managed", "kubeletDiskType": "OS",
        "maxPods": asked.get("maxPods") or kube.max_pods(network["networkPlugin"], network.get("networkPluginMode")),
        "type": asked.get("type") or "VirtualMachineScaleSets", "enableAutoScaling": False,
        "powerState": {"code": "Running"}, "orchestratorVersion": asked.get("orchestratorVersion") or version,
        "currentOrchestratorVersion": current, "enableNodePublicIP": False, "mode": asked.get("mode") or "System",
        "enableEncryptionAtHost": False, "enableUltraSSD": False, "osType": asked.get("osType") or "Linux",
        "osSKU": asked.get("osSKU") or "Ubuntu", "nodeImageVersion": image,
        "upgradeSettings": {"maxSurge": "10%"}, "enableFIPS": False,
    }
    if asked.get("vnetSubnetID"):
        pool["vnetSubnetID"] = asked["vnetSubnetID"]
    return pool


def _identity(call: Call, requested: dict | None, rid: ResourceId, existing: dict | None) -> tuple[dict, str]:
    """The cluster's identity block and its principal id (user-assigned identities must exist)."""
    asked = requested or {"type": "SystemAssigned"}
    if asked.get("type") == "UserAssigned":
        identities = {}
        for identity_id in asked.get("userAssignedIdentities") or {}:
            found = call.tx.get(identity_id)
            if found is None or found["type"].lower() != msi.IDENTITY_TYPE.lower():
                raise validation.identity_error(identity_id)
            identities[identity_id] = {"principalId": found["properties"]["principalId"],
                                       "clientId": found["properties"]["clientId"]}
        principal = next(iter(identities.values()))["principalId"] if identities else ""
        return {"type": "UserAssigned", "userAssignedIdentities": identities}, principal
    block = msi.system_assigned_identity(call.tx, str(rid), (existing or {}).get("identity"))
    return block, block["principalId"]


class ManagedClusters(ResourceType):
    type = CLUSTER_TYPE
    polls = 3
    etag_key = "eTag"  # as the spec and Microsoft's examples spell it

    def handle_put(self, call: Call) -> Response:
        rid = self.resource_id(call)
        require_group(call, rid)
        request = request_body(call)
        if not request.get("location"):
            raise bad_request("LocationRequired", LOCATION_REQUIRED)
        existing = call.tx.get(str(rid))
        body, plan = self.compose(call, rid, request, existing)
        state = (existing or {}).get("properties", {}).get("provisioningState")
        changed = existing is None or _content(existing) != _content(body) or state == "Failed"
        failure = provision(call, rid, body, plan, bootstrap_nodes=existing is None or state == "Failed") \
            if changed else None
        error = take_operation_fault(call) or (failure.as_error() if failure else None)
        polls = self.polls if changed else 0
        if polls or error:
            body["properties"]["provisioningState"] = "Creating" if existing is None else "Updating"
        headers = start_operation(call, "put", rid, polls, self.namespace, body["location"], error)
        self.store(call, rid, body)
        status = HTTPStatus.CREATED if existing is None else HTTPStatus.OK
        return Response(status, self.view(call, body), headers)

    def compose(self, call: Call, rid: ResourceId, request: dict, existing: dict | None) -> tuple[dict, dict]:
        """Validate the request; the cluster body to store and what provisioning needs."""
        asked = request.get("properties") or {}
        kept = copy.deepcopy((existing or {}).get("properties") or {})
        if existing:
            validation.check_unchanged(existing, request, IMMUTABLE)
        location = existing["location"] if existing else request["location"]
        dns_prefix = asked.get("dnsPrefix") or kept.get("dnsPrefix") or f"{rid.name[:10]}-{rid.resource_group[:16]}"
        node_group = asked.get("nodeResourceGroup") or kept.get("nodeResourceGroup") or \
            node_group_name(rid, location)
        validation.check_names(rid.name, dns_prefix, node_group)
        if existing and asked.get("kubernetesVersion") in (None, "", kept.get("kubernetesVersion")):
            version, current = kept["kubernetesVersion"], kept["currentKubernetesVersion"]
        else:
            version, current = versions.resolve(asked.get("kubernetesVersion"), cluster=rid.name,
                                                support_plan=asked.get("supportPlan"))
        network = _network_profile(asked.get("networkProfile") or kept.get("networkProfile"))
        before = {p["name"]: p for p in kept.get("agentPoolProfiles") or []}
        pools = [_agent_pool(p, version, current, network, before.get(p.get("name") or "nodepool1"))
                 for p in (asked.get("agentPoolProfiles") or kept.get("agentPoolProfiles") or [{}])]
        system = pools[0]
        for pool in pools:
            validation.check_pool_size(pool, location)
        subnet = validation.require_subnet(call.tx, system["vnetSubnetID"], system["name"]) \
            if system.get("vnetSubnetID") else None
        if subnet is not None:
            system["vnetSubnetID"] = subnet["id"]
        validation.check_service_network(call.tx, network, subnet)
        if network.get("networkPluginMode") == "overlay" or network["networkPlugin"] == "kubenet":
            validation.check_pod_cidr(call.tx, network, subnet)
        route_table = None
        if network["outboundType"] == "userDefinedRouting" and subnet is not None:
            route_table = validation.check_user_defined_routing(call.tx, subnet)
        identity, principal = _identity(call, request.get("identity"), rid, existing)
        bootstrap_profile = copy.deepcopy(asked.get("bootstrapProfile") or kept.get("bootstrapProfile") or {})
        registry = validation.check_bootstrap(call.tx, network, bootstrap_profile, current)
        kubelet = validation.check_kubelet_identity(call.tx, asked["identityProfile"], principal) \
            if _new_kubelet_identity(asked, kept) else None
        if subnet is not None and principal and request.get("identity", {}).get("type") == "UserAssigned":
            validation.check_identity_permissions(call.tx, principal, subnet, route_table)
        if subnet is not None and existing is None and network["networkPlugin"] == "azure":
            overlay = network.get("networkPluginMode") == "overlay"
            validation.check_subnet_capacity(subnet, cni.subnet_addresses(system["count"], system["maxPods"], overlay),
                                             len(addresses_in_use(call.tx, subnet["id"])))
            if overlay:
                validation.check_pod_cidr_capacity(network, system["count"])
        kept_access = kept.get("apiServerAccessProfile") or {}
        access = dict(asked.get("apiServerAccessProfile") or kept_access)
        private = bool(access.get("enablePrivateCluster"))
        dns_zone = None
        api_subnet = None
        if access.get("enableVnetIntegration"):
            api_subnet = validation.check_api_server_subnet(call.tx, access, subnet, principal)
            if api_subnet is not None:
                access["subnetId"] = api_subnet["id"]
        if private:
            access.setdefault("privateDNSZone", "system")
            if access["privateDNSZone"].lower() not in ("system", "none"):
                dns_zone = validation.check_private_dns_zone(call.tx, access["privateDNSZone"], location, principal,
                                                             identity["type"])
            # Azure's default: a private cluster also gets a public FQDN (an A record in public DNS).
            access.setdefault("enablePrivateClusterPublicFQDN",
                              kept_access.get("enablePrivateClusterPublicFQDN", PRIVATE_CLUSTER["public_fqdn_default"]))
        properties = {
            "powerState": {"code": "Running"}, "kubernetesVersion": version, "currentKubernetesVersion": current,
            "dnsPrefix": dns_prefix, "agentPoolProfiles": pools,
            "servicePrincipalProfile": {"clientId": "msi"}, "nodeResourceGroup": node_group,
            "enableRBAC": asked.get("enableRBAC", kept.get("enableRBAC", True)), "supportPlan": "KubernetesOfficial",
            "networkProfile": network, "maxAgentPools": 100, "apiServerAccessProfile": access,
            "disableLocalAccounts": bool(asked.get("disableLocalAccounts", False)),
            "securityProfile": {}, "storageProfile": {"diskCSIDriver": {"enabled": True},
                                                      "fileCSIDriver": {"enabled": True},
                                                      "snapshotController": {"enabled": True}},
            "oidcIssuerProfile": {"enabled": False}, "workloadAutoScalerProfile": {},
        }
        if asked.get("linuxProfile"):
            properties["linuxProfile"] = asked["linuxProfile"]
        if bootstrap_profile:
            properties["bootstrapProfile"] = {"artifactSource": "Direct", **bootstrap_profile}
        addons = copy.deepcopy(asked.get("addonProfiles") if "addonProfiles" in asked else kept.get("addonProfiles"))
        if addons:
            properties["addonProfiles"] = addons
        body = {"location": location, "tags": request.get("tags", (existing or {}).get("tags")),
                "identity": identity, "sku": request.get("sku") or {"name": "Base", "tier": "Free"},
                "properties": properties}
        if body["tags"] is None:
            body.pop("tags")
        body = self.with_arm_fields(rid, body, existing)
        body["type"] = "Microsoft.ContainerService/ManagedClusters"
        public_name = not private or access.get("enablePrivateClusterPublicFQDN")
        for key in ("privateFQDN", "fqdn", "azurePortalFQDN", "identityProfile", "privateLinkResources"):
            if key in kept and (key != "fqdn" or public_name):  # disabling the public FQDN removes it
                properties[key] = kept[key]
        if kubelet is not None:
            properties["identityProfile"] = {"kubeletidentity": kubelet}
        plan = {"subnet": subnet, "private": private, "existing": existing, "dns_zone": dns_zone,
                "api_subnet": api_subnet, "registry": registry}
        return body, plan

    def view(self, call, stored):
        body = copy.deepcopy(stored)
        state = body["properties"].get("provisioningState")
        for pool in body["properties"].get("agentPoolProfiles") or []:
            pool["provisioningState"] = state
            pool["eTag"] = body.get(self.etag_key)
        return body

    def after_delete(self, call, rid, stored):
        """The node resource group goes with the cluster (also when the cluster's group is deleted)."""
        group_id = f"/subscriptions/{rid.subscription}/resourceGroups/{stored['properties']['nodeResourceGroup']}"
        if call.tx.get(group_id) is not None:
            node_group.delete_group(call, group_id)


def _new_kubelet_identity(asked: dict, kept: dict) -> bool:
    """A kubelet identity the request brings (an update sending back the one the cluster has is not)."""
    def kubelet_of(properties: dict) -> str:
        return (((properties.get("identityProfile") or {}).get("kubeletidentity") or {}).get("resourceId") or "").lower()

    return bool(kubelet_of(asked)) and kubelet_of(asked) != kubelet_of(kept)


def node_group_name(rid: ResourceId, location: str) -> str:
    return node_group.default_name(rid.resource_group, rid.name, location)


def _content(body: dict) -> dict:
    content = copy.deepcopy(body)
    content.pop("eTag", None)
    content["properties"].pop("provisioningState", None)
    return content


def provision(call: Call, rid: ResourceId, body: dict, plan: dict, *, bootstrap_nodes: bool):
    """Build (or reconcile) the node group and the cluster's Kubernetes side; the bootstrap failure,
    if any. Idempotent: a PUT of an existing cluster keeps what is there."""
    properties, subnet = body["properties"], plan["subnet"]
    location, name, cluster_id = body["location"], rid.name, str(rid)
    tags = {k: v for k, v in (body.get("tags") or {}).items()}
    group_id = node_group.ensure_group(call, rid.subscription, properties["nodeResourceGroup"], location, body)
    properties.setdefault("identityProfile", {"kubeletidentity": node_group.kubelet_identity(
        call, group_id, name, location, tags)})
    properties.setdefault("azurePortalFQDN", node_group.portal_fqdn(cluster_id, location, plan["private"]))
    access, network = properties["apiServerAccessProfile"], properties["networkProfile"]
    if not plan["private"] or access.get("enablePrivateClusterPublicFQDN"):
        properties.setdefault("fqdn", node_group.public_fqdn(cluster_id, properties["dnsPrefix"], location))
    pool = properties["agentPoolProfiles"][0]
    addons = [n for n, a in (properties.get("addonProfiles") or {}).items() if a.get("enabled")]
    _addon_identities(call, properties, group_id, name, location, tags)
    if network["outboundType"] == "loadBalancer":
        ip_id = node_group.outbound_public_ip(call, group_id, location, cluster_id, tags)
        network["loadBalancerProfile"] = {"managedOutboundIPs": {"count": 1},
                                          "effectiveOutboundIPs": [{"id": ip_id}],
                                          "backendPoolType": "nodeIPConfiguration"}
    if subnet is None:
        return None  # an AKS-managed VNet: not emulated beyond the resource itself
    subnet_prefix = subnet["properties"].get("addressPrefix") or subnet["properties"]["addressPrefixes"][0]
    api_server = properties.get("privateFQDN") or properties.get("fqdn") or ""
    stored = kube.load(call.tx, cluster_id)
    state = stored[0] if stored else None
    if state is None:
        zone, record = node_group.private_dns_names(cluster_id, properties["dnsPrefix"], location,
                                                    integrated=plan["api_subnet"] is not None)
        api_server = f"{record}.{zone}" if plan["private"] else api_server
        if kube.emulated(network):  # else only the cluster resource is (run command says so)
            node_ips = kube.reserve_node_addresses(call.tx, subnet, pool["count"],
                                                   network.get("networkPluginMode") == "overlay")
            state = kube.build(cluster_id, name, version=properties["currentKubernetesVersion"],
                               subnet_prefix=subnet_prefix, network=network, api_server=api_server, pool=pool,
                               location=location, node_group=properties["nodeResourceGroup"], addons=addons,
                               node_ips=node_ips)
    vnet_id = str(ResourceId.parse(subnet["id"]).parent)
    vmss_name = state.nodes[0].name[: -len("000000")] if state else f"aks-{pool['name']}-vmss"
    node_ips = kube.node_addresses(state) if state else []
    node_group.scale_set(call, group_id, vmss_name, location, subnet["id"], pool["vmSize"], node_ips, tags)
    integrated = plan["api_subnet"] is not None
    if integrated:  # the API server behind an internal load balancer in its delegated subnet
        address = node_group.api_server_load_balancer(call, group_id, location, plan["api_subnet"]["id"], tags)
    if plan["private"]:
        zone, record = node_group.private_dns_names(cluster_id, properties["dnsPrefix"], location,
                                                    integrated=integrated)
        if not integrated:
            address = node_group.private_endpoint(call, group_id, location, subnet["id"], cluster_id, tags)
        link = f"{properties['dnsPrefix'].lower()}-{stable_uuid(cluster_id, 'link')[:6]}-{stable_uuid(vnet_id)[:8]}"
        if plan["dns_zone"] is not None:  # a custom zone: the record goes there, the zone stays the owner's
            zone_id = plan["dns_zone"]["id"]
            zone = ResourceId.parse(zone_id).name
            node_group.private_dns_record(call, zone_id, record, address, vnet_id, link)
        else:
            node_group.private_dns(call, group_id, zone, record, address, vnet_id, link, tags)
        properties["privateFQDN"] = f"{record}.{zone}"
    if plan["private"] and not integrated:
        properties["privateLinkResources"] = [{
            "id": f"{cluster_id}/privateLinkResources/management", "name": "management",
            "type": "Microsoft.ContainerService/managedClusters/privateLinkResources", "groupId": "management",
            "requiredMembers": ["management"]}]
    if bootstrap_nodes and state is not None:
        failure = bootstrap.provision_nodes(
            call.tx, [n.internal_ip for n in state.nodes], subnet_prefix, name=name, location=location,
            private=plan["private"], dns_prefix=properties["dnsPrefix"],
            # VNet-integrated nodes reach the API server's load balancer by address, without DNS
            api_server_name=None if integrated else properties.get("privateFQDN"), vnet_id=vnet_id,
            registry=plan["registry"], kubelet_principal=properties["identityProfile"]["kubeletidentity"]["objectId"])
        if failure is not None:
            return failure
    if state is not None:
        _sync_addon_pods(state, cluster_id, properties.get("addonProfiles") or {})
        commands = stored[1] if stored else 0
        kube.save(call.tx, cluster_id, state, commands)
        report_monitoring(call.tx, body, state)
    return None


def _addon_identities(call, properties, group_id, name, location, tags) -> None:
    for addon_name, addon in (properties.get("addonProfiles") or {}).items():
        if addon.get("enabled") and addon_name.lower() == container_insights.ADDON:
            addon["identity"] = node_group.addon_identity(call, group_id, container_insights.ADDON, name, location, tags)
        elif not addon.get("enabled"):
            addon.pop("identity", None)


def _sync_addon_pods(state, cluster_id: str, profiles: dict) -> None:
    """An add-on's pods (omsagent: ama-logs) run exactly while the add-on is enabled."""
    for addon, profile in profiles.items():
        if profile.get("enabled"):
            enable_addon(state, addon, cluster_id)
        else:
            disable_addon(state, addon)


def report_monitoring(tx, cluster: dict, state) -> None:
    """Container insights: the agents send inventory if the add-on is on, it has somewhere to send to
    and its egress gets through."""
    workspaces = container_insights.destinations(tx, cluster)
    if not workspaces:
        return
    agent = next((p for p in state.pods if (p.owner_name or "").startswith("ama-logs-rs")), None)
    source = state.egress_source_ip(agent) if agent else state.nodes[0].internal_ip
    pool = cluster["properties"]["agentPoolProfiles"][0]
    subnet = tx.get(pool["vnetSubnetID"])
    prefix = subnet["properties"].get("addressPrefix") or subnet["properties"]["addressPrefixes"][0]
    if bootstrap.monitoring_reachable(tx, source, prefix, name=cluster["name"], location=cluster["location"],
                                      private=bool(cluster["properties"]["apiServerAccessProfile"]
                                                   .get("enablePrivateCluster")),
                                      dns_prefix=cluster["properties"]["dnsPrefix"]):
        for workspace in workspaces:
            container_insights.report(tx, workspace, cluster["id"], state)


def _association_changed(tx, cluster: dict) -> None:
    """ama-logs picks up the data collection rules now associated with its cluster and reports."""
    stored = kube.load(tx, cluster["id"])
    if stored is not None:
        report_monitoring(tx, cluster, stored[0])


data_collection.on_association_change(CLUSTER_TYPE, _association_changed)
CLUSTERS = routes.resource(ManagedClusters())


def _cluster(call: Call) -> tuple[ResourceId, dict]:
    rid = CLUSTERS.resource_id(call)
    return rid, require(call, rid)


# credentials --------------------------------------------------------------------------------


def kubeconfig(cluster: dict, user: str) -> str:
    """A kubeconfig for the cluster's API server, with placeholder secrets."""
    name, group = cluster["name"], ResourceId.parse(cluster["id"]).resource_group
    server = cluster["properties"].get("privateFQDN") or cluster["properties"].get("fqdn")
    account = f"{user}_{group}_{name}"
    return (f"apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {FAKE_CA}\n"
            f"    server: https://{server}:443\n  name: {name}\ncontexts:\n- context:\n    cluster: {name}\n"
            f"    user: {account}\n  name: {name}\ncurrent-context: {name}\nkind: Config\npreferences: {{}}\n"
            f"users:\n- name: {account}\n  user:\n    token: {FAKE_TOKEN}\n")


def _credentials(call: Call, user: str) -> Response:
    _, cluster = _cluster(call)
    value = base64.b64encode(kubeconfig(cluster, user).encode()).decode()
    return Response(HTTPStatus.OK, {"kubeconfigs": [{"name": user, "value": value}]})


@routes.post(CLUSTER + "/listClusterUserCredential")
def list_user_credentials(call: Call) -> Response:
    return _credentials(call, "clusterUser")


@routes.post(CLUSTER + "/listClusterAdminCredential")
def list_admin_credentials(call: Call) -> Response:
    return _credentials(call, "clusterAdmin")


# run command --------------------------------------------------------------------------------

RESULT_TYPE = "Microsoft.ContainerService/managedClusters/commandResults"


def _result_url(call: Call, rid: ResourceId, command_id: str) -> str:
    """Where AKS says a command's result will be (its id spelled ``managedclusters``, as AKS does)."""
    return management_url(call, f"/subscriptions/{rid.subscription}/resourceGroups/{rid.resource_group}/providers/"
                                f"Microsoft.ContainerService/managedclusters/{rid.name}/commandResults/{command_id}")


@routes.post(CLUSTER + "/runCommand")
def run_command(call: Call) -> Response:
    """Run the command now (the cluster changes at once); its result is polled at commandResults."""
    rid, cluster = _cluster(call)
    state = cluster["properties"].get("provisioningState")
    stored = kube.load(call.tx, str(rid))
    if state != "Succeeded" or stored is None:
        if state == "Succeeded":
            raise NotEmulated(KUBERNETES_NOT_EMULATED.format(
                plugin=cluster["properties"]["networkProfile"]["networkPlugin"]))
        raise ArmError(HTTPStatus.CONFLICT, "OperationNotAllowed", NOT_RUNNING.format(name=rid.name, state=state))
    request = request_body(call)
    command_id = stable_uuid(str(rid), "command", str(stored[1])).replace("-", "")
    try:
        code, logs, started, finished, pods_changed = kube.run_command(
            call, cluster, request.get("command") or "", request.get("context"), command_id)
    except ContextError as error:
        raise bad_request("InvalidParameter", CONTEXT_INVALID.format(detail=error)) from None
    if pods_changed:
        report_monitoring(call.tx, cluster, kube.load(call.tx, str(rid))[0])
    result_id = f"{rid}/commandResults/{command_id}"
    call.tx.put(result_id, {"id": command_id, "polls_left": RESULT_POLLS, "properties": {
        "provisioningState": "Succeeded", "exitCode": code, "startedAt": kube.timestamp(started),
        "finishedAt": kube.timestamp(finished), "logs": logs}},
        type=RESULT_TYPE, scope=rid.group_id, parent=str(rid))
    return Response(HTTPStatus.ACCEPTED, None, {"Location": _result_url(call, rid, command_id)})


@routes.get(CLUSTER + "/commandResults/{commandId}")
def command_result(call: Call) -> Response:
    rid, _ = _cluster(call)
    result_id = f"{rid}/commandResults/{call.params['commandId']}"
    stored = call.tx.get(result_id)
    if stored is None:
        raise ArmError(HTTPStatus.NOT_FOUND, "NotFound", COMMAND_NOT_FOUND.format(id=call.params["commandId"]))
    if stored["polls_left"] > 0:
        stored["polls_left"] -= 1
        call.tx.put(result_id, stored, type=RESULT_TYPE, scope=rid.group_id, parent=str(rid))
        return Response(HTTPStatus.ACCEPTED, {"id": stored["id"], "properties": {"provisioningState": "Running"}},
                        {"Location": _result_url(call, rid, stored["id"])})
    return Response(HTTPStatus.OK, {"id": stored["id"], "properties": stored["properties"]})


# outbound dependencies ----------------------------------------------------------------------

ENDPOINT_CATEGORIES = (
    ("azure-resource-management", (("management.azure.com", "Https", 443), ("login.microsoftonline.com", "Https", 443))),
    ("images", (("mcr.microsoft.com", "Https", 443), ("*.data.mcr.microsoft.com", "Https", 443),
                ("mcr-0001.mcr-msedge.net", "Https", 443))),
    ("artifacts", (("packages.microsoft.com", "Https", 443), ("acs-mirror.azureedge.net", "Https", 443),
                   ("packages.aks.azure.com", "Https", 443))),
    ("time-sync", (("ntp.ubuntu.com", "Udp", 123),)),
    ("ubuntu-optional", (("security.ubuntu.com", "Http", 80), ("azure.archive.ubuntu.com", "Http", 80),
                         ("changelogs.ubuntu.com", "Http", 80))),
)


@routes.get(CLUSTER + "/outboundNetworkDependenciesEndpoints")
def outbound_dependencies(call: Call) -> Response:
    """The endpoints AKS says the cluster's nodes need (the documented egress catalog)."""
    _, cluster = _cluster(call)
    categories = list(ENDPOINT_CATEGORIES)
    if not cluster["properties"]["apiServerAccessProfile"].get("enablePrivateCluster"):
        region = cluster["location"].replace(" ", "").lower()
        categories.append(("apiserver", ((f"*.hcp.{region}.azmk8s.io", "Https", 443),)))
    value = [{"category": category, "endpoints": [
        {"domainName": domain, "endpointDetails": [{"port": port, "protocol": protocol}]}
        for domain, protocol, port in endpoints]} for category, endpoints in categories]
    return Response(HTTPStatus.OK, {"value": value})
