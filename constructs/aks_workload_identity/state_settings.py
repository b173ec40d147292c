"""Where each stack's state is: the ``environment`` that keeps configurations apart and the
``remote_state`` block for Terraform's ``azurerm`` backend (Entra ID sign-in only)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, ValidatorFunctionWrapHandler, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from aks_workload_identity import rules
from aks_workload_identity.config_model import RemoteStateConfig, StateConfig
from aks_workload_identity.settings_fields import Text, rule, validate_adding

# The azurerm backend's arguments that sign in with a storage key or a secret. The state holds
# every output and the seed secret's metadata: only an Entra ID identity with a data-plane role
# on the container may read it, and no file of the project holds a credential.
CREDENTIAL_ARGUMENTS = frozenset(
    {
        "access_key",
        "sas_token",
        "client_secret",
        "client_certificate",
        "client_certificate_password",
        "client_certificate_path",
        "use_azuread_auth",
    }
)
ENTRA_ID_ONLY = (
    "not accepted: remote state is read with Entra ID only (use_azuread_auth is always on)"
)
SIGN_IN_HINT = "sign in with az login, or set ARM_USE_OIDC and ARM_CLIENT_ID in the pipeline"


class RemoteStateSettings(BaseModel):
    """An Azure Storage container holding one state blob per stack (and environment)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    storage_account_name: Annotated[Text, rule(rules.STORAGE_ACCOUNT_NAME)]
    container_name: Annotated[Text, rule(rules.STORAGE_CONTAINER_NAME)]
    key_prefix: Annotated[Text, rule(rules.STATE_KEY_PREFIX)] | None = None
    resource_group_name: Annotated[Text, rule(rules.RESOURCE_GROUP_NAME)] | None = None
    subscription_id: Annotated[Text, rule(rules.UUID)] | None = None
    tenant_id: Annotated[Text, rule(rules.UUID)] | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _entra_id_only(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        refused = []
        if isinstance(data, dict):
            error = PydanticCustomError("refused", ENTRA_ID_ONLY, {"suggestion": SIGN_IN_HINT})
            refused = [
                InitErrorDetails(type=error, loc=(k,), input=None)
                for k in data
                if k in CREDENTIAL_ARGUMENTS
            ]
            data = {k: v for k, v in data.items() if k not in CREDENTIAL_ARGUMENTS}
        return validate_adding(handler, data, refused)


def state_config(environment: str | None, remote: RemoteStateSettings | None) -> StateConfig:
    return StateConfig(
        environment=environment,
        remote=None if remote is None else RemoteStateConfig(**remote.model_dump()),
    )
