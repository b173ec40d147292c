"""The Blob service REST API of one storage account, as far as Terraform's ``azurerm`` backend
uses it: Get/Put/Delete Blob, Get Blob Properties, Set/Get Blob Metadata, Lease Blob and List
Blobs (``terraform workspace list``). Anything else is refused with 400, as an unknown request.

Requests must carry an Entra ID bearer token for Storage that the Entra stand-in issued, as an
account with shared-key access disabled demands; a shared key is refused.
"""

from __future__ import annotations

import uuid
from email.utils import formatdate
from xml.etree import ElementTree

from rehearsal.blob_store import LEASED, BlobError, BlobProperties, BlobStore
from rehearsal.entra_standin import HOST as ENTRA_HOST
from rehearsal.entra_standin import EntraStandIn
from rehearsal.tls_proxy import Request, Response

DOMAIN = "blob.core.windows.net"
STORAGE_AUDIENCE = "https://storage.azure.com"
_META = "x-ms-meta-"


def _xml(element: ElementTree.Element) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element)


def _error(failure: BlobError, headers: dict[str, str] | None = None) -> Response:
    body = ElementTree.Element("Error")
    ElementTree.SubElement(body, "Code").text = failure.code
    ElementTree.SubElement(body, "Message").text = failure.message
    return Response(
        failure.status,
        {"x-ms-error-code": failure.code, "Content-Type": "application/xml", **(headers or {})},
        _xml(body),
    )


def _property_headers(found: BlobProperties) -> dict[str, str]:
    headers = {
        "ETag": found.etag,
        "Last-Modified": found.last_modified,
        "Content-Type": found.content_type,
        "x-ms-blob-type": "BlockBlob",
        "x-ms-lease-status": "locked" if found.locked else "unlocked",
        "x-ms-lease-state": found.lease_state,
        **{_META + key: value for key, value in found.metadata.items()},
    }
    if found.lease_state == LEASED:
        headers["x-ms-lease-duration"] = "infinite"
    return headers


def _listing(store: BlobStore, account: str, container: str, prefix: str) -> bytes:
    root = ElementTree.Element(
        "EnumerationResults",
        ServiceEndpoint=f"https://{account}.{DOMAIN}/",
        ContainerName=container,
    )
    ElementTree.SubElement(root, "Prefix").text = prefix
    blobs = ElementTree.SubElement(root, "Blobs")
    for name in store.names(container, prefix):
        found = store.properties(container, name)
        blob = ElementTree.SubElement(blobs, "Blob")
        ElementTree.SubElement(blob, "Name").text = name
        properties = ElementTree.SubElement(blob, "Properties")
        for tag, value in (
            ("Last-Modified", found.last_modified),
            ("Etag", found.etag),
            ("Content-Length", str(found.content_length)),
            ("Content-Type", found.content_type),
            ("BlobType", "BlockBlob"),
            ("LeaseStatus", "locked" if found.locked else "unlocked"),
            ("LeaseState", found.lease_state),
        ):
            ElementTree.SubElement(properties, tag).text = value
    ElementTree.SubElement(root, "NextMarker")
    return _xml(root)


class BlobService:
    """Answers for ``<account>.blob.core.windows.net``, keeping blobs in ``store``."""

    def __init__(self, account: str, store: BlobStore, entra: EntraStandIn) -> None:
        self.account, self.store, self.entra = account, store, entra

    @property
    def host(self) -> str:
        return f"{self.account}.{DOMAIN}"

    def _refusal(self, request: Request) -> Response | None:
        """Why Azure would refuse the request's credentials, as Azure's response; else None."""
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if not scheme:
            challenge = (
                f"Bearer authorization_uri=https://{ENTRA_HOST}/{self.entra.tenant_id}"
                f"/oauth2/authorize resource_id={STORAGE_AUDIENCE}"
            )
            failure = BlobError(
                401,
                "NoAuthenticationInformation",
                "Server failed to authenticate the request. "
                "Please refer to the information in the www-authenticate header.",
            )
            return _error(failure, {"WWW-Authenticate": challenge})
        if scheme != "Bearer":
            return _error(
                BlobError(
                    403,
                    "KeyBasedAuthenticationNotPermitted",
                    "Key based authentication is not permitted on this storage account.",
                )
            )
        if self.entra.audience_of(credential) != STORAGE_AUDIENCE:
            return _error(
                BlobError(
                    401,
                    "InvalidAuthenticationInfo",
                    "Server failed to authenticate the request: the token was not issued "
                    f"for {STORAGE_AUDIENCE} by tenant {self.entra.tenant_id}.",
                )
            )
        return None

    def __call__(self, request: Request) -> Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        common = {
            "x-ms-request-id": str(uuid.uuid4()),
            "x-ms-version": request.headers.get("x-ms-version", "2023-11-03"),
            "Date": formatdate(usegmt=True),
        }
        try:
            status, headers, body = self._dispatch(request)
        except BlobError as failure:
            return _error(failure, common)
        return Response(status, {**common, **headers}, body)

    def _dispatch(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        container, _, name = request.path.lstrip("/").partition("/")
        if not container:
            raise BlobError(400, "InvalidUri", "Account-level operations are not served.")
        comp = request.query.get("comp", "")
        if not name:
            if request.query.get("restype") == "container" and comp == "list":
                prefix = request.query.get("prefix", "")
                listing = _listing(self.store, self.account, container, prefix)
                return 200, {"Content-Type": "application/xml"}, listing
            raise BlobError(400, "UnsupportedQueryParameter", f"Container operation {comp!r}.")
        lease_id = request.headers.get("x-ms-lease-id")
        method = request.method
        if comp == "" and method == "GET":
            found, content = self.store.read(container, name, lease_id)
            return 200, _property_headers(found), content
        if (comp, method) in (("", "HEAD"), ("metadata", "HEAD"), ("metadata", "GET")):
            found = self.store.properties(container, name, lease_id)
            headers = _property_headers(found)
            if comp == "":
                # Get Blob Properties names the blob's length; its response has no body.
                headers["Content-Length"] = str(found.content_length)
            return 200, headers, b""
        if comp == "" and method == "PUT":
            if request.headers.get("x-ms-blob-type") != "BlockBlob":
                raise BlobError(400, "InvalidHeaderValue", "Only block blobs are served.")
            content_type = request.headers.get("x-ms-blob-content-type") or request.headers.get(
                "content-type", "application/octet-stream"
            )
            metadata = self._metadata(request)
            written = self.store.put(
                container, name, request.body, content_type, metadata, lease_id
            )
            return 201, {"ETag": written.etag, "Last-Modified": written.last_modified}, b""
        if comp == "metadata" and method == "PUT":
            written = self.store.set_metadata(container, name, self._metadata(request), lease_id)
            return 200, {"ETag": written.etag, "Last-Modified": written.last_modified}, b""
        if comp == "lease" and method == "PUT":
            return self._lease(request, container, name, lease_id)
        if comp == "" and method == "DELETE":
            self.store.delete(container, name, lease_id)
            return 202, {}, b""
        raise BlobError(400, "UnsupportedQueryParameter", f"{method} with comp={comp!r}.")

    @staticmethod
    def _metadata(request: Request) -> dict[str, str]:
        return {
            key.removeprefix(_META): value
            for key, value in request.headers.items()
            if key.startswith(_META)
        }

    def _lease(
        self, request: Request, container: str, name: str, lease_id: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        action = request.headers.get("x-ms-lease-action", "")
        if action == "acquire" and request.headers.get("x-ms-lease-duration") != "-1":
            raise BlobError(400, "InvalidHeaderValue", "Only infinite leases are served.")
        leased = self.store.lease(
            container, name, action, lease_id, request.headers.get("x-ms-proposed-lease-id")
        )
        headers = {"ETag": leased.etag, "Last-Modified": leased.last_modified}
        if action == "break":
            return 202, headers | {"x-ms-lease-time": "0"}, b""
        headers["x-ms-lease-id"] = leased.lease_id
        return (201 if action == "acquire" else 200), headers, b""
