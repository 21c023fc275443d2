"""What the stage notebooks show, apart from what they apply: tables, verdicts and change lines."""
from praks_lib.deploy.converge import Change
from praks_lib.params import load_deployment
from praks_lib.plan import check_plan
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
