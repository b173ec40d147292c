"""Quoted input: cut to a readable length; what looks like a credential hidden, what does not
(names, GUIDs, resource IDs, URLs) shown."""

from __future__ import annotations

import pytest

from aks_workload_identity.quoting import HIDDEN, LONGEST_SHOWN, quoted_line, shown

RESOURCE_ID = (
    "/subscriptions/3F2B7C1E-8D4A-4B6E-9C0F-5A1D2E3F4A5B/resourceGroups/rg-orders/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/umi-orders"
)


@pytest.mark.parametrize(
    "text",
    [
        'client_secret = "hunter2"',
        '"password": "correct horse"',
        "Qx7vB2mN9kL4pR8sT1wY6zA3cD5fG0hJ",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
        "DefaultEndpointsProtocol=https;AccountKey=abc/def+ghi==;EndpointSuffix=core",
        "-----BEGIN PRIVATE KEY-----",
    ],
)
def test_what_looks_like_a_credential_is_hidden(text) -> None:
    assert HIDDEN in shown(text)
    for secret in ("hunter2", "correct horse", "Qx7vB2mN9k", "c2lnbmF0", "abc/def", "PRIVATE"):
        assert secret not in shown(text)


@pytest.mark.parametrize(
    "text",
    [
        'key_vault_secret_name = "external-keyvault-secret"',
        "3f2b7c1e-8d4a-4b6e-9c0f-5a1d2e3f4a5b",
        RESOURCE_ID[:LONGEST_SHOWN],
        "https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/",
        "federated_credential_name = external-secrets-workload-identity-sa",
    ],
)
def test_names_ids_and_urls_are_shown(text) -> None:
    assert shown(text) == text


def test_long_input_is_cut_and_a_line_quoted_stripped() -> None:
    assert shown("x" * 500) == "x" * (LONGEST_SHOWN - 1) + "…"
    assert quoted_line('  a = "b"  \r') == "'a = \"b\"'"
