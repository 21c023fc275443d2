"""Notebook widgets that show and check parameters but never wait for anyone.

A batch run (papermill, nbval) takes its values from the parameters cell; the form only displays
them and re-checks edits as they are typed, so a reader sees at once what Azure would reject. Edits
stay in the form: the YAML it shows is what to paste into the parameter file.
"""
from __future__ import annotations

import html
from typing import Any, Iterable

import ipywidgets as widgets
import yaml

from praks_lib.deployment import Deployment
from praks_lib.errors import by_severity
from praks_lib.params import check_parameters, deep_merge
from praks_lib.project import known_rule_sets

# The parameters the form shows: dotted path into Deployment, and the label beside the input.
FORM_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "deployment name"),
    ("location", "location"),
    ("network.hub.address_space", "hub address space"),
    ("network.hub.firewall_subnet.prefix", "AzureFirewallSubnet"),
    ("network.hub.jumpbox_subnet.prefix", "jumpbox subnet"),
    ("network.spoke.address_space", "spoke address space"),
    ("network.spoke.ingress_subnet.prefix", "ingress subnet"),
    ("network.spoke.aks_subnet.prefix", "AKS subnet"),
    ("aks.service_cidr", "service CIDR"),
    ("aks.dns_service_ip", "DNS service IP"),
    ("aks.network_plugin", "network plugin"),
    ("firewall.rules", "firewall rule set"),
)
NETWORK_PLUGINS = ("azure", "none")  # kubenet is refused by the parameters model (retired 2028)
_SEVERITY_STYLE = {"error": ("#D55E00", "✗"), "warning": ("#B36B00", "!"), "info": ("#0072B2", "i")}


def _value_at(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


def _nested(path: str, value: Any) -> dict[str, Any]:
    """'aks.service_cidr', '10.3.0.0/24' → {'aks': {'service_cidr': '10.3.0.0/24'}}."""
    result: Any = value
    for part in reversed(path.split(".")):
        result = {part: result}
    return result


def findings_html(findings: Iterable[Any]) -> str:
    """Findings (plan or schema) as a small HTML table, errors first; a reassuring line when there are none."""
    rows = by_severity(findings)
    if not rows:
        return '<div style="color:#009E73"><b>✓ No findings:</b> the parameters and address plan are sound.</div>'
    cells = []
    for f in rows:
        colour, mark = _SEVERITY_STYLE.get(f.severity, ("#52606D", "·"))
        cells.append(
            f'<tr><td style="color:{colour};font-weight:bold">{mark} {html.escape(f.severity)}</td>'
            f"<td><code>{html.escape(f.field)}</code></td><td>{html.escape(f.message)}"
            f'<br><span style="color:#52606D">fix: {html.escape(f.fix)}</span>'
            f'<br><span style="color:#7B8794;font-size:smaller">{html.escape(f.code)}</span></td></tr>')
    return ('<table style="border-collapse:collapse;text-align:left">'
            "<tr><th>severity</th><th>parameter</th><th>finding</th></tr>" + "".join(cells) + "</table>")


class ParameterForm(widgets.VBox):
    """The key parameters as inputs; every edit re-validates and lists the findings below the form.

    `deployment` is the edited Deployment while it is valid (None otherwise), `findings` the current
    findings, `overrides` the edits as a nested dict for the parameter file. Nothing here blocks.
    """

    def __init__(self, deployment: Deployment):
        self._base = deployment.model_dump(mode="json")
        self._source_dir = deployment.source_dir
        self.inputs: dict[str, widgets.ValueWidget] = {}
        style = {"description_width": "150px"}
        for path, label in FORM_FIELDS:
            value = _value_at(self._base, path)
            if path == "aks.network_plugin":
                field = widgets.Dropdown(options=NETWORK_PLUGINS, value=value, description=label)
            elif path == "firewall.rules":
                field = widgets.Combobox(options=known_rule_sets(deployment.source_dir), value=value, description=label, ensure_option=False)
            else:
                field = widgets.Text(value=str(value), description=label, continuous_update=False)
            field.style, field.layout = style, widgets.Layout(width="380px")
            field.observe(self._on_edit, names="value")
            self.inputs[path] = field
        self.findings_view = widgets.HTML()
        self.overrides_view = widgets.HTML()
        half = len(FORM_FIELDS) // 2
        columns = widgets.HBox([widgets.VBox(list(self.inputs.values())[:half]),
                                widgets.VBox(list(self.inputs.values())[half:])])
        note = widgets.HTML('<span style="color:#52606D">Edits are checked here only; a run uses the '
                            "parameter file. Paste the YAML shown below into it to keep a change.</span>")
        super().__init__([columns, note, self.findings_view, self.overrides_view])
        self.deployment: Deployment | None = deployment
        self.findings: list[Any] = []
        self.validate()

    @property
    def overrides(self) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        for path, field in self.inputs.items():
            if field.value != _value_at(self._base, path):
                changed = deep_merge(changed, _nested(path, field.value))
        return changed

    def _on_edit(self, _change: dict[str, Any]) -> None:
        self.validate()

    def validate(self) -> list[Any]:
        """Re-check the form's values now; returns the findings it shows."""
        overrides = self.overrides
        self.deployment, self.findings = check_parameters(deep_merge(self._base, overrides), self._source_dir)
        self.findings_view.value = findings_html(self.findings)
        self.overrides_view.value = (
            "<pre>" + html.escape(yaml.safe_dump(overrides, sort_keys=False)) + "</pre>" if overrides else "")
        for path, field in self.inputs.items():
            severities = {f.severity for f in self.findings if path == f.field or path.startswith(f"{f.field}.")}
            colour = next((_SEVERITY_STYLE[s][0] for s in ("error", "warning") if s in severities), None)
            field.layout.border = f"2px solid {colour}" if colour else None
        return self.findings


def parameter_form(deployment: Deployment) -> ParameterForm:
    """A form for the deployment's key parameters, validated live; returns at once, never waits."""
    return ParameterForm(deployment)
