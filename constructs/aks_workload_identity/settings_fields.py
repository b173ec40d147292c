"""The pydantic glue under the settings schema: a ``rules.Check`` as field metadata, problems
reported together with pydantic's own, unique list items, and the common field types."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    GetCoreSchemaHandler,
    StrictStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from aks_workload_identity import rules
from aks_workload_identity.invariants import repeats


@dataclass(frozen=True)
class RuleValidator:
    """Field metadata applying a ``rules.Check``; variables.py finds it to emit the same check."""

    rule: rules.Check

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._validate, handler(source))

    def _validate(self, value: str) -> str:
        problem = self.rule.problem(value)
        if problem is not None:
            raise PydanticCustomError("rule", problem, {"suggestion": self.rule.suggestion(value)})
        return value


def rule(check: rules.Check) -> RuleValidator:
    return RuleValidator(check)


def validate_adding(
    handler: ValidatorFunctionWrapHandler, value: Any, extra: list[InitErrorDetails]
) -> Any:
    """``handler(value)``, failing with its errors and ``extra`` together (all at once)."""
    errors = list(extra)
    try:
        result = handler(value)
    except ValidationError as error:
        errors[:0] = [
            InitErrorDetails(
                type=PydanticCustomError(e["type"], e["msg"], e.get("ctx")),
                loc=e["loc"],
                input=e.get("input"),
            )
            for e in error.errors()
        ]
    if errors:
        raise ValidationError.from_exception_data("settings", errors)
    return result


def unique(what: str, fields: tuple[str, ...] = ()) -> WrapValidator:
    """A list validator: no two items are equal (or, for objects, have equal ``fields``).

    It compares the items as written, so a repeat is reported together with any other problem
    in the list; each repeat at its own index (at ``fields[-1]`` for objects).
    """

    def identity(item: Any) -> Hashable | None:
        if not fields:
            return item if isinstance(item, str) else None
        if not isinstance(item, dict):
            return None
        values = tuple(item.get(f) for f in fields)
        return values if all(isinstance(v, str) for v in values) else None

    def validate(items: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        keys = [identity(item) for item in (items if isinstance(items, list) else [])]
        errors = []
        for index, seen in repeats(keys).items():
            key = keys[index]
            assert key is not None
            error = PydanticCustomError(
                "duplicate", "{what} is the same as item {first}", {"what": what, "first": seen}
            )
            at, shown = ((index, fields[-1]), key[-1]) if fields else ((index,), key)
            errors.append(InitErrorDetails(type=error, loc=at, input=shown))
        return validate_adding(handler, items, errors)

    return WrapValidator(validate)


Text = Annotated[StrictStr, rule(rules.NOT_BLANK)]
Namespace = Annotated[Text, rule(rules.DNS1123_LABEL), rule(rules.KUBE_NAMESPACE)]
K8sName = Annotated[Text, rule(rules.DNS1123_SUBDOMAIN)]
Duration = Annotated[Text, rule(rules.GO_DURATION)]
Version = Annotated[Text, rule(rules.SEMVER)]
ConfigKey = Annotated[Text, rule(rules.CONFIG_KEY)]
FederatedCredentialName = Annotated[Text, rule(rules.FEDERATED_CREDENTIAL_NAME)]
ManagedIdentityName = Annotated[Text, rule(rules.MANAGED_IDENTITY_NAME)]
KeyVaultSecretsRole = Annotated[Text, rule(rules.KEY_VAULT_SECRETS_ROLE)]
KeyVaultSecretName = Annotated[Text, rule(rules.KEY_VAULT_SECRET_NAME)]
SecretDataKey = Annotated[Text, rule(rules.SECRET_DATA_KEY)]
KeyVaultIpRule = Annotated[Text, rule(rules.KEY_VAULT_IP_RULE)]
SubnetId = Annotated[Text, rule(rules.AZURE_SUBNET_ID)]
SecretContentType = Annotated[Text, rule(rules.SECRET_CONTENT_TYPE)]
UtcTimestamp = Annotated[Text, rule(rules.UTC_TIMESTAMP)]
StoreKind = Annotated[Text, rule(rules.STORE_KIND)]
NamespaceLabels = dict[
    Annotated[StrictStr, rule(rules.LABEL_KEY)],
    Annotated[StrictStr, rule(rules.LABEL_VALUE)],
]
AzureTags = dict[
    Annotated[StrictStr, rule(rules.AZURE_TAG_NAME)],
    Annotated[StrictStr, rule(rules.AZURE_TAG_VALUE)],
]
