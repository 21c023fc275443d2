"""Resource providers: one module per provider (or per resource family for Microsoft.Network),
each exposing ``routes``. A new provider is one module plus one line in ``PROVIDERS``."""

from praks_lib.emulator import arm
from praks_lib.emulator.providers import resources

PROVIDERS = [
    resources.routes,
    arm.operation_routes(),
]
