"""``make destroy`` refuses a local state that another configuration file deployed
(``destroy_guard.py``): Terraform checks no condition while destroying, so this reads the owner's
record from the state file real terraform wrote."""

from __future__ import annotations

import shutil

from aks_workload_identity.config import load_config
from aks_workload_identity.destroy_guard import recorded_owner, refusals
from tests.conftest import EXAMPLE_CONFIG
from tests.test_state_owner import owner_stack, run
from tests.test_terraform_validation import needs_terraform, terraform


@needs_terraform
def test_another_files_destroy_is_refused_naming_the_owner(tmp_path) -> None:
    deployed = owner_stack(tmp_path / "identity", "my.auto.tfvars")
    assert terraform(deployed, "init", "-input=false").returncode == 0
    assert run(deployed, "apply", "-auto-approve")[0] == 0
    (tmp_path / "terraform.tfstate").rename(tmp_path / "terraform.identity.tfstate")
    assert recorded_owner(tmp_path / "terraform.identity.tfstate") == "my.auto.tfvars"

    prod = tmp_path / "prod.tfvars"
    shutil.copy(EXAMPLE_CONFIG, prod)
    (refused,) = refusals(load_config(prod), tmp_path)
    assert refused.startswith(
        "terraform.identity.tfstate belongs to my.auto.tfvars, not to prod.tfvars: make destroy "
        "would destroy what my.auto.tfvars deployed. Destroy with that file"
    )
    own = tmp_path / "my.auto.tfvars"
    shutil.copy(EXAMPLE_CONFIG, own)
    assert refusals(load_config(own), tmp_path) == []
    prod.write_text(EXAMPLE_CONFIG.read_text() + "state_owner_change_allowed = true\n")
    assert refusals(load_config(prod), tmp_path) == []  # a renamed file, on purpose


def test_no_state_or_no_record_refuses_nothing(tmp_path) -> None:
    prod = tmp_path / "prod.tfvars"
    shutil.copy(EXAMPLE_CONFIG, prod)
    assert refusals(load_config(prod), tmp_path) == []
    (tmp_path / "terraform.identity.tfstate").write_text('{"version": 4, "resources": []}')
    (tmp_path / "terraform.cluster.tfstate").write_text("not json")
    assert refusals(load_config(prod), tmp_path) == []
