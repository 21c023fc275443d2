"""Resource providers: one module per provider (Microsoft.Network: one per resource family),
each exposing ``routes``. A new provider is one module plus one line in ``PROVIDERS``."""

from praks_lib.emulator.platform import arm
from praks_lib.emulator.providers import resources
from praks_lib.emulator.providers.network import public_ips
from praks_lib.emulator.providers.network import vnets
from praks_lib.emulator.providers import loganalytics_query, operationalinsights
from praks_lib.emulator.providers.insights import diagnostic_settings
from praks_lib.emulator.providers.network import firewalls
from praks_lib.emulator.providers.network import interfaces
from praks_lib.emulator.providers.network import route_tables
from praks_lib.emulator.providers import authorization, msi, privatedns
from praks_lib.emulator.providers import compute
from praks_lib.emulator.providers.containerservice import clusters
from praks_lib.emulator.providers.network import load_balancers
from praks_lib.emulator.providers.insights import data_collection

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
    compute.routes,
    clusters.routes,
    arm.operation_routes(),
]
