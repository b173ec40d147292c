"""The one place provider bindings are imported.

The prebuilt bindings' package ``__init__`` eagerly imports every resource submodule (azurerm:
1,527 of them, ~10 s and ~450 MB). Each submodule only needs the package's ``_jsii`` module (which
loads the jsii assembly), ``cdktf`` and ``constructs``. So the package is registered in
``sys.modules`` *without* running its ``__init__``, ``_jsii`` is imported, and then only the
submodules this project uses. The synthesized JSON is byte-identical (see
``tests/test_providers.py``).

The Node side has the same problem (the provider's ``lib/index.js`` requires every resource);
``lazy_provider_index.js``, preloaded by ``runtime.py``, makes those requires lazy.

Both are skipped, and the ordinary import used, when ``AZWI_FAST_IMPORTS=0`` is set (the
benchmark's baseline), and each falls back by itself when a package does not have the layout it
relies on.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType

from aks_workload_identity.runtime import fast_imports_enabled


def _has_jsii_layout(package: str) -> bool:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return False
    root = next(iter(spec.submodule_search_locations))
    return os.path.isfile(os.path.join(root, "_jsii", "__init__.py"))


def _register_without_init(package: str) -> None:
    """Put ``package`` in ``sys.modules`` as a bare namespace whose ``__init__`` never runs."""
    if package in sys.modules:
        return
    spec = importlib.util.find_spec(package)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    importlib.import_module(f"{package}._jsii")


def submodule(package: str, name: str) -> ModuleType:
    """Import ``package.name`` without importing the rest of ``package``."""
    if fast_imports_enabled() and _has_jsii_layout(package):
        _register_without_init(package)
    else:
        importlib.import_module(package)
    return importlib.import_module(f"{package}.{name}")


_AZURERM = "cdktf_cdktf_provider_azurerm"
_KUBERNETES = "cdktf_cdktf_provider_kubernetes"
_HELM = "cdktf_cdktf_provider_helm"
_TIME = "cdktf_cdktf_provider_time"
_RANDOM = "cdktf_cdktf_provider_random"

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
