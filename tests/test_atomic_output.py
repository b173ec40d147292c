"""The staged output keeps what Terraform and the CLI expect of the previous one: each stack's
Terraform files, and the directory of a stack the new output no longer has."""

from __future__ import annotations

from aks_workload_identity.atomic_output import staged_output


def test_terraform_files_and_a_removed_stacks_directory_are_kept(tmp_path) -> None:
    outdir = tmp_path / "cdktf.out"
    for stack in ("cluster-blue", "cluster-green"):
        (outdir / "stacks" / stack / ".terraform").mkdir(parents=True)
        (outdir / "stacks" / stack / "cdk.tf.json").write_text("old")
    with staged_output(outdir) as staging:
        (staging / "stacks" / "cluster-blue").mkdir(parents=True)
        (staging / "stacks" / "cluster-blue" / "cdk.tf.json").write_text("new")
    blue, green = outdir / "stacks" / "cluster-blue", outdir / "stacks" / "cluster-green"
    assert (blue / "cdk.tf.json").read_text() == "new"
    assert (blue / ".terraform").is_dir()
    # The CLI deletes it after the app; with it gone the CLI's rmSync fails with ENOENT.
    assert (green / "cdk.tf.json").read_text() == "old"
    assert not list(tmp_path.glob(".cdktf.out.*"))
