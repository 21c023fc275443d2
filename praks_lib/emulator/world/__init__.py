"""The simulated world behind the APIs: what the resources do once they exist.

- :mod:`network_state` — network facts that span resources (addresses in use, effective routes);
- :mod:`dataplane` — one connection from a VM or pod: routed, judged by the firewall engine, logged;
- :mod:`azure_dns` — name resolution as Azure DNS answers inside a virtual network;
- :mod:`logs` and :mod:`kql` — Log Analytics data and real KQL over it;
- :mod:`kubernetes` — a cluster's Kubernetes objects and a kubectl subset;
- :mod:`vm_shell` — what a Linux VM does with a run-command script;
- :mod:`command_list` — the shell command list (``a && b || c; d``) every emulated shell runs.

Nothing here knows HTTP: providers call into the world with an open store transaction. Three places
read what a provider keeps through that provider's lookups (the data plane: a firewall's diagnostic
settings and its workspaces' log store; Azure DNS: private DNS zone links); nothing here handles a
request or calls a handler.
"""
