"""Network diagrams: the planned or the deployed hub-spoke network, drawn with matplotlib.

Every stage draws the same picture, grown by what that stage added, so a reader sees one network
evolve: VNets and peering (01), the firewall and its public IP (02), the forced-tunnel route (03),
the private cluster and its API endpoint (04), private DNS and the jumpbox (05), the Log Analytics
workspace (06) and the test flows (07).

Three parts: the view model (:mod:`~praks_lib.diagrams.view`: what a diagram shows, and the
planned view built from the parameters), the live reads (:mod:`~praks_lib.diagrams.live`: the
view read from the cloud through the Azure SDK clients, so it never asks which backend it is on),
and the drawing (:mod:`~praks_lib.diagrams.drawing`, matplotlib). The notebooks' calls are here.
"""
from praks_lib.diagrams.drawing import draw
from praks_lib.diagrams.live import live_view
from praks_lib.diagrams.view import planned_view, with_flows

__all__ = ["draw", "live_view", "planned_view", "with_flows"]
