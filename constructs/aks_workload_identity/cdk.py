"""The CDK core library of the chosen flavour (``runtime.cdk_flavour()``): the one place it is
imported. cdktn is a rename of cdktf with the same Python API, so every name here is the same in
both; only the package differs (``from cdktf import App`` / ``from cdktn import App``)."""

from __future__ import annotations

import importlib

from aks_workload_identity.runtime import cdk_flavour

FLAVOUR = cdk_flavour()
_core = importlib.import_module(FLAVOUR)

App = _core.App
AzurermBackend = _core.AzurermBackend
DataResource = _core.DataResource
Fn = _core.Fn
ITerraformDependable = _core.ITerraformDependable
LocalBackend = _core.LocalBackend
Op = _core.Op
Postcondition = _core.Postcondition
Precondition = _core.Precondition
TerraformOutput = _core.TerraformOutput
TerraformResource = _core.TerraformResource
TerraformResourceLifecycle = _core.TerraformResourceLifecycle
TerraformStack = _core.TerraformStack
TerraformVariable = _core.TerraformVariable
TerraformVariableValidationConfig = _core.TerraformVariableValidationConfig
TerraformIterator = _core.TerraformIterator
Testing = _core.Testing
Token = _core.Token

# Terraform (and OpenTofu) 1.11 are the first with write-only arguments: the seed secret's
# value_wo. cdktn checks each feature against the versions a project targets, by default
# terraform >= 1.5.7, and stops the synth; cdktf reads no such context.
TARGET_VERSIONS_CONTEXT = "targetVersions"
TARGET_VERSIONS = {"terraform": ">=1.11.0", "opentofu": ">=1.11.0"}


def declare_target_versions(stack: object) -> None:
    """Tell the CDK which Terraform versions ``stack`` is for (before it gets any children)."""
    stack.node.set_context(TARGET_VERSIONS_CONTEXT, TARGET_VERSIONS)
