"""Literal strings stay literal: a value with ``${`` or ``%{`` in the configuration reaches the
synthesized templates escaped, and Terraform itself reads it back unchanged."""

from __future__ import annotations

import json
import random
import subprocess

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_workload_identity.checks import hcl_string
from aks_workload_identity.config import load_config
from aks_workload_identity.literals import literal
from tests.conftest import REQUIRED, resources, write_config
from tests.test_terraform_validation import TERRAFORM, _env, needs_terraform

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text made of template sequences, their escapes and their pieces.
template_text = st.lists(
    st.sampled_from(["${", "%{", "$${", "%%{", "$", "%", "{", "}", "\\", '"', "a", " ", "x}"]),
    max_size=8,
).map("".join)


def _samples() -> list[str]:
    picked = random.Random(13)
    pieces = ["${", "%{", "$${", "%%{", "$", "%", "{", "}", "\\", '"', "a", " "]
    generated = ["".join(picked.choices(pieces, k=picked.randint(1, 8))) for _ in range(40)]
    edges = ["${x}", "%{ if true }y%{ endif }", "$${x}", "%%{y}", "$$${z}", "${", "%{", "}${"]
    return list(dict.fromkeys(edges + generated))[:40]


tag_names = template_text.filter(lambda t: t.strip() and not set(t) & set("<>%&\\?/"))


@FAST
@given(st.dictionaries(tag_names, template_text, max_size=5))
def test_config_strings_are_escaped_once_and_variable_values_kept(tmp_path_factory, tags) -> None:
    if len({k.casefold() for k in tags}) < len(tags):
        tags = {k.casefold(): v for k, v in tags.items()}
    text = "tags = {\n" + "".join(f"  {hcl_string(k)} = {hcl_string(v)}\n" for k, v in tags.items())
    config = load_config(write_config(tmp_path_factory.mktemp("literal"), REQUIRED + text + "}\n"))
    assert config.tags == {literal(k): literal(v) for k, v in tags.items()}
    assert config.variable_values["tags"] == tags


@needs_terraform
def test_terraform_reads_every_synthesized_literal_back_unchanged(tmp_path, synth_of) -> None:
    values = _samples()
    tags = {f"t{i}": value for i, value in enumerate(values)} | {"n${x}": "a", "{${y}}": "b"}
    found = {"k${a}": "v%{b}"}
    text = (
        REQUIRED
        + "tags = {\n"
        + "".join(f"  {hcl_string(k)} = {hcl_string(v)}\n" for k, v in tags.items())
        + "}\n"
        + f"kubeconfig_context = {hcl_string('ctx ${x} %{y}')}\n"
        + 'external_secrets = [{ name = "app", namespace = "apps", data_from = [{ find = { tags = '
        + "{ "
        + " ".join(f"{hcl_string(k)} = {hcl_string(v)}" for k, v in found.items())
        + " } } }] }]\n"
    )
    source = tmp_path / "odd-${name}-%{x}.tfvars"
    source.write_text(text)
    synthesized = synth_of(source)
    identity, cluster, secrets = (synthesized[s] for s in ("identity", "cluster", "secrets"))
    (vault,) = resources(identity, "azurerm_key_vault").values()
    (created,) = resources(identity, "azurerm_user_assigned_identity").values()
    (manifest,) = [
        m["manifest"]
        for m in resources(secrets, "kubernetes_manifest").values()
        if m["manifest"]["kind"] == "ExternalSecret"
    ]
    stale = identity["variable"]["tags"]["validation"][-1]["error_message"]
    written = {
        "vault_tags": vault["tags"],
        "identity_tags": created["tags"],
        "context": cluster["provider"]["kubernetes"][0]["config_context"],
        "find_tags": manifest["spec"]["dataFrom"][0]["find"]["tags"],
        "message": stale,
    }
    # Strings in *.tf.json are templates wherever they are: a local reads them as a resource does.
    (tmp_path / "main.tf.json").write_text(json.dumps({"locals": written}))
    result = subprocess.run(
        [TERRAFORM, "console"],
        cwd=tmp_path,
        env=_env(),
        input="jsonencode(local)\n".replace(
            "local", "{" + ", ".join(f"{k} = local.{k}" for k in written) + "}"
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    read = json.loads(json.loads(result.stdout))
    assert read["vault_tags"] == tags
    assert read["identity_tags"] == tags
    assert read["context"] == "ctx ${x} %{y}"
    assert read["find_tags"] == found
    assert read["message"].startswith(f"This stack was synthesized from {source.name} with")
