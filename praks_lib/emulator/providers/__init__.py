"""Resource providers: one module per provider (Microsoft.Network: one per resource family),
each exposing ``routes``. A new provider is one module plus one line in ``PROVIDERS``."""

from praks_lib.emulator import arm
from praks_lib.emulator.providers import network_publicip, network_vnets, resources
from praks_lib.emulator.providers import insights, loganalytics_query, operationalinsights
from praks_lib.emulator.providers import network_firewall, network_interfaces, network_routetables
from praks_lib.emulator.providers import authorization, msi, privatedns
from praks_lib.emulator.providers import compute
from praks_lib.emulator.providers import containerservice
from praks_lib.emulator.providers import network_loadbalancers
from praks_lib.emulator.providers import insights_dcr

PROVIDERS = [
    resources.routes,
    network_vnets.routes,
    network_publicip.routes,
    network_routetables.routes,
    network_interfaces.routes,
    network_firewall.routes,
    network_loadbalancers.routes,
    operationalinsights.routes,
    insights.routes,
    insights_dcr.routes,
    loganalytics_query.routes,
    msi.routes,
    authorization.routes,
    privatedns.routes,
    compute.routes,
    containerservice.routes,
    arm.operation_routes(),
]
