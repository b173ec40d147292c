"""kubelogin, the exec plugin that gets the kubernetes and helm providers an Entra ID token.

Terraform runs the plugin without a terminal and never shows what it prints on stderr
(terraform-provider-kubernetes#606), so a login that waits for a person (a device code, a browser)
hangs the deploy. Only the modes that need nobody are accepted. What each mode reads is
kubelogin's own (``pkg/internal/token/options.go``, ``UpdateFromEnv``; environment variables win
over arguments): ``spn`` and ``workloadidentity`` refuse to start without a tenant ID
("tenant ID cannot be empty"), so it is passed as an argument; the client ID and the secret,
certificate or token file come from the environment, because Terraform has no value for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from aks_workload_identity import rules

# The AKS Entra server application: the same ID in every tenant and every cluster.
AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
LOGIN_MODES = ("azurecli", "spn", "msi", "workloadidentity", "azd")
NEEDS_TENANT = frozenset({"spn", "workloadidentity"})
# kubelogin's modes that wait for a person at a prompt Terraform never shows.
INTERACTIVE_MODES = ("devicecode", "interactive")


@dataclass(frozen=True)
class NotInteractive(rules.Check):
    """Not a kubelogin login that waits for a person."""

    @property
    def message(self) -> str:
        listed = " and ".join(f'"{m}"' for m in INTERACTIVE_MODES)
        return (
            "kubelogin login mode must be one that needs nobody at a prompt: Terraform runs "
            f"kubelogin without a terminal and never shows the prompt, so {listed} would hang "
            "the deploy"
        )

    def ok(self, value: str) -> bool:
        return value not in INTERACTIVE_MODES

    def terraform_condition(self, expression: str) -> str:
        listed = ", ".join(rules.hcl_string(m) for m in INTERACTIVE_MODES)
        return f"!contains([{listed}], {expression})"

    def suggestion(self, value: str) -> str:
        return 'use "azurecli" after az login; in CI "spn", "workloadidentity" or "msi"'


NOT_INTERACTIVE = NotInteractive()
LOGIN_MODE = rules.OneOf("kubelogin_login_mode", LOGIN_MODES)


def kubelogin_args(login_mode: str, tenant_id: str | None = None) -> list[str]:
    """``kubelogin get-token`` arguments for an AKS cluster (Entra ID token on stdout).

    ``tenant_id`` is passed only to the modes that cannot start without one.
    """
    args = ["get-token", "--login", login_mode, "--server-id", AKS_SERVER_APP_ID]
    if login_mode in NEEDS_TENANT:
        if tenant_id is None:
            raise ValueError(f"kubelogin --login {login_mode} needs a tenant ID")
        args += ["--tenant-id", tenant_id]
    return args
