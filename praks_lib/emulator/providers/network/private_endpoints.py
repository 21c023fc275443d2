"""Microsoft.Network private endpoints, as AKS builds one for a private cluster's API server.

AKS creates ``kube-apiserver`` in the node resource group (``containerservice.node_group``); the API
serves its reads, so the API server's private address can be read as on Azure.
"""

from __future__ import annotations

from praks_lib.emulator.platform.arm.resources import ArmRoutes, ResourceType

PRIVATE_ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints"

routes = ArmRoutes()


class PrivateEndpoints(ResourceType):
    type = PRIVATE_ENDPOINT_TYPE


PRIVATE_ENDPOINTS = routes.resource(PrivateEndpoints(), creatable=False)
