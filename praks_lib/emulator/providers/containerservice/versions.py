"""The Kubernetes versions AKS offers, answered from the shared release calendar for today's date.

- ``GET /subscriptions/{s}/providers/Microsoft.ContainerService/locations/{l}/kubernetesVersions``
  answers ``{"values": [...]}`` as the spec's example does: each offered minor with its patch, its
  support plans, ``isDefault`` on AKS's default (N-1), upgrades to later patches and minors.
- A create (or a version change) resolves ``kubernetesVersion`` as AKS does: empty → the default's
  latest patch; a minor → its latest patch; and refuses with ``K8sVersionNotSupported`` a version
  out of community support (the LTS-only wording for one still under long-term support, which a
  Premium cluster on the ``AKSLongTermSupport`` plan may use).
"""
from __future__ import annotations

from http import HTTPStatus

from praks_lib.azure import clock, kubernetes_versions
from praks_lib.emulator.platform.arm.errors import catalog_error
from praks_lib.emulator.platform.arm.resources import ArmRoutes
from praks_lib.emulator.platform.router import Call, Response

routes = ArmRoutes()
LTS_PLAN = "AKSLongTermSupport"


def _patch_number(version: str) -> int:
    return int(version.split(".")[2])


def resolve(requested: str | None, *, cluster: str, support_plan: str | None = None) -> tuple[str, str]:
    """(kubernetesVersion as stored, currentKubernetesVersion) for a create, or AKS's refusal."""
    today = clock.today()
    if not requested:
        default = kubernetes_versions.default(today)
        return default.patch, default.patch
    minor = kubernetes_versions.find(requested)
    if minor is None or (requested.count(".") == 2 and _patch_number(requested) > _patch_number(minor.patch)):
        raise catalog_error("k8s_version_not_supported", version=requested)
    support = minor.support(today)
    current = requested if requested.count(".") == 2 else minor.patch
    if support == "lts-only" and support_plan != LTS_PLAN:
        raise catalog_error("k8s_version_lts_only", cluster=cluster, version=current)
    if support in ("ended", "not yet"):
        raise catalog_error("k8s_version_not_supported", version=requested)
    return requested, current


@routes.get("/subscriptions/{subscriptionId}/providers/Microsoft.ContainerService/locations/{location}/"
            "kubernetesVersions")
def list_kubernetes_versions(call: Call) -> Response:
    today = clock.today()
    offered = kubernetes_versions.offered(today)
    lts = [m for m in kubernetes_versions.minors() if m.support(today) == "lts-only"]
    default = kubernetes_versions.default(today)
    values = []
    for minor in sorted(lts + offered, key=lambda m: m.key):
        later = [m.patch for m in offered if m.key > minor.key][:2]
        entry = {"version": minor.version,
                 "capabilities": {"supportPlan": [LTS_PLAN] if minor in lts else ["KubernetesOfficial", LTS_PLAN]},
                 "patchVersions": {minor.patch: {"upgrades": later}}}
        if minor == default:
            entry["isDefault"] = True
        values.append(entry)
    return Response(HTTPStatus.OK, {"values": values})
