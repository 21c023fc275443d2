"""The plan predicts Azure: for every plan error that carries an Azure code, the same parameters,
deployed anyway on the emulator, are refused by Azure with that code and those words.

Both sides read one catalog (praks_lib/azure/data/errors.yaml) and one set of facts; this test is what
keeps the plan checks and the emulator's validations from drifting apart.
"""
import pytest
from test_plan import ERRORS, WALKTHROUGH

from praks_lib.cloud import connect
from praks_lib.deploy.all_stages import deploy_all
from praks_lib.errors import StageError
from praks_lib.params import load_deployment
from praks_lib.plan import SUBSCRIPTION_PLACEHOLDER, check_plan

AZURE_CASES = [case[:3] for case in ERRORS if not case[1].startswith("Praks")]


@pytest.mark.parametrize("overrides, code, field", AZURE_CASES, ids=[f"{case[1]}:{case[2]}" for case in AZURE_CASES])
def test_azure_refuses_what_the_plan_refuses_with_the_same_words(overrides, code, field, tmp_path):
    dep = load_deployment(WALKTHROUGH, overrides=overrides, check_plan=False)
    [finding] = [f for f in check_plan(dep) if f.code == code and f.field == field]
    clients = connect(dep, state_dir=tmp_path / "cloud")
    with pytest.raises(StageError) as refused:
        deploy_all(clients, dep)
    expected = finding.message.replace(SUBSCRIPTION_PLACEHOLDER, clients.subscription_id)
    assert f"({code}) {expected}" in str(refused.value)
