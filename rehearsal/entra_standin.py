"""A stand-in for Entra ID's token endpoint, for the two sign-ins Terraform is run with.

A CI pipeline with a federated identity (GitHub Actions, Azure DevOps) hands Terraform an OIDC
token (``ARM_OIDC_TOKEN``) and the identity's client and tenant IDs; the ``azurerm`` backend
exchanges it at ``login.microsoftonline.com/<tenant>/oauth2/v2.0/token`` (client credentials with
a JWT client assertion) for an access token per API. On a workstation, ``az login`` left a
refresh token in the Azure CLI's cache, and ``az account get-access-token`` redeems it at the
same endpoint. The stand-in accepts exactly its pipeline token for its pipeline identity and its
user's refresh token from the Azure CLI, and remembers which access token it gave for which
audience, so the storage stand-in can check a bearer token as Azure would. Nothing is signed.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from rehearsal.az_standin import AZURE_CLI_CLIENT_ID
from rehearsal.tls_proxy import Request, Response

HOST = "login.microsoftonline.com"
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_LIFETIME_SECONDS = 3600


def _base64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _error(code: str, aadsts: str) -> Response:
    body = {"error": code, "error_description": aadsts}
    return Response(400, {"Content-Type": "application/json"}, json.dumps(body).encode())


@dataclass
class EntraStandIn:
    """One tenant with one pipeline identity federated to one OIDC token."""

    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    pipeline_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    user_name: str = "deployer@contoso.example"
    user_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    user_refresh_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    _audiences: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def audience_of(self, access_token: str) -> str | None:
        """The API an access token this stand-in issued is for; ``None`` for any other string."""
        with self._lock:
            return self._audiences.get(access_token)

    def _access_token(self, audience: str, app_id: str, object_id: str) -> str:
        now = int(time.time())
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "tid": self.tenant_id,
            "appid": app_id,
            "oid": object_id,
            "iat": now,
            "nbf": now,
            "exp": now + _LIFETIME_SECONDS,
            "jti": secrets.token_hex(8),
        }
        # An unsecured JWT (RFC 7519 section 6): clients may decode the claims, and none can
        # check an Entra signature without Entra's keys.
        token = f"{_base64url({'alg': 'none', 'typ': 'JWT'})}.{_base64url(claims)}."
        with self._lock:
            self._audiences[token] = audience
        return token

    def __call__(self, request: Request) -> Response:
        if request.method != "POST" or request.path != f"/{self.tenant_id}/oauth2/v2.0/token":
            return _error("invalid_request", f"AADSTS90002: Tenant or path {request.path!r}.")
        form = {key: values[-1] for key, values in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type")
        if grant == "client_credentials":
            refusal = self._pipeline_refusal(form)
            principal = (self.client_id, self.client_id)
        elif grant == "refresh_token":
            refusal = self._user_refusal(form)
            principal = (AZURE_CLI_CLIENT_ID, self.user_object_id)
        else:
            refusal = _error("unsupported_grant_type", f"AADSTS70003: Grant {grant!r}.")
        if refusal is not None:
            return refusal
        scope = form.get("scope", "").split()[0] if form.get("scope") else ""
        if not scope.endswith("/.default"):
            return _error("invalid_scope", f"AADSTS70011: Scope {scope!r} is not valid.")
        body = {
            "token_type": "Bearer",
            "expires_in": _LIFETIME_SECONDS,
            "ext_expires_in": _LIFETIME_SECONDS,
            "access_token": self._access_token(scope.removesuffix("/.default"), *principal),
        }
        return Response(200, {"Content-Type": "application/json"}, json.dumps(body).encode())

    def _pipeline_refusal(self, form: dict[str, str]) -> Response | None:
        if form.get("client_id") != self.client_id:
            return _error("unauthorized_client", "AADSTS700016: Application not found.")
        if (
            form.get("client_assertion_type") != _ASSERTION_TYPE
            or form.get("client_assertion") != self.pipeline_token
        ):
            return _error("invalid_client", "AADSTS700213: No matching federated identity.")
        return None

    def _user_refusal(self, form: dict[str, str]) -> Response | None:
        if form.get("client_id") != AZURE_CLI_CLIENT_ID:
            return _error("unauthorized_client", "AADSTS700016: Application not found.")
        if form.get("refresh_token") != self.user_refresh_token:
            return _error("invalid_grant", "AADSTS70000: The refresh token is not valid.")
        return None
