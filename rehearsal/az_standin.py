"""A stand-in ``az`` with one user signed in, for the backend's Azure CLI sign-in (``use_cli``).

Terraform runs ``az version``, ``az account show`` (tenant and default subscription) and ``az
account get-access-token --scope ... --tenant ...``. Like the real CLI this reads the profile and
token cache (MSAL's format, reduced to the refresh token) that ``install`` writes into
``AZURE_CONFIG_DIR``, as ``az login`` would, and redeems the cached refresh token at Entra ID's
token endpoint, through ``HTTPS_PROXY`` and trusting ``SSL_CERT_FILE``. Run as a script with
``python -S``, so it imports only the stdlib.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

# The Azure CLI's public client application, the same in every tenant.
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
VERSION = "2.67.0"
_PROFILE, _CACHE = "azureProfile.json", "msal_token_cache.json"


def install(
    directory: Path,
    login_host: str,
    tenant_id: str,
    user_name: str,
    refresh_token: str,
    subscription_id: str,
) -> dict[str, str]:
    """Writes ``az`` and a signed-in profile under ``directory``; returns the variables that
    put them first for a process."""
    config = directory / "azure-cli"
    config.mkdir(parents=True, exist_ok=True)
    subscription = {
        "id": subscription_id,
        "name": "rehearsal",
        "state": "Enabled",
        "user": {"name": user_name, "type": "user"},
        "isDefault": True,
        "tenantId": tenant_id,
        "homeTenantId": tenant_id,
        "environmentName": "AzureCloud",
        "managedByTenants": [],
    }
    (config / _PROFILE).write_text(json.dumps({"subscriptions": [subscription]}))
    refresh = {
        "credential_type": "RefreshToken",
        "environment": login_host,
        "client_id": AZURE_CLI_CLIENT_ID,
        "home_account_id": user_name,
        "secret": refresh_token,
    }
    cache = {"RefreshToken": {user_name: refresh}}
    (config / _CACHE).write_text(json.dumps(cache))
    (config / _CACHE).chmod(0o600)
    bin_dir = directory / "bin"
    bin_dir.mkdir(exist_ok=True)
    az = bin_dir / "az"
    az.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "{Path(__file__).resolve()}" "$@"\n')
    az.chmod(0o755)
    return {
        "AZURE_CONFIG_DIR": str(config),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _fail(message: str) -> int:
    print(f"ERROR: {message}", file=sys.stderr)
    return 1


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args[:-1] else None


def _access_token(config: Path, account: dict, args: list[str]) -> dict | None:
    scope = _option(args, "--scope") or f"{_option(args, '--resource')}/.default"
    tenant = _option(args, "--tenant") or account["tenantId"]
    cache = json.loads((config / _CACHE).read_text())
    refresh = cache["RefreshToken"][account["user"]["name"]]
    form = urllib.parse.urlencode(
        {
            "client_id": refresh["client_id"],
            "grant_type": "refresh_token",
            "refresh_token": refresh["secret"],
            "scope": f"{scope} offline_access openid profile",
        }
    ).encode()
    url = f"https://{refresh['environment']}/{tenant}/oauth2/v2.0/token"
    try:
        with urllib.request.urlopen(url, data=form, timeout=30) as response:
            token = json.load(response)
    except urllib.error.HTTPError as refused:
        print(f"ERROR: AADSTS refusal: {refused.read().decode()}", file=sys.stderr)
        return None
    expires = datetime.datetime.now() + datetime.timedelta(seconds=int(token["expires_in"]))
    return {
        "accessToken": token["access_token"],
        "expiresOn": expires.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "expires_on": int(expires.timestamp()),
        "subscription": account["id"],
        "tenant": tenant,
        "tokenType": token["token_type"],
    }


def main(args: list[str]) -> int:
    args = [a for a in args if a not in ("-o=json", "--output=json")]
    if args == ["version"]:
        print(json.dumps({"azure-cli": VERSION, "azure-cli-core": VERSION, "extensions": {}}))
        return 0
    config = Path(os.environ.get("AZURE_CONFIG_DIR", Path.home() / ".azure"))
    profile = config / _PROFILE
    accounts = json.loads(profile.read_text())["subscriptions"] if profile.exists() else []
    account = next((a for a in accounts if a["isDefault"]), None)
    if account is None:
        return _fail("Please run 'az login' to setup account.")
    if args == ["account", "show"]:
        print(json.dumps(account))
        return 0
    if args[:2] == ["account", "get-access-token"]:
        token = _access_token(config, account, args[2:])
        if token is None:
            return 1
        print(json.dumps(token))
        return 0
    return _fail(f"'az {' '.join(args)}' is not part of the rehearsal's stand-in.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
