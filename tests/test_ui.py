"""The parameter form: builds at once, re-validates on every edit, and never waits for input."""
from __future__ import annotations

import builtins

import ipywidgets as widgets
import pytest

from praks_lib import ui
from praks_lib.deployment import Deployment
from praks_lib.errors import Finding


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """Anything that would wait for a person fails the test instead of hanging it."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the form must never wait for input")

    monkeypatch.setattr(builtins, "input", refuse)
    monkeypatch.setattr(widgets, "interact_manual", refuse)


def test_form_shows_the_key_parameters():
    form = ui.parameter_form(Deployment())
    assert isinstance(form, widgets.Widget)
    values = {path: field.value for path, field in form.inputs.items()}
    assert values == {
        "name": "dzpraks1", "location": "westeurope",
        "network.hub.address_space": "10.0.0.0/22", "network.hub.firewall_subnet.prefix": "10.0.0.0/24",
        "network.hub.jumpbox_subnet.prefix": "10.0.1.0/24", "network.spoke.address_space": "10.0.4.0/22",
        "network.spoke.ingress_subnet.prefix": "10.0.4.0/24", "network.spoke.aks_subnet.prefix": "10.0.5.0/24",
        "aks.service_cidr": "10.2.0.0/24", "aks.dns_service_ip": "10.2.0.10", "aks.network_plugin": "azure",
        "firewall.rules": "least-privilege"}
    assert "least-privilege" in form.inputs["firewall.rules"].options
    assert form.deployment == Deployment()
    assert not [f for f in form.findings if f.severity == "error"]
    assert form.overrides == {} and form.overrides_view.value == ""


def test_a_bad_cidr_is_reported_on_edit():
    form = ui.parameter_form(Deployment())
    field = form.inputs["network.spoke.aks_subnet.prefix"]
    field.value = "10.0.5.0/33"
    assert form.deployment is None
    [finding] = form.findings
    assert (finding.severity, finding.field) == ("error", "network.spoke.aks_subnet.prefix")
    assert "not an IPv4 CIDR prefix" in finding.message
    assert "network.spoke.aks_subnet.prefix" in form.findings_view.value
    assert "10.0.5.0/33" in form.findings_view.value
    assert field.layout.border and "#D55E00" in field.layout.border
    # Fixing it clears the error and the highlight.
    field.value = "10.0.5.0/24"
    assert form.deployment == Deployment() and field.layout.border is None
    assert not [f for f in form.findings if f.severity == "error"]


def test_plan_findings_show_under_the_form():
    form = ui.parameter_form(Deployment())
    form.inputs["network.spoke.aks_subnet.prefix"].value = "10.0.4.0/24"  # the ingress subnet's range
    assert form.deployment is not None  # the schema accepts it; the address plan does not
    errors = [f for f in form.findings if f.severity == "error"]
    assert any(f.field == "network.spoke.aks_subnet.prefix" for f in errors)
    assert "overlap" in form.findings_view.value.lower()


def test_edits_become_yaml_for_the_parameter_file():
    form = ui.parameter_form(Deployment())
    form.inputs["aks.service_cidr"].value = "10.3.0.0/24"
    form.inputs["aks.dns_service_ip"].value = "10.3.0.10"
    assert form.overrides == {"aks": {"service_cidr": "10.3.0.0/24", "dns_service_ip": "10.3.0.10"}}
    assert "service_cidr: 10.3.0.0/24" in form.overrides_view.value
    assert form.deployment.aks.service_cidr == "10.3.0.0/24"


def test_form_starts_from_the_given_deployment():
    custom = Deployment.model_validate({"name": "lab07", "location": "swedencentral"})
    form = ui.parameter_form(custom)
    assert form.inputs["name"].value == "lab07" and form.inputs["location"].value == "swedencentral"


def test_findings_html_escapes_and_orders():
    rows = [Finding("warning", "W1", "a", "<warn>", "fix a"),
            Finding("error", "E1", "b", "bad & worse", "fix b")]
    page = ui.findings_html(rows)
    assert page.index("E1") < page.index("W1")
    assert "&lt;warn&gt;" in page and "bad &amp; worse" in page
    assert "No findings" in ui.findings_html([])
