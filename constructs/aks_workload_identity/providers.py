"""The one place provider bindings are imported, and everything that differs between the
flavours' bindings: the package names, and the functions at the end
(``federated_identity_credential``, ``namespace_v1``, ``namespace_v1_name``) for the arguments
azurerm 5 and kubernetes 3 changed. Each binding is imported through ``binding_imports``.
"""

from __future__ import annotations

from collections.abc import Sequence

from aks_workload_identity.binding_imports import submodule
from aks_workload_identity.cdk import FLAVOUR, ITerraformDependable

# The prebuilt bindings of each flavour (which provider versions they bind: docs/flavours.md).
_BINDINGS_PREFIX = {"cdktf": "cdktf_cdktf_provider_", "cdktn": "cdktn_provider_"}[FLAVOUR]
_AZURERM = f"{_BINDINGS_PREFIX}azurerm"
_KUBERNETES = f"{_BINDINGS_PREFIX}kubernetes"
_HELM = f"{_BINDINGS_PREFIX}helm"
_TIME = f"{_BINDINGS_PREFIX}time"
_RANDOM = f"{_BINDINGS_PREFIX}random"

_azurerm_provider = submodule(_AZURERM, "provider")
AzurermProvider = _azurerm_provider.AzurermProvider
AzurermProviderFeatures = _azurerm_provider.AzurermProviderFeatures
AzurermProviderFeaturesKeyVault = _azurerm_provider.AzurermProviderFeaturesKeyVault
DataAzurermClientConfig = submodule(_AZURERM, "data_azurerm_client_config").DataAzurermClientConfig
DataAzurermKubernetesCluster = submodule(
    _AZURERM, "data_azurerm_kubernetes_cluster"
).DataAzurermKubernetesCluster
UserAssignedIdentity = submodule(_AZURERM, "user_assigned_identity").UserAssignedIdentity
DataAzurermUserAssignedIdentity = submodule(
    _AZURERM, "data_azurerm_user_assigned_identity"
).DataAzurermUserAssignedIdentity
FederatedIdentityCredential = submodule(
    _AZURERM, "federated_identity_credential"
).FederatedIdentityCredential
_key_vault = submodule(_AZURERM, "key_vault")
KeyVault = _key_vault.KeyVault
KeyVaultNetworkAcls = _key_vault.KeyVaultNetworkAcls
KeyVaultSecret = submodule(_AZURERM, "key_vault_secret").KeyVaultSecret
DataAzurermKeyVault = submodule(_AZURERM, "data_azurerm_key_vault").DataAzurermKeyVault
RoleAssignment = submodule(_AZURERM, "role_assignment").RoleAssignment

_kubernetes_provider = submodule(_KUBERNETES, "provider")
KubernetesProvider = _kubernetes_provider.KubernetesProvider
KubernetesProviderExec = _kubernetes_provider.KubernetesProviderExec
_namespace = submodule(_KUBERNETES, "namespace_v1")
NamespaceV1 = _namespace.NamespaceV1
NamespaceV1Metadata = _namespace.NamespaceV1Metadata
_service_account = submodule(_KUBERNETES, "service_account_v1")
ServiceAccountV1 = _service_account.ServiceAccountV1
ServiceAccountV1Metadata = _service_account.ServiceAccountV1Metadata
DataKubernetesResources = submodule(
    _KUBERNETES, "data_kubernetes_resources"
).DataKubernetesResources
_annotations = submodule(_KUBERNETES, "annotations")
Annotations = _annotations.Annotations
AnnotationsMetadata = _annotations.AnnotationsMetadata
_manifest = submodule(_KUBERNETES, "manifest")
Manifest = _manifest.Manifest
ManifestTimeouts = _manifest.ManifestTimeouts
ManifestWait = _manifest.ManifestWait
ManifestWaitCondition = _manifest.ManifestWaitCondition

_helm_provider = submodule(_HELM, "provider")
HelmProvider = _helm_provider.HelmProvider
HelmProviderKubernetes = _helm_provider.HelmProviderKubernetes
HelmProviderKubernetesExec = _helm_provider.HelmProviderKubernetesExec
Release = submodule(_HELM, "release").Release

TimeProvider = submodule(_TIME, "provider").TimeProvider
Sleep = submodule(_TIME, "sleep").Sleep

RandomProvider = submodule(_RANDOM, "provider").RandomProvider
RandomString = submodule(_RANDOM, "string_resource").StringResource
RandomPassword = submodule(_RANDOM, "password").Password


def federated_identity_credential(
    scope: object,
    id_: str,
    *,
    name: str,
    identity_id: str,
    resource_group_name: str,
    issuer: str,
    subject: str,
    audience: Sequence[str],
    depends_on: Sequence[ITerraformDependable] | None = None,
) -> FederatedIdentityCredential:
    """A federated credential on the user-assigned identity ``identity_id``.

    azurerm 4 (cdktf) names the identity by ``parent_id`` and needs its ``resource_group_name``;
    azurerm 5 (cdktn) replaced both with ``user_assigned_identity_id`` (5.0 upgrade guide).
    """
    if FLAVOUR == "cdktn":
        where = {"user_assigned_identity_id": identity_id}
    else:
        where = {"resource_group_name": resource_group_name, "parent_id": identity_id}
    return FederatedIdentityCredential(
        scope,
        id_,
        name=name,
        **where,
        issuer=issuer,
        subject=subject,
        audience=audience,
        depends_on=depends_on,
    )


def namespace_v1(
    scope: object, id_: str, *, name: str, labels: dict[str, str] | None = None
) -> NamespaceV1:
    """A ``kubernetes_namespace_v1``. kubernetes 2.x (cdktf) binds its ``metadata`` block as a
    single struct, kubernetes 3.x (cdktn) as a list of one (the same block to Terraform)."""
    metadata = NamespaceV1Metadata(name=name, labels=labels)
    return NamespaceV1(scope, id_, metadata=[metadata] if FLAVOUR == "cdktn" else metadata)


def namespace_v1_name(namespace: NamespaceV1) -> str:
    """A reference to the namespace's name (``metadata[0].name`` in both flavours)."""
    metadata = namespace.metadata.get(0) if FLAVOUR == "cdktn" else namespace.metadata
    return metadata.name
