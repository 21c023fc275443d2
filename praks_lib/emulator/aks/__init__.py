"""The managed-cluster side of the emulator (Microsoft.ContainerService/managedClusters).

- :mod:`validation` — what AKS checks when a create-or-update arrives (400s, nothing created);
- :mod:`node_group` — the node resource group AKS builds and what it holds;
- :mod:`bootstrap` — what nodes must reach while they provision (through the data plane);
- :mod:`kube` — the cluster's Kubernetes state, its clock, and run command;
- :mod:`service_load_balancers` — Services of type LoadBalancer as Azure load balancers;
- :mod:`insights` — the monitoring add-on's Container insights tables.

The ARM resource itself (routes, body, operations) lives in ``providers/containerservice.py``.
"""
