"""Each scenario's notebooks, run headless as `praks run -d parameters/scenarios/<name>.yaml --teardown`
does: every stage passes, 07 says which design it proved, and teardown leaves nothing tagged behind.
(The default parameter file's scenario is replayed by nbval over the committed notebooks; re-runs that
change nothing are checked in-process by the deploy tests.)"""
import json

import pytest

from praks_lib.cloud import connect
from praks_lib.deployment import TAG_KEY
from praks_lib.params import load_deployment
from praks_lib.project import project_dir
from praks_lib.runner import run_suite

PROVED = {
    "walkthrough-2020": "private API server (private link) · Azure CNI (flat) · egress through the firewall",
    "isolated": "private API server (private link) · Azure CNI Overlay · no egress (outbound type none)",
}


def _outputs(notebook) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(o.get("text", "")) + json.dumps(o.get("data", {}), ensure_ascii=False)
                     for c in cells for o in c.get("outputs", []))


@pytest.mark.parametrize("scenario", sorted(PROVED))
def test_scenario_runs_to_pass_and_tears_down_clean(scenario, tmp_path):
    parameters = project_dir() / "parameters" / "scenarios" / f"{scenario}.yaml"
    dep = load_deployment(parameters)
    state, lines = tmp_path / "state", []
    result = run_suite(parameters, runs_dir=tmp_path / "runs", state_dir=state, teardown_confirm=dep.name,
                       echo=lines.append)
    assert result.ok, lines
    assert [s.stage for s in result.stages][-1] == "99_teardown"
    validated = _outputs(next(s.output for s in result.stages if s.stage == "07_validate"))
    assert f"checks proved {PROVED[scenario]}" in validated
    clients = connect(dep, state_dir=state)
    assert list(clients.resource.resources.list(filter=f"tagName eq '{TAG_KEY}' and tagValue eq '{dep.name}'")) == []
    assert list(clients.resource.resource_groups.list()) == []
