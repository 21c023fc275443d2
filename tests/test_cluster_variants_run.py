"""`praks run` of the 2026 cluster variants: Azure CNI Overlay with API Server VNet Integration (classic
rules; the baseline-2026 scenario adds a Firewall Policy) passes offline twice, the second run changes
nothing, validation says which design it proved, and teardown leaves nothing tagged behind."""
import json
import re

import yaml

from praks_lib.cli import main
from praks_lib.runner import run_suite

VARIANT = {
    "firewall": {"rules_as": "classic"},
    "aks": {"network_plugin_mode": "overlay", "pod_cidr": "10.244.0.0/16", "api_server": "vnet_integration"},
    "network": {"spoke": {"apiserver_subnet": {"name": "apiserver-subnet", "prefix": "10.0.6.0/28"}}},
}


def _outputs(notebook) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(o.get("text", "")) + json.dumps(o.get("data", {}), ensure_ascii=False)
                     for c in cells for o in c.get("outputs", []))


def test_overlay_with_vnet_integration_passes_twice_and_tears_down_clean(tmp_path, capsys):
    parameters = tmp_path / "overlay-vnet-integration.yaml"
    parameters.write_text(yaml.safe_dump(VARIANT))
    state, lines = tmp_path / "state", []
    first = run_suite(parameters, runs_dir=tmp_path / "runs", state_dir=state, echo=lines.append)
    assert first.ok, lines
    validated = _outputs(first.stages[-1].output)
    assert re.search(r"PASS: \d+ checks proved private API server \(VNet integration\) · Azure CNI Overlay · "
                     r"egress through the firewall", validated)
    # The hub resolves the API server to its load balancer in the delegated subnet …
    assert "an IP in apiserver-subnet 10.0.6.0/28" in validated and "10.0.6.4" in validated
    # … and the firewall logs the node, not the pod: overlay NATs pod egress to the node's address.
    assert re.search(r"HTTP 10\.0\.5\.\d+ → batman\.com:80 Deny", validated)
    assert not re.search(r"HTTP 10\.244\.\d+\.\d+ →", validated)

    second = run_suite(parameters, runs_dir=tmp_path / "runs2", state_dir=state, echo=lines.append)
    assert second.ok, lines
    for stage in second.stages[1:7]:
        assert "No changes: all" in _outputs(stage.output), stage.stage

    assert main(["teardown", "-d", str(parameters), "--state-dir", str(state), "--confirm", "dzpraks1"]) == 0
    assert "Teardown complete" in capsys.readouterr().out
    main(["teardown", "-d", str(parameters), "--state-dir", str(state), "--confirm", "dzpraks1"])
    assert "Nothing to delete" in capsys.readouterr().out
