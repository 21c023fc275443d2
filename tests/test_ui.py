"""The parameter form and the progress line: they show and check, and never wait for input."""
from __future__ import annotations

import builtins

import ipywidgets as widgets
import pytest
import yaml

from praks_lib import ui
from praks_lib.deployment import Deployment
from praks_lib.errors import StageError
from praks_lib.params import load_deployment
from praks_lib.project import scenario_file

SPOKE = "network.spoke.address_space"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """Anything that would wait for a person fails the test instead of hanging it."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the form must never wait for input")

    monkeypatch.setattr(builtins, "input", refuse)
    monkeypatch.setattr(widgets, "interact_manual", refuse)


def errors(form) -> list[tuple[str, str]]:
    return [(f.code, f.field) for f in form.findings if f.severity == "error"]


def test_form_shows_the_key_parameters_and_checks_as_you_type():
    form = ui.parameter_form(Deployment())
    assert isinstance(form, widgets.Widget)
    values = {path: field.value for path, field in form.inputs.items()}
    assert values == {
        "name": "dzpraks1", "location": "westeurope",
        "network.hub.address_space": "10.0.0.0/22", "network.hub.firewall_subnet.prefix": "10.0.0.0/24",
        "network.hub.jumpbox_subnet.prefix": "10.0.1.0/24", SPOKE: "10.0.4.0/22",
        "network.spoke.ingress_subnet.prefix": "10.0.4.0/24", "network.spoke.aks_subnet.prefix": "10.0.5.0/24",
        "aks.service_cidr": "10.2.0.0/24", "aks.dns_service_ip": "10.2.0.10", "aks.network_plugin_mode": "",
        "aks.pod_cidr": "", "firewall.rules": "least-privilege"}
    assert all(field.continuous_update for field in form.inputs.values() if isinstance(field, widgets.Text))
    assert "least-privilege" in form.inputs["firewall.rules"].options
    assert form.deployment == Deployment() and errors(form) == []
    assert form.overrides == {} and form.overrides_view.value == "" and "No findings" in form.summary.value


def test_a_bad_cidr_is_reported_next_to_its_field():
    form = ui.parameter_form(Deployment())
    field = form.inputs["network.spoke.aks_subnet.prefix"]
    field.value = "10.0.5.0/33"
    assert form.deployment is None
    assert errors(form) == [("PraksInvalidParameter", "network.spoke.aks_subnet.prefix")]
    assert "not an IPv4 CIDR prefix" in form.messages["network.spoke.aks_subnet.prefix"].value
    assert field.layout.border and "#D55E00" in field.layout.border
    assert form.planned.network.spoke.aks_subnet.prefix == "10.0.5.0/24"  # the diagram keeps the last good value
    field.value = "10.0.5.0/24"
    assert form.deployment == Deployment() and field.layout.border is None
    assert form.messages["network.spoke.aks_subnet.prefix"].value == ""


def test_an_overlapping_spoke_shows_the_cause_and_what_follows_and_a_format_error_hides_none_of_it():
    """Issue 12 item 3: a format error in one field (the name) must not hide the address plan's findings."""
    form = ui.parameter_form(Deployment())
    form.inputs[SPOKE].value = "10.0.0.0/22"
    assert errors(form) == [("VnetAddressSpacesOverlap", SPOKE),
                            ("NetcfgSubnetRangeOutsideVnet", "network.spoke.ingress_subnet.prefix"),
                            ("NetcfgSubnetRangeOutsideVnet", "network.spoke.aks_subnet.prefix")]
    assert "set network.spoke.address_space to 10.0.4.0/22" in form.messages[SPOKE].value
    assert "follows from network.spoke.address_space" in form.messages["network.spoke.aks_subnet.prefix"].value
    form.inputs["name"].value = "Bad_Name!"
    assert errors(form)[0] == ("PraksInvalidParameter", "name")
    assert ("VnetAddressSpacesOverlap", SPOKE) in errors(form) and len(errors(form)) == 4
    assert all(form.inputs[p].layout.border for p in ("name", SPOKE, "network.spoke.aks_subnet.prefix"))
    assert form.planned.network.spoke.address_space == "10.0.0.0/22"  # the edit that parses is still drawn


def test_the_edited_field_keeps_its_message_while_the_overlap_it_caused_is_there():
    """Issue 12 item 3: the overlap's border went back to normal while the overlapping value was still there."""
    form = ui.parameter_form(Deployment())
    ingress = "network.spoke.ingress_subnet.prefix"
    form.inputs[ingress].value = "10.0.5.0/24"  # onto the AKS subnet; Azure names the later-created subnet
    assert ("NetcfgSubnetRangesOverlap", "network.spoke.aks_subnet.prefix") in errors(form)
    assert "this edit also gives NetcfgSubnetRangesOverlap at <code>network.spoke.aks_subnet.prefix" in \
        form.messages[ingress].value and "#D55E00" in form.inputs[ingress].layout.border
    form.inputs["location"].value = "swedencentral"  # another edit elsewhere: the overlap stays marked
    assert "#D55E00" in form.inputs[ingress].layout.border
    form.inputs[ingress].value = "10.0.4.0/24"
    assert form.inputs[ingress].layout.border is None and errors(form) == []


def test_applying_the_suggested_fixes_leaves_a_plan_without_errors():
    form = ui.parameter_form(Deployment())
    form.inputs[SPOKE].value = "10.0.8.0/22"
    form.inputs["aks.service_cidr"].value = "10.0.8.0/24"
    assert len(errors(form)) >= 3 and not form.fix_button.disabled
    applied = form.apply_suggested_fixes()
    assert errors(form) == [] and form.fix_button.disabled
    assert {path: form.inputs[path].value for path in applied} == applied
    assert form.inputs["network.spoke.ingress_subnet.prefix"].value != form.inputs["network.spoke.aks_subnet.prefix"].value


def test_edits_become_a_parameter_file_to_run_with(tmp_path):
    form = ui.parameter_form(load_deployment())
    form.inputs["aks.service_cidr"].value = "10.3.0.0/24"
    form.inputs["aks.dns_service_ip"].value = "10.3.0.10"
    assert form.overrides == {"aks": {"service_cidr": "10.3.0.0/24", "dns_service_ip": "10.3.0.10"}}
    assert "service_cidr: 10.3.0.0/24" in form.overrides_view.value
    saved = form.save(tmp_path / "mine.yaml")
    # written out in full: the edits and the design the default took from baseline-2026
    assert yaml.safe_load(saved.read_text()) == {
        "network": {"spoke": {"apiserver_subnet": {"name": "apiserver-subnet", "prefix": "10.0.6.0/28"}}},
        "firewall": {"rules_as": "policy"},
        "aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.244.0.0/16", "service_cidr": "10.3.0.0/24",
                "dns_service_ip": "10.3.0.10", "api_server": "vnet_integration"}}
    # the same deployment; the file no longer names the scenario, it is written out in full
    assert load_deployment(saved).model_dump(exclude={"scenario"}) == form.deployment.model_dump(exclude={"scenario"})


def test_a_scenario_saved_from_the_form_loads_as_the_same_deployment(tmp_path):
    dep = load_deployment(scenario_file("baseline-2026"))
    form = ui.parameter_form(dep)
    form.inputs["name"].value = "lab07"
    saved = form.save(tmp_path / "lab07.yaml")
    assert "scenario baseline-2026" in saved.read_text().splitlines()[0]
    again = load_deployment(saved)  # written out in full, it no longer names the scenario
    assert again.model_dump(exclude={"scenario"}) == form.deployment.model_dump(exclude={"scenario"})
    assert (again.firewall.rules_as, again.aks.network_plugin_mode, again.firewall.name) == ("policy", "overlay",
                                                                                            "lab07")


def test_a_new_name_derives_new_resource_names():
    form = ui.parameter_form(load_deployment())
    form.inputs["name"].value = "lab07"
    assert form.deployment.resource_groups.network == "lab07_networks" and form.deployment.firewall.name == "lab07"
    assert form.overrides == {"name": "lab07"}


def test_the_cells_below_the_form_follow_its_edits(monkeypatch):
    shown = []

    class Handle:
        def update(self, value):
            shown.append(value)

    monkeypatch.setattr(ui, "display", lambda value, **_: shown.append(value) or Handle())
    form = ui.parameter_form(Deployment())
    form.follow(lambda f: f"{len(errors(f))} errors")

    def verdict(f):
        if errors(f):
            raise StageError("FAIL: fix the plan")
        return "PASS"

    form.follow(verdict)
    form.follow(lambda f: 1 / 0 if errors(f) else "fine")
    assert shown == ["0 errors", "PASS", "fine"]
    form.inputs[SPOKE].value = "10.0.0.0/22"
    assert shown[3] == "3 errors" and "FAIL: fix the plan" in repr(shown[4])
    assert isinstance(shown[5], ui.Problem) and "division by zero" in repr(shown[5])
    form.inputs["location"].value = "westeurope"  # no change: nothing drawn again
    assert len(shown) == 6


def test_a_verdict_that_fails_when_the_notebook_runs_fails_its_cell(monkeypatch):
    monkeypatch.setattr(ui, "display", lambda *_, **__: None)
    form = ui.parameter_form(Deployment.model_validate({"aks": {"dns_service_ip": "10.3.0.10"}}))

    def verdict(f):
        raise StageError("FAIL")

    with pytest.raises(StageError):
        form.follow(verdict)


def test_where_widgets_cannot_render_the_form_reads_as_a_table():
    """Issue 12 item 6: on opening a notebook the form showed as `ParameterForm(children=(HBox(...` text."""
    form = ui.parameter_form(Deployment.model_validate({"aks": {"dns_service_ip": "10.3.0.10"}}))
    bundle = form._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "children=" not in bundle["text/plain"] and "DNS service IP         10.3.0.10" in bundle["text/plain"]
    assert "<table" in bundle["text/html"] and "out of the range" in bundle["text/html"]


def test_progress_prints_a_line_per_step_when_no_notebook_shows_it(capsys):
    with ui.progress("Creating the firewall") as steps:
        steps.note("Updating after 30 s")
        steps.step("Creating the workspace")
    assert capsys.readouterr().out == "✓ Creating the firewall\n✓ Creating the workspace\n"
    with pytest.raises(ZeroDivisionError):
        with ui.progress("Creating the cluster"):
            1 / 0
    assert capsys.readouterr().out == "✗ Creating the cluster\n"
