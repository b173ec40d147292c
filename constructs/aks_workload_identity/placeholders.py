"""Placeholder secrets: every Key Vault secret an ExternalSecret reads by name exists after deploy.

The vault is created in the same run under a random name, so nobody can fill it first, and ESO
never reports an ExternalSecret Ready while a secret it names is missing (Key Vault's 404 is a
``NoSecretError``, which fails the sync under ``deletionPolicy: Retain``). So the deployment
writes a random placeholder into each, the way it writes the seed secret: through the write-only
``value_wo`` (in no file and not in the secret's state) with a fixed ``value_wo_version``, so a
value set later with ``az keyvault secret set`` is never reverted. A secret an ``extract`` reads
must hold a JSON object, so it gets ``{"placeholder": "<random>"}``.

``find`` names no secret and gets none: in ESO 2.9 a find that matches nothing leaves the
ExternalSecret Ready ("secret retained due to DeletionPolicy=Retain") without creating its
Secret, which appears at the first refresh after a matching secret does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from constructs import Construct

from aks_workload_identity import rules
from aks_workload_identity.cdk import Fn, ITerraformDependable, TerraformIterator
from aks_workload_identity.providers import KeyVaultSecret, RandomPassword
from aks_workload_identity.secret_data import Extract, ReadsSecrets

PLACEHOLDER_FIELD = "placeholder"
JSON_CONTENT_TYPE = "application/json"


def secrets_read_by_name(external_secrets: Iterable[ReadsSecrets]) -> dict[str, bool]:
    """Each Key Vault secret named by a ``data`` remote key or an ``extract`` key, in name order,
    and whether it must hold a JSON object (an extract reads it)."""
    json_object: dict[str, bool] = {}
    for reader in external_secrets:
        for item in reader.data:
            json_object.setdefault(item.remote_key, False)
        for source in reader.data_from:
            if isinstance(source, Extract):
                json_object[source.key] = True
    return dict(sorted(json_object.items()))


def json_placeholder(value: str) -> str:
    """``{"placeholder": value}`` as a Terraform expression, for a token such as a password's."""
    return Fn.jsonencode({PLACEHOLDER_FIELD: value})


@dataclass(frozen=True)
class PlaceholderSecretsProps:
    """``secrets``: name → ``True`` for a JSON object placeholder (read by an extract), ``False``
    for plain text, written into the vault ``key_vault_id``. ``content_type`` (default
    ``"text/plain"``) is recorded on the plain ones, ``application/json`` on the others; an
    optional ``expiration_date`` (RFC 3339 UTC) on all of them."""

    key_vault_id: str
    secrets: Mapping[str, bool]
    content_type: str = "text/plain"
    expiration_date: str | None = None

    def __post_init__(self) -> None:
        problems = rules.PropsProblems("PlaceholderSecretsProps")
        if not self.secrets:
            problems.add("secrets must name at least one secret")
        for name in self.secrets:
            problems.require("secrets", name, rules.KEY_VAULT_SECRET_NAME)
        problems.raise_any()


class PlaceholderSecrets(Construct):
    """Creates ``values`` (a ``random_password`` per secret) and ``secrets`` (the Key Vault
    secrets), each one resource with ``for_each`` over the names, so that synth time does not grow
    with their number. Pass the deployer's role-propagation wait in ``depends_on``.

    The placeholders belong to the deployment: a name no longer read by any ExternalSecret is
    deleted from the vault at the next deploy, whatever value it holds by then.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        props: PlaceholderSecretsProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id_)
        self.props = props
        each = {
            name: {
                "json": json,
                "content_type": JSON_CONTENT_TYPE if json else props.content_type,
            }
            for name, json in props.secrets.items()
        }
        self.values = RandomPassword(
            self, "values", for_each=TerraformIterator.from_map(each), length=32, special=True
        )
        # The random value of this secret's own name: an instance of the for_each resource above.
        value = f"random_password.{self.values.friendly_unique_id}[each.key].result"
        secrets = TerraformIterator.from_map(each)
        self.secrets = KeyVaultSecret(
            self,
            "secrets",
            for_each=secrets,
            name=secrets.key,
            key_vault_id=props.key_vault_id,
            value_wo=(
                f'${{each.value.json ? jsonencode({{"{PLACEHOLDER_FIELD}" = {value}}}) : {value}}}'
            ),
            value_wo_version=1,
            content_type=secrets.get_string("content_type"),
            expiration_date=props.expiration_date,
            depends_on=list(depends_on) or None,
        )
