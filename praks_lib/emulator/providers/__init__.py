"""Resource providers: a module per small provider, a package per large one, each module with HTTP
handlers exposing ``routes``; a large provider keeps its validation (and its data) apart from them:

- :mod:`resources` — Microsoft.Resources: resource groups, the generic resource listing;
- :mod:`network` — Microsoft.Network, one module per resource family;
- :mod:`compute` — Microsoft.Compute: virtual machines, disks, run command;
- :mod:`containerservice` — Microsoft.ContainerService: AKS, the one home of everything AKS;
- :mod:`containerregistry` — Microsoft.ContainerRegistry: registries and cache rules (network-isolated AKS);
- :mod:`msi`, :mod:`authorization` (roles, permissions, handlers), :mod:`privatedns`;
- :mod:`operationalinsights` (workspaces), :mod:`insights` (diagnostic settings, data collection),
  :mod:`loganalytics_query` (the query API at api.loganalytics.io).

A new provider is one module (or package) plus its ``routes`` in ``PROVIDERS``, which the router
searches in order (a specific route before the generic operation status routes).
"""

from praks_lib.emulator.platform.arm.operations import operation_routes
from praks_lib.emulator.providers import (
    containerregistry,
    loganalytics_query,
    msi,
    operationalinsights,
    privatedns,
    resources,
)
from praks_lib.emulator.providers.authorization import handlers as authorization
from praks_lib.emulator.providers.compute import run_command, scale_sets, virtual_machines
from praks_lib.emulator.providers.containerservice import clusters, versions
from praks_lib.emulator.providers.insights import data_collection, diagnostic_settings
from praks_lib.emulator.providers.network import (
    firewalls,
    interfaces,
    load_balancers,
    private_endpoints,
    public_ips,
    route_tables,
    vnets,
)

PROVIDERS = [
    resources.routes,
    vnets.routes,
    public_ips.routes,
    route_tables.routes,
    interfaces.routes,
    firewalls.routes,
    load_balancers.routes,
    private_endpoints.routes,
    operationalinsights.routes,
    diagnostic_settings.routes,
    data_collection.routes,
    loganalytics_query.routes,
    msi.routes,
    authorization.routes,
    privatedns.routes,
    containerregistry.routes,
    virtual_machines.routes,
    run_command.routes,
    scale_sets.routes,
    clusters.routes,
    versions.routes,
    operation_routes(),
]
