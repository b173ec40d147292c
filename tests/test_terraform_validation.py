"""The plain-terraform path: the synthesized variable validations, run by real terraform.

A directory holding only a stack's ``variable`` blocks needs no provider, so ``terraform init``
and ``terraform plan`` run offline in a second. The rule conditions are also evaluated by
terraform's RE2 over many values and compared with Python's ``re``: the two engines must agree.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest

from aks_workload_identity import rules
from aks_workload_identity.config import load_config
from aks_workload_identity.problems import ConfigError
from aks_workload_identity.settings import Settings
from aks_workload_identity.settings_fields import RuleValidator
from aks_workload_identity.variables import rule_validations
from tests.conftest import EXAMPLE_CONFIG, EXAMPLES_DIR, example_stacks

TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(
    TERRAFORM is None, reason="terraform CLI not on PATH (needed to run the validation blocks)"
)


def _env() -> dict[str, str]:
    # A configured-but-missing CLI config file only makes terraform print a warning.
    env = {k: v for k, v in os.environ.items() if k != "TF_CLI_CONFIG_FILE"}
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    return env


def terraform(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TERRAFORM, *args, "-no-color"],
        cwd=directory,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def variables_only(directory: Path, stack: dict[str, Any]) -> Path:
    """A terraform root module with only ``stack``'s variables, initialised."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf.json").write_text(json.dumps({"variable": stack["variable"]}))
    init = terraform(directory, "init", "-backend=false", "-input=false")
    assert init.returncode == 0, init.stdout + init.stderr
    return directory


def plan(directory: Path, var_file: Path) -> tuple[int, str]:
    result = terraform(
        directory, "plan", f"-var-file={var_file}", "-input=false", "-lock=false", "-refresh=false"
    )
    return result.returncode, " ".join((result.stdout + result.stderr).split())


@pytest.fixture(scope="module")
def identity_variables(tmp_path_factory, synth) -> Path:
    return variables_only(tmp_path_factory.mktemp("tf") / "identity", synth["identity"])


BAD = """
aks_cluster_name = "aks-demo"
aks_resource_group_name = "rg."
eso_namespace = "External_Secrets"
existing_namespaces = ["apps", "Tools"]
key_vault_name_prefix = "kv--azwi"
identity_key_vault_role = "Key Vault Reader"
refresh_interval = "5 minutes"
eso_chart_version = "v2.9.0"
kubeconfig_path = " "
federated_credential_name = "ab"
kubelogin_login_mode = "devicecode"
"""


@needs_terraform
def test_bad_values_fail_the_plan_with_the_synth_message(identity_variables, tmp_path) -> None:
    bad = tmp_path / "bad.tfvars"
    bad.write_text(BAD)
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    synth_messages = [p.rule for p in caught.value.problems]
    assert len(synth_messages) == 10

    status, output = plan(identity_variables, bad)
    assert status != 0
    for message in synth_messages:
        sentence = message[:1].upper() + message[1:] + "."
        assert sentence in output, message
    assert output.count("Error: Invalid value for variable") >= len(synth_messages)


@needs_terraform
@pytest.mark.parametrize(("path", "stack"), example_stacks())
def test_each_example_plans_cleanly_against_its_own_stacks(
    tmp_path, synth_of, path: Path, stack: str
) -> None:
    directory = variables_only(tmp_path / stack, synth_of(path)[stack])
    status, output = plan(directory, path)
    assert status == 0, output
    assert "No changes." in output
    assert "undeclared variable" not in output
    assert "Warning" not in output


@needs_terraform
def test_a_valid_but_changed_value_asks_for_a_new_synth(identity_variables, tmp_path) -> None:
    changed = tmp_path / "changed.tfvars"
    changed.write_text(EXAMPLE_CONFIG.read_text() + 'eso_namespace = "other-namespace"\n')
    load_config(changed)  # valid: only stale
    status, output = plan(identity_variables, changed)
    assert status != 0
    assert (
        "This stack was synthesized from my.auto.tfvars.example with a different eso_namespace. "
        "Run make synth (or cdktf synth) after editing the configuration."
    ) in output
    assert rules.DNS1123_LABEL.terraform_message not in output


@needs_terraform
def test_an_optional_key_set_after_synth_is_stale_not_undeclared(
    identity_variables, tmp_path
) -> None:
    later = tmp_path / "later.tfvars"
    later.write_text(EXAMPLE_CONFIG.read_text() + 'kubeconfig_context = "aks-demo"\n')
    status, output = plan(identity_variables, later)
    assert status != 0
    assert "undeclared variable" not in output
    assert "with a different kubeconfig_context." in output


def test_rules_found_in_field_metadata_become_conditions() -> None:
    """New fields get validations without variables.py knowing them: rules are found in the
    Annotated metadata, in list and map elements, behind ``| None``, and in Literal choices."""
    field = Settings.model_fields["existing_namespaces"]
    (blank, label, kube) = rule_validations("var.x", field.annotation, tuple(field.metadata))
    assert kube[0] is rules.KUBE_NAMESPACE
    assert label == (
        rules.DNS1123_LABEL,
        f"alltrue([for v0 in var.x : {rules.DNS1123_LABEL.terraform_condition('v0')}])",
    )
    assert blank[0] is rules.NOT_BLANK
    tags = Settings.model_fields["tags"].annotation
    assert [c for c, _ in rule_validations("var.tags", tags)] == [
        rules.AZURE_TAG_NAME,
        rules.AZURE_TAG_VALUE,
    ]
    assert "keys(var.tags)" in rule_validations("var.tags", tags)[0][1]
    optional = Annotated[str, RuleValidator(rules.UUID)] | None
    ((uuid, condition),) = rule_validations("var.id", optional)
    assert uuid is rules.UUID
    assert condition == f"var.id == null ? true : ({rules.UUID.terraform_condition('var.id')})"
    ((choice, condition),) = rule_validations("var.mode", Literal["a", "b"])
    assert (choice.message, condition) == ('must be "a" or "b"', 'contains(["a", "b"], var.mode)')
    ((_, condition),) = rule_validations(
        "var.t", dict[str, Annotated[str, RuleValidator(rules.UUID)]]
    )
    assert condition.startswith("alltrue([for v0 in values(var.t) : ")


def test_every_validation_message_is_a_sentence_as_terraform_requires(synth) -> None:
    for stack in synth.values():
        for variable in stack["variable"].values():
            for validation in variable["validation"]:
                message = validation["error_message"]
                assert message[0].isupper(), message
                assert message.endswith((".", "?")), message


def _samples() -> list[str]:
    """Edge cases of every rule plus random strings over a mixed alphabet (fixed seed)."""
    picked = random.Random(4)
    alphabet = "aZ09-_.()/:+~ ${}%é" + "µ"
    generated = [
        "".join(picked.choice(alphabet) for _ in range(picked.randint(0, 12))) for _ in range(300)
    ]
    edges = [
        "", " ", "a", "A", "0", "-", "a-", "-a", "a--b", "a.b", "a_b", "a(b)", "rg.", "a\nb",
        "a\n", "é", "kv-azwi-eso-", "kv--a", "Kv1", "1kv",
        *("a" * n for n in (2, 3, 19, 20, 24, 25, 63, 64, 90, 91, 120, 121, 127, 128, 253, 254)),
        "1m", "30s", "1h30m", "1.5h", "10ms", "3us", "3µs", "7ns", "0", "00", "1d", "5 m", "-1m",
        "2.9.0", "v2.9.0", "2.9", "01.2.3", "1.2.3-rc.1+build.5", "1.2.3-", "1.2.3+",
        "6dae42f8-4368-4678-94ff-3960e28e3630", "6DAE42F8-4368-4678-94FF-3960E28E3630",
        "6dae42f8436846789 4ff3960e28e3630", "{6dae42f8-4368-4678-94ff-3960e28e3630}",
        "https://example.com", "https://example.com/a b", "http://example.com", "https://",
        "2027-12-31T00:00:00Z", "2027-12-31 00:00:00Z", "2027-12-31T00:00:00+01:00",
        "westeurope", "West Europe", "Key Vault Secrets User", "key vault secrets user",
        "sttfstate01", "tf-state", "tfstate-", "azwi/prod", "a//b", "/a", "a/", "a/.b", "a/b.c",
        "prod", "prod-1", "Prod", "1prod",
        "SecretStore", "secretstore", "ClusterSecretStore", "ClusterSecretStore ",
        ".", "..", "..a", ".a", "a..", "kube-system", "kube-x", "kube-", "a/b", "a<b", "a\\b",
        "50%", "a?", "a&b", "a" * 256, "a" * 257, "a" * 512, "a" * 513,
        *(
            f"/subscriptions/{sub}/{groups}/rg-1/providers/Microsoft.ManagedIdentity"
            f"/userAssignedIdentities/{name}"
            for sub in ("6dae42f8-4368-4678-94ff-3960e28e3630", "6dae42f8")
            for groups in ("resourceGroups", "resourcegroups", "groups")
            for name in ("umi-a", "u", "umi.a")
        ),
        *(
            f"/subscriptions/6dae42f8-4368-4678-94ff-3960e28e3630/{groups}/rg-1/providers/"
            f"Microsoft.KeyVault/{kind}/{name}"
            for groups in ("resourceGroups", "RESOURCEGROUPS")
            for kind in ("vaults", "managedHSMs")
            for name in ("kv-a1", "kv", "kv-", "a" * 24, "a" * 25)
        ),
    ]  # fmt: skip
    return list(dict.fromkeys(edges + generated))


def _every_check() -> dict[str, rules.Check]:
    checks: dict[str, rules.Check] = {
        name: value
        for name, value in vars(rules).items()
        if isinstance(value, rules.Check) and value.terraform_condition("v") is not None
    }
    for key, field in Settings.model_fields.items():
        for index, (check, _) in enumerate(
            rule_validations("v", field.annotation, tuple(field.metadata))
        ):
            checks.setdefault(f"{key}_{index}", check)  # derived checks such as the vault prefix
    return checks


@needs_terraform
def test_terraform_and_python_agree_on_every_rule(tmp_path) -> None:
    samples = _samples()
    checks = _every_check()
    assert {"KEY_VAULT_NAME", "GO_DURATION", "UUID", "KEY_VAULT_SECRETS_ROLE"} <= set(checks)
    assert any(isinstance(c, rules.Suffixed) for c in checks.values())
    # Strings in *.tf.json are templates: escape their template sequences.
    literal = [v.replace("${", "$${").replace("%{", "%%{") for v in samples]
    (tmp_path / "main.tf.json").write_text(json.dumps({"locals": {"samples": literal}}))
    expression = (
        "jsonencode({"
        + ", ".join(
            f'"{name}" = [for v in local.samples : {check.terraform_condition("v")}]'
            for name, check in checks.items()
        )
        + "})"
    )
    result = subprocess.run(
        [TERRAFORM, "console"],
        cwd=tmp_path,
        env=_env(),
        input=expression + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    verdicts = json.loads(json.loads(result.stdout))
    for name, check in checks.items():
        disagreements = [
            (value, python, terraform)
            for value, terraform in zip(samples, verdicts[name], strict=True)
            if (python := check.ok(value)) != terraform
        ]
        assert not disagreements, (name, disagreements)


@needs_terraform
def test_a_changed_list_of_objects_is_stale_though_its_default_is_null(tmp_path, synth_of) -> None:
    example = EXAMPLES_DIR / "many-secrets.tfvars"
    variables = synth_of(example)["secrets"]["variable"]
    # The value is in the staleness check only: as the default it would be copied once more.
    assert variables["external_secrets"]["default"] is None
    assert variables["eso_namespace"]["default"] == "external-secrets"
    changed = tmp_path / "changed.tfvars"
    changed.write_text(
        example.read_text().replace('refresh_interval = "5m"', 'refresh_interval = "6m"')
    )
    load_config(changed)  # valid: only stale
    directory = variables_only(tmp_path / "secrets", synth_of(example)["secrets"])
    status, output = plan(directory, changed)
    assert status != 0
    assert "with a different external_secrets." in output
