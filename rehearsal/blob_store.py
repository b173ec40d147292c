"""Block blobs of one storage account on disk, with Azure's lease rules.

A container is a directory; a blob is ``<quoted name>.blob`` (its content) beside
``<quoted name>.json`` (its properties, metadata and lease). Leases follow the Blob service's
documented state machine for the infinite leases Terraform takes (available → leased →
available by release, or → broken by break, at once), with its status codes and error codes.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from email.utils import formatdate
from pathlib import Path
from urllib.parse import quote, unquote

AVAILABLE, LEASED, BROKEN = "available", "leased", "broken"


class BlobError(Exception):
    """A refusal the Blob service sends as ``status`` with ``x-ms-error-code: code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class BlobProperties:
    etag: str
    last_modified: str
    content_length: int
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)
    lease_state: str = AVAILABLE
    lease_id: str = ""

    @property
    def locked(self) -> bool:
        return self.lease_state == LEASED


def _stamp() -> tuple[str, str]:
    """A new ETag and Last-Modified, in Azure's formats."""
    return f'"0x{time.time_ns():X}"', formatdate(usegmt=True)


def _not_found(name: str) -> BlobError:
    return BlobError(404, "BlobNotFound", f"The specified blob {name!r} does not exist.")


class BlobStore:
    """The containers and blobs of one account, kept under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.RLock()

    def create_container(self, container: str) -> None:
        (self.root / container).mkdir(parents=True, exist_ok=True)

    def has_container(self, container: str) -> bool:
        return (self.root / container).is_dir()

    def _paths(self, container: str, name: str) -> tuple[Path, Path]:
        if not self.has_container(container):
            raise BlobError(404, "ContainerNotFound", "The specified container does not exist.")
        stem = self.root / container / quote(name, safe="")
        return stem.with_name(stem.name + ".blob"), stem.with_name(stem.name + ".json")

    def _load(self, container: str, name: str) -> BlobProperties | None:
        properties = self._paths(container, name)[1]
        if not properties.exists():
            return None
        return BlobProperties(**json.loads(properties.read_text()))

    def _save(self, container: str, name: str, properties: BlobProperties) -> None:
        self._paths(container, name)[1].write_text(json.dumps(asdict(properties)))

    def _existing(self, container: str, name: str) -> BlobProperties:
        found = self._load(container, name)
        if found is None:
            raise _not_found(name)
        return found

    @staticmethod
    def _check_read(found: BlobProperties, lease_id: str | None) -> None:
        if lease_id is not None and (not found.locked or lease_id != found.lease_id):
            raise BlobError(
                412,
                "LeaseIdMismatchWithBlobOperation",
                "The lease ID specified did not match the lease ID for the blob.",
            )

    @staticmethod
    def _check_write(found: BlobProperties | None, lease_id: str | None) -> None:
        if found is not None and found.locked:
            if lease_id is None:
                raise BlobError(
                    412,
                    "LeaseIdMissing",
                    "There is currently a lease on the blob and no lease ID was specified.",
                )
            if lease_id != found.lease_id:
                raise BlobError(
                    412,
                    "LeaseIdMismatchWithBlobOperation",
                    "The lease ID specified did not match the lease ID for the blob.",
                )
        elif lease_id is not None:
            raise BlobError(
                412,
                "LeaseNotPresentWithBlobOperation",
                "There is currently no lease on the blob.",
            )

    def properties(self, container: str, name: str, lease_id: str | None = None) -> BlobProperties:
        with self._lock:
            found = self._existing(container, name)
            self._check_read(found, lease_id)
            return found

    def read(
        self, container: str, name: str, lease_id: str | None = None
    ) -> tuple[BlobProperties, bytes]:
        """The blob's properties and content."""
        with self._lock:
            found = self.properties(container, name, lease_id)
            return found, self._paths(container, name)[0].read_bytes()

    def put(
        self,
        container: str,
        name: str,
        content: bytes,
        content_type: str,
        metadata: dict[str, str],
        lease_id: str | None = None,
    ) -> BlobProperties:
        """Put Blob: replaces content and metadata; a lease on the blob stays."""
        with self._lock:
            found = self._load(container, name)
            self._check_write(found, lease_id)
            etag, modified = _stamp()
            written = BlobProperties(
                etag=etag,
                last_modified=modified,
                content_length=len(content),
                content_type=content_type,
                metadata=metadata,
                lease_state=found.lease_state if found else AVAILABLE,
                lease_id=found.lease_id if found else "",
            )
            self._paths(container, name)[0].write_bytes(content)
            self._save(container, name, written)
            return written

    def set_metadata(
        self, container: str, name: str, metadata: dict[str, str], lease_id: str | None = None
    ) -> BlobProperties:
        with self._lock:
            found = self._existing(container, name)
            self._check_write(found, lease_id)
            etag, modified = _stamp()
            written = replace(found, metadata=metadata, etag=etag, last_modified=modified)
            self._save(container, name, written)
            return written

    def delete(self, container: str, name: str, lease_id: str | None = None) -> None:
        with self._lock:
            self._check_write(self._existing(container, name), lease_id)
            for path in self._paths(container, name):
                path.unlink()

    def lease(
        self, container: str, name: str, action: str, lease_id: str | None, proposed: str | None
    ) -> BlobProperties:
        """Lease Blob with an infinite lease: ``acquire``, ``renew``, ``release`` or ``break``."""
        with self._lock:
            found = self._existing(container, name)
            if action == "acquire":
                if found.locked and found.lease_id != proposed:
                    raise BlobError(409, "LeaseAlreadyPresent", "There is already a lease present.")
                leased = replace(found, lease_state=LEASED, lease_id=proposed or str(uuid.uuid4()))
            elif action == "break":
                if found.lease_state == AVAILABLE:
                    raise BlobError(
                        409, "LeaseNotPresentWithLeaseOperation", "There is currently no lease."
                    )
                leased = replace(found, lease_state=BROKEN)
            elif action in ("release", "renew"):
                if not found.locked:
                    raise BlobError(
                        409, "LeaseNotPresentWithLeaseOperation", "There is currently no lease."
                    )
                if lease_id != found.lease_id:
                    raise BlobError(
                        409,
                        "LeaseIdMismatchWithLeaseOperation",
                        "The lease ID specified did not match the lease ID for the blob.",
                    )
                released = replace(found, lease_state=AVAILABLE, lease_id="")
                leased = found if action == "renew" else released
            else:
                raise BlobError(400, "InvalidHeaderValue", f"x-ms-lease-action {action!r}.")
            self._save(container, name, leased)
            return leased

    def names(self, container: str, prefix: str = "") -> list[str]:
        """List Blobs: the names starting with ``prefix``, in Azure's (lexical) order."""
        with self._lock:
            if not self.has_container(container):
                raise BlobError(404, "ContainerNotFound", "The specified container does not exist.")
            found = (unquote(path.stem) for path in (self.root / container).glob("*.json"))
            return sorted(name for name in found if name.startswith(prefix))
