"""The Blob service's lease rules for the infinite leases Terraform takes, each with Azure's
status and error code (the backend tests see them only through Terraform's messages)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rehearsal.blob_store import BlobError, BlobStore

CONTAINER, NAME, HOLDER = "tfstate", "identity.tfstate", "holder"


@pytest.fixture
def leased(tmp_path) -> BlobStore:
    """A blob with an infinite lease held by ``HOLDER``."""
    blobs = BlobStore(tmp_path)
    blobs.create_container(CONTAINER)
    blobs.put(CONTAINER, NAME, b"{}", "application/json", {})
    blobs.lease(CONTAINER, NAME, "acquire", None, HOLDER)
    return blobs


REFUSED: dict[str, tuple[Callable[[BlobStore], object], int, str]] = {
    "acquire by another": (
        lambda b: b.lease(CONTAINER, NAME, "acquire", None, "other"),
        409,
        "LeaseAlreadyPresent",
    ),
    "put without the lease": (
        lambda b: b.put(CONTAINER, NAME, b"", "text/plain", {}),
        412,
        "LeaseIdMissing",
    ),
    "metadata without the lease": (
        lambda b: b.set_metadata(CONTAINER, NAME, {"a": "b"}),
        412,
        "LeaseIdMissing",
    ),
    "delete with another lease": (
        lambda b: b.delete(CONTAINER, NAME, "other"),
        412,
        "LeaseIdMismatchWithBlobOperation",
    ),
    "read with another lease": (
        lambda b: b.read(CONTAINER, NAME, "other"),
        412,
        "LeaseIdMismatchWithBlobOperation",
    ),
    "release by another": (
        lambda b: b.lease(CONTAINER, NAME, "release", "other", None),
        409,
        "LeaseIdMismatchWithLeaseOperation",
    ),
    "a missing blob": (lambda b: b.read(CONTAINER, "absent"), 404, "BlobNotFound"),
    "a missing container": (lambda b: b.names("absent"), 404, "ContainerNotFound"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_operation_gets_azures_code_and_changes_nothing(leased, case):
    operation, status, code = REFUSED[case]
    before = leased.read(CONTAINER, NAME, HOLDER)

    with pytest.raises(BlobError) as refused:
        operation(leased)

    assert (refused.value.status, refused.value.code) == (status, code)
    assert leased.read(CONTAINER, NAME, HOLDER) == before


def test_the_holder_writes_and_keeps_its_lease_until_release(leased):
    leased.put(CONTAINER, NAME, b"[]", "application/json", {"k": "v"}, HOLDER)
    assert leased.properties(CONTAINER, NAME).lease_id == HOLDER

    leased.lease(CONTAINER, NAME, "release", HOLDER, None)

    assert not leased.properties(CONTAINER, NAME).locked
    leased.put(CONTAINER, NAME, b"{}", "application/json", {})


def test_break_frees_the_blob_at_once_and_leaves_nothing_to_release(leased):
    leased.lease(CONTAINER, NAME, "break", None, None)

    leased.put(CONTAINER, NAME, b"{}", "application/json", {})
    with pytest.raises(BlobError) as refused:
        leased.lease(CONTAINER, NAME, "release", HOLDER, None)
    assert refused.value.code == "LeaseNotPresentWithLeaseOperation"
    leased.lease(CONTAINER, NAME, "acquire", None, "next")
    assert leased.properties(CONTAINER, NAME).lease_id == "next"
