"""Microsoft.ContainerService: AKS managed clusters, everything AKS-specific in one home.

- :mod:`clusters` — the ARM resource: routes, create-or-update, run command, credentials;
- :mod:`validation` — what AKS checks when a create-or-update arrives (400s, nothing created),
  including the cluster identity's rights on its subnet and route table;
- :mod:`node_group` — the node resource group AKS builds and what it holds;
- :mod:`bootstrap` — what nodes must reach while they provision (through the data plane);
- :mod:`kube` — the bridge to the cluster's Kubernetes side (``world.kubernetes``): state, run command,
  which network profiles it covers;
- :mod:`service_load_balancers` — Services of type LoadBalancer as Azure load balancers;
- :mod:`container_insights` — the monitoring add-on's Container insights tables.
"""
