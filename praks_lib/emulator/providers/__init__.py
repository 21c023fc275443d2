"""Resource providers: one module per provider (Microsoft.Network: one per resource family),
each exposing ``routes``. A new provider is one module plus one line in ``PROVIDERS``."""

from praks_lib.emulator.platform.arm.operations import operation_routes
from praks_lib.emulator.providers import (
    loganalytics_query,
    msi,
    operationalinsights,
    privatedns,
    resources,
)
from praks_lib.emulator.providers.authorization import handlers as authorization
from praks_lib.emulator.providers.compute import run_command, virtual_machines
from praks_lib.emulator.providers.containerservice import clusters
from praks_lib.emulator.providers.insights import data_collection, diagnostic_settings
from praks_lib.emulator.providers.network import firewalls, interfaces, load_balancers, public_ips, route_tables, vnets

PROVIDERS = [
    resources.routes,
    vnets.routes,
    public_ips.routes,
    route_tables.routes,
    interfaces.routes,
    firewalls.routes,
    load_balancers.routes,
    operationalinsights.routes,
    diagnostic_settings.routes,
    data_collection.routes,
    loganalytics_query.routes,
    msi.routes,
    authorization.routes,
    privatedns.routes,
    virtual_machines.routes,
    run_command.routes,
    clusters.routes,
    operation_routes(),
]
