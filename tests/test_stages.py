"""What the stage notebooks show, apart from what they apply: tables, verdicts, change lines, and
expected errors as their message and HINT in a failed cell."""
import base64
import re

import nbformat
import papermill
import pytest
from nbclient import NotebookClient
from papermill.exceptions import PapermillExecutionError

from praks_lib.deploy.converge import Change
from praks_lib.params import load_deployment
from praks_lib.plan import check_plan
from praks_lib.project import default_parameters
from praks_lib.stages import changes_summary, changes_table
from praks_lib.stages.plan import findings_table, parameters_table


def test_findings_table_puts_errors_first():
    dep = load_deployment(overrides={"aks": {"private_cluster": False, "dns_service_ip": "10.3.0.10"}},
                          check_plan=False)
    table = findings_table(check_plan(dep))
    assert list(table.columns) == ["severity", "code", "field", "message", "fix"]
    assert list(table["severity"]) == ["error", "warning"]
    assert findings_table([]).empty


def test_parameters_table_lists_every_parameter_by_dotted_path():
    table = parameters_table(load_deployment())
    assert table.loc["network.spoke.aks_subnet.prefix", "value"] == "10.0.5.0/24"
    assert table.loc["aks.name", "value"] == "dzpraks1"


def test_changes_are_counted_by_action_and_a_rerun_says_nothing_changed():
    changes = [Change("vnet", "hub", "created"), Change("vnet", "spoke", "updated", "prefix"),
               Change("group", "rg", "unchanged")]
    assert changes_summary(changes) == "1 created, 1 updated, 1 unchanged"
    assert changes_summary([Change("vnet", "hub", "unchanged")]) == "No changes: all 1 resources already as planned."
    assert changes_table(changes).to_dict("records")[1] == {"resource": "vnet", "name": "spoke",
                                                             "action": "updated", "detail": "prefix"}


def _notebook(path, *cells):
    """A notebook whose first cell starts like a stage's, then the given cells."""
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}})
    start = f"from praks_lib.stages import start\ndep, clients = start({str(default_parameters())!r})"
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in (start, *cells)]
    nbformat.write(notebook, path)
    return path


def _errors(notebook) -> list[tuple[str, str]]:
    """(ename, what the reader sees without colours) of each error output."""
    return [(o["ename"], re.sub(r"\x1b\[[0-9;]*m", "", "".join(o["traceback"])))
            for c in nbformat.read(notebook, as_version=4).cells for o in c.get("outputs", [])
            if o["output_type"] == "error"]


def test_an_expected_error_fails_its_cell_with_message_and_hint_but_no_traceback(tmp_path):
    notebook = _notebook(tmp_path / "stage.ipynb",
                         "from praks_lib.errors import StageError\n"
                         "raise StageError('FAIL: the firewall is Updating', 'wait for it or re-run 02_firewall')",
                         "print('not reached')")
    with pytest.raises(PapermillExecutionError) as failure:
        papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), cwd=str(tmp_path),
                                   progress_bar=False, log_output=False)
    assert failure.value.ename == "StageError" and failure.value.exec_count == 2
    [(_, shown)] = _errors(tmp_path / "out.ipynb")
    assert "FAIL: the firewall is Updating\nHINT: wait for it or re-run 02_firewall" in shown
    assert "Traceback" not in shown and "File " not in shown and "raise StageError" not in shown
    cells = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells
    assert not [o for o in cells[-1].get("outputs", []) if "not reached" in o.get("text", "")]


def test_azure_refusals_are_expected_errors_and_anything_else_keeps_its_traceback(tmp_path):
    notebook = _notebook(tmp_path / "stage.ipynb",
                         "from azure.core.exceptions import HttpResponseError\n"
                         "raise HttpResponseError(message='(AuthorizationFailed) The client has no authorization')",
                         "1 / 0")
    executed = nbformat.read(notebook, as_version=4)
    NotebookClient(executed, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    nbformat.write(executed, tmp_path / "out.ipynb")
    (azure, refusal), (bug, trace) = _errors(tmp_path / "out.ipynb")
    assert azure == "HttpResponseError" and "(AuthorizationFailed) The client has no authorization" in refusal
    assert "Traceback" not in refusal and "raise HttpResponseError" not in refusal
    assert bug == "ZeroDivisionError" and "Traceback (most recent call last)" in trace and "1 / 0" in trace


def test_a_stage_starts_without_the_emulator_or_matplotlib_and_shows_a_diagram_as_png(tmp_path):
    notebook = _notebook(tmp_path / "stage.ipynb",
                         "import sys\nprint([m for m in ('praks_lib.emulator', 'matplotlib') if m in sys.modules])",
                         "from praks_lib.diagrams import draw, planned_view\ndraw(planned_view(dep))",
                         "print(clients.subscription_id, 'praks_lib.emulator' in sys.modules)")
    executed = nbformat.read(notebook, as_version=4)
    NotebookClient(executed, resources={"metadata": {"path": str(tmp_path)}}).execute()
    loaded, diagram, opened = (c.outputs for c in executed.cells[1:])
    assert loaded[0].text == "[]\n"
    assert diagram[0].data["text/plain"].startswith("<Figure size 930x")
    assert base64.b64decode(diagram[0].data["image/png"]).startswith(b"\x89PNG")
    assert opened[0].text == "00000000-0000-0000-0000-000000000000 True\n"


# -- tables that fit the notebook (issue 12 part 3) -------------------------------------------------

def test_a_wide_table_is_fixed_to_the_notebooks_width_with_its_key_columns_first_and_text_left_aligned():
    from praks_lib.stages.tables import FITS_CHARACTERS, to_html
    from praks_lib.whatif import preflight_table

    dep = load_deployment()
    frame = preflight_table(dep.rule_set(), dep)
    page = to_html(frame)
    header = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert header[:5] == ["requirement", "protocol", "port", "action", "allowed_by"]
    assert "rule_to_add" not in header  # empty in every row: left out
    assert header[-1] == "why" and page.count("<details>") == len(frame)  # purpose, destination, message folded
    assert "width:100%;table-layout:fixed" in page and "text-align:left" in page and "text-align:right" not in page
    shares = [float(w) for w in re.findall(r"<th[^>]*width:([\d.]+)%", page)]
    assert abs(sum(shares) - 100) < 1 and len(shares) == len(header)
    assert sum(len(str(c)) for c in frame.columns) > FITS_CHARACTERS or len(frame.columns) > 8


def test_a_table_that_fits_keeps_its_natural_width_and_an_empty_one_says_what_it_stands_for():
    from praks_lib.stages.tables import to_html, to_text

    changes = changes_table([Change("vnet", "hub", "created")])
    assert "table-layout:fixed" not in to_html(changes) and "color:#00593F" in to_html(changes)  # created, green
    empty = findings_table([])
    assert "<table" not in to_html(empty) and "No findings" in to_html(empty)

    class Printer:
        text = staticmethod(lambda value: shown.append(value))
    shown: list = []
    to_text(empty, Printer(), False)
    assert shown == ["No findings: the parameters and the address plan are sound."]


def test_an_invalid_route_is_highlighted():
    from praks_lib.azure.routing import effective_routes
    from praks_lib.stages.route import routes_table
    from praks_lib.stages.tables import to_html

    routes = effective_routes(["10.0.4.0/22"], [], [("0.0.0.0/0", "VirtualAppliance", "10.0.0.4")])
    page = to_html(routes_table(routes))
    invalid = [row for row in page.split("<tr>") if ">Invalid<" in row]
    assert invalid and all("background-color:#FFF4D6" in row for row in invalid)
    assert all("background-color:#FFF4D6" not in row for row in page.split("<tr>") if ">Active<" in row)


def test_the_teardown_table_counts_what_it_deletes_and_what_goes_with_it():
    from praks_lib.stages.tables import to_html
    from praks_lib.stages.teardown import teardown_table
    from praks_lib.teardown import TeardownItem

    items = [TeardownItem(action, "resource group", name, name, f"/subscriptions/0/resourceGroups/{name}")
             for action, name in (("delete group", "a"), ("delete group", "b"), ("deleted with the cluster", "MC_a"))]
    assert "2 to delete; 1 deleted by Azure with them" in to_html(teardown_table(items))


# -- a stage run out of order says which notebook to run first (issue 12 item 2) --------------------

@pytest.mark.parametrize("stage, first", [("02_firewall", "01_network"), ("03_egress_route", "01_network"),
                                          ("04_private_aks", "01_network"), ("05_private_access", "01_network"),
                                          ("06_monitoring", "04_private_aks"), ("07_validate", "04_private_aks")])
def test_a_stage_on_an_empty_cloud_names_the_notebook_to_run_first(clients, dep, stage, first):
    from praks_lib.errors import StageError
    from praks_lib.stages.prerequisites import check_prerequisites

    with pytest.raises(StageError) as refused:
        check_prerequisites(clients, dep, stage)
    assert refused.value.stage == first and refused.value.fix.startswith(f"run {first} first: ")
    assert "does not exist yet" in refused.value.message


def test_the_next_missing_stage_is_named_once_the_earlier_ones_ran(clients, dep):
    from praks_lib.deploy.network import ensure_network
    from praks_lib.errors import StageError
    from praks_lib.stages.prerequisites import check_prerequisites

    ensure_network(clients, dep)
    check_prerequisites(clients, dep, "02_firewall")  # the hub exists now
    with pytest.raises(StageError) as refused:
        check_prerequisites(clients, dep, "03_egress_route")
    assert refused.value.stage == "02_firewall" and "firewall dzpraks1" in refused.value.message


def test_a_notebook_run_out_of_order_shows_the_hint_and_no_azure_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PRAKS_STATE_DIR", str(tmp_path / "empty-cloud"))
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}})
    notebook.cells = [nbformat.v4.new_code_cell(
        f"from praks_lib.stages import start\ndep, clients = start({str(default_parameters())!r}, "
        "stage='02_firewall')")]
    nbformat.write(notebook, tmp_path / "02.ipynb")
    with pytest.raises(PapermillExecutionError):
        papermill.execute_notebook(str(tmp_path / "02.ipynb"), str(tmp_path / "out.ipynb"), cwd=str(tmp_path),
                                   progress_bar=False, log_output=False)
    [(ename, shown)] = _errors(tmp_path / "out.ipynb")
    assert ename == "StageError" and "HINT: run 01_network first" in shown
    assert "ResourceGroupNotFound" not in shown and "Traceback" not in shown


# -- verdicts ---------------------------------------------------------------------------------------

def test_a_design_without_a_firewall_passes_the_plan_without_egress_flows():
    from praks_lib.stages.plan import plan_verdict

    assert "no firewall: the network-isolated cluster needs no egress" in plan_verdict([], None)


def test_each_check_of_07_says_its_own_verdict():
    from praks_lib.stages.validation import check
    from praks_lib.validate import CheckRow

    ok = CheckRow("routing", "aks 0.0.0.0/0", "VirtualAppliance 10.0.0.4", "VirtualAppliance 10.0.0.4", "…", "PASS")
    bad = CheckRow("routing", "aks 0.0.0.0/0", "VirtualAppliance 10.0.0.4", "Internet", "…", "FAIL", "03_egress_route")
    assert check("routing", [ok]).verdict == "PASS · routing: 1 of 1 as expected"
    assert check("routing", [ok, bad]).verdict == "FAIL · routing: 1 of 2 failed — 03_egress_route"
    assert ">FAIL<" in check("routing", [ok, bad])._repr_html_()


# -- az commands: short, formatted, one block per step (issue 12 item 7) ----------------------------

def _steps(scenario: str = "", **overrides):
    from praks_lib.azcli import cluster_commands, firewall_commands, network_commands
    from praks_lib.project import scenario_file

    dep = load_deployment(scenario_file(scenario) if scenario else None, overrides=overrides or None,
                          check_plan=False)
    return dep, [*network_commands(dep), *firewall_commands(dep, dep.rule_set()), *cluster_commands(dep)]


def test_every_az_command_has_a_comment_and_one_option_per_line():
    from praks_lib.azcli import as_text

    dep, steps = _steps()
    for step in steps:
        for command in step.commands:
            text = command.text()
            comments = [line for line in text.splitlines() if line.startswith("# ")]
            lines = text.splitlines()[len(comments):]
            assert comments and lines[0].startswith(("az ", "FW_", "AKS_", "ROUTE_", "PRINCIPAL", "IDENTITY",
                                                     "FIREWALL_", "WORKSPACE_", "REGISTRY_", "APISERVER_"))
            assert all(len(line) <= 80 for line in comments), text
            assert all(len(line) <= 110 for line in lines), text
            assert all(line.endswith(" \\") for line in lines[:-1]), text
    markdown = as_text(steps)
    assert markdown.count("```bash") == len(steps)  # one block per step
    assert "$(az" not in markdown.replace("=$(az", "")  # lookups read into variables first, not nested


def test_az_commands_follow_the_design():
    from praks_lib.azcli import as_text

    _, classic = _steps("walkthrough-2020")
    _, policy = _steps("baseline-2026")
    _, isolated = _steps("isolated")
    assert "az network firewall network-rule create" in as_text(classic)
    assert "firewall policy create" not in as_text(classic)
    assert "--firewall-policy dzpraks1-policy" in as_text(policy)
    assert "add-filter-collection" in as_text(policy) and "network-rule create" not in as_text(policy)
    assert "--enable-apiserver-vnet-integration" in as_text(policy) and "--network-plugin-mode overlay" in as_text(policy)
    assert "--delegations Microsoft.ContainerService/managedClusters" in as_text(policy)
    assert "az network firewall create" not in as_text(isolated)
    assert "--outbound-type none" in as_text(isolated) and "--bootstrap-artifact-source Cache" in as_text(isolated)
    assert "az acr cache create" in as_text(isolated)
    _, basic = _steps("baseline-2026", firewall={"sku_tier": "Basic", "dns_proxy": False})
    assert "--m-public-ip dzpraks1-mgmt" in as_text(basic) and "--enable-dns-proxy" not in as_text(basic)


# -- 02 reads the rules where the design puts them --------------------------------------------------

def test_the_firewall_stage_reads_a_firewall_policy(clients, walkthrough_2020):
    dep = walkthrough_2020  # deployed with classic collections first, then moved into a policy by hand
    from azure.mgmt.network.models import DnsSettings, FirewallPolicy, SubResource

    from praks_lib.deploy.firewall import ensure_firewall_stage
    from praks_lib.deploy.network import ensure_network
    from praks_lib.errors import StageError
    from praks_lib.stages.firewall import firewall_table, firewall_verdict

    ensure_network(clients, dep)
    ensure_firewall_stage(clients, dep)
    assert "as classic collections" in firewall_verdict(clients, dep)
    # The same rules moved into a Firewall Policy the firewall is linked to, as the 2026 design deploys them.
    grouped = dep.rule_set().in_policy()
    group, network = dep.resource_groups.network, clients.network
    policy = network.firewall_policies.begin_create_or_update(group, "dzpraks1-policy", FirewallPolicy(
        location=dep.location, dns_settings=DnsSettings(enable_proxy=True))).result()
    for model in grouped.to_sdk_rule_collection_groups():
        network.firewall_policy_rule_collection_groups.begin_create_or_update(group, policy.name, model.name,
                                                                              model).result()
    firewall = network.azure_firewalls.get(group, "dzpraks1")
    firewall.network_rule_collections, firewall.application_rule_collections = [], []
    firewall.firewall_policy = SubResource(id=policy.id)
    network.azure_firewalls.begin_create_or_update(group, "dzpraks1", firewall).result()

    as_policy = dep.model_copy(update={"firewall": dep.firewall.model_copy(update={"rules_as": "policy"})})
    assert "in Firewall Policy dzpraks1-policy" in firewall_verdict(clients, as_policy)
    assert firewall_table(clients, as_policy).loc["rules", "value"].startswith("Firewall Policy dzpraks1-policy")
    with pytest.raises(StageError) as refused:
        firewall_verdict(clients, dep)  # the parameters still say classic
    assert "firewall.rules_as is classic" in refused.value.message
