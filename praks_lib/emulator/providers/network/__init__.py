"""Microsoft.Network, one module per resource family (their validation beside them where it is large).

- :mod:`vnets` (:mod:`vnet_validation`) — virtual networks, subnets, peerings;
- :mod:`public_ips` — public IP addresses;
- :mod:`route_tables` — route tables and routes;
- :mod:`interfaces` — network interfaces and their effective route table;
- :mod:`firewalls` (:mod:`firewall_validation`) — Azure Firewalls, Firewall Policies, rule collection groups;
- :mod:`load_balancers` — load balancers (what AKS builds for Services of type LoadBalancer).
"""
