"""The `az` CLI commands equivalent to each stage, so readers can map the runbook to the docs."""
from __future__ import annotations

from IPython.display import Markdown

from praks_lib.deployment import Deployment


def network_commands(dep: Deployment) -> list[str]:
    rg, hub, spoke, tags = dep.resource_groups, dep.network.hub, dep.network.spoke, _tags(dep)
    commands = [f"az group create -n {name} -l {dep.location} --tags {tags}" for name in (rg.network, rg.kube)]
    for vnet in (hub, spoke):
        commands.append(f"az network vnet create -g {rg.network} -n {vnet.name} "
                        f"--address-prefixes {vnet.address_space} --tags {tags}")
        commands += [f"az network vnet subnet create -g {rg.network} --vnet-name {vnet.name} "
                     f"-n {s.name} --address-prefixes {s.prefix}" for s in vnet.subnets]
    for local, remote, name in ((hub, spoke, dep.network.hub_to_spoke_peering),
                                (spoke, hub, dep.network.spoke_to_hub_peering)):
        commands.append(f"az network vnet peering create -g {rg.network} -n {name} --vnet-name {local.name} "
                        f"--remote-vnet {remote.name} --allow-vnet-access --allow-forwarded-traffic")
    return commands


def firewall_commands(dep: Deployment, rules) -> list[str]:
    """Public IP, firewall (DNS proxy on), its rules, workspace and diagnostic setting."""
    rg, fw, hub, ws, tags = dep.resource_groups.network, dep.firewall, dep.network.hub, \
        dep.monitoring.firewall_workspace, _tags(dep)
    commands = [
        f"az network public-ip create -g {rg} -n {fw.public_ip_name} --sku Standard --allocation-method Static "
        f"--tags {tags}",
        f"az network firewall create -g {rg} -n {fw.name} -l {dep.location} --tier {fw.sku_tier} "
        f"--threat-intel-mode {fw.threat_intel_mode} --enable-dns-proxy {str(fw.dns_proxy).lower()} --tags {tags}",
        f"az network firewall ip-config create -g {rg} -f {fw.name} -n {fw.name} "
        f"--public-ip-address {fw.public_ip_name} --vnet-name {hub.name}",
        f"FW_PRIVATE_IP=$(az network firewall show -g {rg} -n {fw.name} "
        f"--query 'ipConfigurations[0].privateIPAddress' -o tsv)",
    ]
    for c in rules.network_rule_collections:
        for r in c.rules:
            destination = (f"--destination-fqdns {' '.join(r.destination_fqdns)}" if r.destination_fqdns
                           else f"--destination-addresses {' '.join(r.destination_addresses)}")
            commands.append(
                f"az network firewall network-rule create -g {rg} -f {fw.name} -c {c.name} -n {r.name} "
                f"--priority {c.priority} --action {c.action} --source-addresses {' '.join(r.source_addresses)} "
                f"{destination} --destination-ports {' '.join(r.destination_ports)} --protocols {' '.join(r.protocols)}")
    for c in rules.application_rule_collections:
        for r in c.rules:
            targets = (f"--target-fqdns {' '.join(_quote(t) for t in r.target_fqdns)}" if r.target_fqdns
                       else f"--fqdn-tags {' '.join(r.fqdn_tags)}")
            protocols = " ".join(f"{p.protocol_type}={p.port}" for p in r.protocols)
            commands.append(
                f"az network firewall application-rule create -g {rg} -f {fw.name} -c {c.name} -n {r.name} "
                f"--priority {c.priority} --action {c.action} --source-addresses {' '.join(r.source_addresses)} "
                f"--protocols {protocols} {targets}")
    commands += [
        f"az monitor log-analytics workspace create -g {ws.group} -n {ws.name} -l {dep.location} "
        f"--retention-time {dep.monitoring.retention_days} --tags {tags}",
        f"az monitor diagnostic-settings create -n praks-firewall-logs "
        f"--resource $(az network firewall show -g {rg} -n {fw.name} --query id -o tsv) "
        f"--workspace $(az monitor log-analytics workspace show -g {ws.group} -n {ws.name} --query id -o tsv) "
        + ("--export-to-resource-specific true " if dep.monitoring.destination_type == "Dedicated" else "")
        + "--logs '[{\"categoryGroup\": \"allLogs\", \"enabled\": true}]'",
    ]
    return commands


def route_commands(dep: Deployment, firewall_private_ip: str) -> list[str]:
    rg, route, spoke = dep.resource_groups.network, dep.route, dep.network.spoke
    next_hop = f" --next-hop-ip-address {firewall_private_ip}" if route.next_hop_type == "VirtualAppliance" else ""
    return [
        f"az network route-table create -g {rg} -n {route.table_name} --disable-bgp-route-propagation true "
        f"--tags {_tags(dep)}",
        f"az network route-table route create -g {rg} --route-table-name {route.table_name} -n {route.route_name} "
        f"--address-prefix {route.address_prefix} --next-hop-type {route.next_hop_type}{next_hop}",
        f"az network vnet subnet update -g {rg} --vnet-name {spoke.name} -n {spoke.aks_subnet.name} "
        f"--route-table {route.table_name}",
    ]


def cluster_commands(dep: Deployment) -> list[str]:
    """Identity, least-privilege roles and the private cluster (no docker bridge, explicit CNI)."""
    aks, rg, net_rg, spoke = dep.aks, dep.resource_groups.kube, dep.resource_groups.network, dep.network.spoke
    subnet = f"$(az network vnet subnet show -g {net_rg} --vnet-name {spoke.name} -n {spoke.aks_subnet.name} " \
             f"--query id -o tsv)"
    table = f"$(az network route-table show -g {net_rg} -n {dep.route.table_name} --query id -o tsv)"
    plugin = f"--network-plugin {aks.network_plugin}"
    if aks.network_plugin_mode:
        plugin += f" --network-plugin-mode {aks.network_plugin_mode} --pod-cidr {aks.pod_cidr}"
    return [
        f"az identity create -g {rg} -n {aks.identity.name} --tags {_tags(dep)}",
        f"PRINCIPAL_ID=$(az identity show -g {rg} -n {aks.identity.name} --query principalId -o tsv)",
        f"az role assignment create --role 'Network Contributor' --assignee-object-id $PRINCIPAL_ID "
        f"--assignee-principal-type ServicePrincipal --scope {subnet}",
        f"az role assignment create --role 'Network Contributor' --assignee-object-id $PRINCIPAL_ID "
        f"--assignee-principal-type ServicePrincipal --scope {table}",
        f"az aks create -g {rg} -n {aks.name} -l {dep.location} --kubernetes-version {aks.kubernetes_version} "
        f"--dns-name-prefix {aks.dns_prefix} --node-count {aks.node_pool.count} --node-vm-size {aks.node_pool.vm_size} "
        f"--nodepool-name {aks.node_pool.name} --vnet-subnet-id {subnet} {plugin} "
        f"--service-cidr {aks.service_cidr} --dns-service-ip {aks.dns_service_ip} "
        f"--outbound-type {aks.outbound_type} --load-balancer-sku {aks.load_balancer_sku} "
        + ("--enable-private-cluster " if aks.private_cluster else "")
        + f"--assign-identity $(az identity show -g {rg} -n {aks.identity.name} --query id -o tsv) "
        f"--node-resource-group {dep.node_resource_group} --tags {_tags(dep)}",
        f"az aks command invoke -g {rg} -n {aks.name} --command 'kubectl get pods -n kube-system'",
    ]


def access_commands(dep: Deployment) -> list[str]:
    hub, node_rg = dep.network.hub, dep.node_resource_group
    return [
        f"DNS_ZONE_NAME=$(az network private-dns zone list -g {node_rg} --query '[0].name' -o tsv)",
        f"HUB_VNET_ID=$(az network vnet show -g {dep.resource_groups.network} -n {hub.name} --query id -o tsv)",
        f"az network private-dns link vnet create -g {node_rg} -n hubnetdnsconfig -z $DNS_ZONE_NAME "
        f"-v $HUB_VNET_ID --registration-enabled false",
        f"az vm run-command invoke -g {dep.resource_groups.network} -n {dep.jumpbox.name} "
        f"--command-id RunShellScript --scripts 'nslookup <private FQDN>'",
    ]


def monitoring_commands(dep: Deployment) -> list[str]:
    ws, aks = dep.monitoring.cluster_workspace, dep.aks
    return [
        f"az monitor log-analytics workspace create -g {ws.group} -n {ws.name} -l {dep.location} --tags {_tags(dep)}",
        f"WORKSPACE_ID=$(az monitor log-analytics workspace show -g {ws.group} -n {ws.name} --query id -o tsv)",
        "# enable-addons (managed-identity auth, the default) also creates the data collection rule "
        f"MSCI-<workspace region>-{aks.name} and its association ContainerInsightsExtension on the cluster",
        f"az aks enable-addons -g {dep.resource_groups.kube} -n {aks.name} --addons monitoring "
        f"--workspace-resource-id $WORKSPACE_ID",
    ]


def _quote(value: str) -> str:
    return f"'{value}'" if "*" in value else value


def _tags(dep: Deployment) -> str:
    return " ".join(f"{k}={v}" for k, v in dep.tags.items())


def as_markdown(commands: list[str]):
    """A fenced shell block for display in a notebook."""
    return Markdown("```bash\n" + "\n".join(commands) + "\n```")
