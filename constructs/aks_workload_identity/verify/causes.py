"""The likely cause of a failure, read from the messages ESO writes (ESO 2.9: the azurekv
provider's errors, Entra's AADSTS codes and Key Vault's error codes that it passes on)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aks_workload_identity.verify.expectations import ExpectedStore

CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id"


@dataclass(frozen=True)
class Context:
    """What a cause names: the store's service account and the vault."""

    store: ExpectedStore | None = None
    vault: str = "the vault"

    @property
    def account(self) -> str:
        s = self.store
        return f"service account {s.namespace}/{s.service_account}" if s else "the service account"

    @property
    def subject(self) -> str:
        s = self.store
        return f"system:serviceaccount:{s.namespace}:{s.service_account}" if s else "its subject"


# (pattern in the message, cause): the first match wins, so specific codes come before the
# generic texts that accompany them.
_CAUSES: tuple[tuple[str, str], ...] = (
    (
        r"missing clientID",
        "{account} has no " + CLIENT_ID_ANNOTATION + " annotation (ESO errMissingClient): "
        "deploy the cluster stack again, or annotate it with the identity's client ID",
    ),
    (
        r"missing tenantID",
        "{account} has no " + TENANT_ID_ANNOTATION + " annotation and the store no tenantId "
        "(ESO errMissingTenant): deploy the cluster stack again",
    ),
    (
        r"multiple tenantID",
        "the tenant is set twice, on {account} (" + TENANT_ID_ANNOTATION + ") and in the "
        "store's tenantId (ESO errMultipleTenantID): keep only the annotation",
    ),
    (
        r"serviceaccounts? \"[^\"]+\" not found",
        "{account} does not exist: deploy the cluster stack",
    ),
    (
        r"denied by spec\.condition",
        "the ClusterSecretStore's conditions exclude this namespace (it serves only the namespaces "
        "of the ExternalSecrets configured for it): configure the ExternalSecret, or add the "
        "namespace to the store's allowed_namespaces, and deploy again",
    ),
    (
        r"namespace not allowed with namespaced SecretStore",
        "a SecretStore names a service account of another namespace (ESO errNamespaceNotAllowed): "
        "it can only use one of its own namespace",
    ),
    (
        r"AADSTS700211",
        "the federated credential's issuer is not the cluster's OIDC issuer (AADSTS700211): "
        "check oidc_issuer_url / the AKS cluster the identity stack read, and deploy it again",
    ),
    (
        r"AADSTS700212",
        "the federated credential's audience is not api://AzureADTokenExchange (AADSTS700212)",
    ),
    (
        r"AADSTS70021\b|AADSTS700213|No matching federated identity record",
        "no federated credential matches subject {subject} and the cluster's issuer "
        "(federated credential subject mismatch, AADSTS70021/700213): the identity must trust "
        "that service account; or it was created moments ago (Entra propagation, retried)",
    ),
    (
        r"AADSTS700016",
        "the " + CLIENT_ID_ANNOTATION + " annotation on {account} names no application in "
        "this tenant (AADSTS700016): a wrong client ID, or a wrong " + TENANT_ID_ANNOTATION,
    ),
    (
        r"AADSTS90002|AADSTS900023|AADSTS90013",
        "the tenant on {account} (" + TENANT_ID_ANNOTATION + ") is wrong or not a tenant "
        "(AADSTS90002/900023)",
    ),
    (
        r"ForbiddenByRbac|Caller is not authorized to perform action",
        "the identity has no Key Vault role on {vault} that allows reading secrets (missing "
        "role assignment, Key Vault Secrets User; ForbiddenByRbac); a new assignment can take "
        "up to 10 minutes to apply",
    ),
    (
        r"ForbiddenByFirewall|Client address is not authorized",
        "{vault}'s firewall does not admit the cluster's outbound address (ForbiddenByFirewall): "
        "add its egress IP to key_vault_allowed_ip_ranges or its subnet to "
        "key_vault_allowed_subnet_ids",
    ),
    (
        r"ForbiddenByConnection|Public network access is disabled",
        "{vault} has public network access disabled and the cluster reaches it without a "
        "private endpoint (vault firewall)",
    ),
    (
        r"Secret does not exist|SecretNotFound|StatusCode=404",
        "missing vault secret{named} in {vault}: store it (README, Placeholder secrets)",
    ),
    (
        r"error unmarshalling json data",
        "a secret that data_from.extract reads does not hold a JSON object",
    ),
    (
        r"no such host|dial tcp|i/o timeout|connection refused",
        "the cluster cannot reach Entra ID or {vault} (DNS, egress or vault firewall)",
    ),
)

_REMOTE_KEY = re.compile(r"\(key: ([^)]+)\)")


def likely_cause(message: str | None, context: Context, remote_key: str | None = None) -> str:
    """The cause the message points to, or the message itself when none is known;
    ``remote_key``: the vault secret the failing entry reads, when the message does not say."""
    if not message:
        return (
            "ESO wrote no error event (events expire after an hour): "
            "kubectl describe it and see the external-secrets controller's log"
        )
    key = _REMOTE_KEY.search(message)
    values = {
        "account": context.account,
        "subject": context.subject,
        "vault": context.vault,
        "named": f" {key.group(1) if key else remote_key}" if key or remote_key else "",
    }
    for pattern, cause in _CAUSES:
        if re.search(pattern, message):
            return cause.format(**values)
    return f"not one this tool knows; ESO says: {message}"


# Your own az login, reading the vault to learn what a Secret should hold.
_YOUR_CAUSES: tuple[tuple[str, str], ...] = (
    (r"az login|AADSTS700082|refresh token has expired", "az is not logged in: run az login"),
    (
        r"ForbiddenByRbac|not authorized to perform action",
        "your az login has no role on {vault} that reads secrets (the deployer gets Key Vault "
        "Secrets Officer): are you logged in as the deploying user?",
    ),
    (
        r"ForbiddenByFirewall|Client address is not authorized|ForbiddenByConnection",
        "{vault}'s firewall does not admit your address (key_vault_allowed_ip_ranges)",
    ),
    (r"SecretNotFound|was not found", "missing vault secret {secret} in {vault}"),
)


def your_vault_cause(message: str, vault: str, secret: str = "") -> str:
    for pattern, cause in _YOUR_CAUSES:
        if re.search(pattern, message):
            return cause.format(vault=vault, secret=secret)
    return f"az says: {message}"
