"""The app's entry point: load the configuration, build the three stacks, synthesize."""

from __future__ import annotations

import sys
from pathlib import Path

from aks_workload_identity.config import load_from_environment
from aks_workload_identity.problems import ConfigError
from aks_workload_identity.runtime import configure_jsii_runtime

EXIT_INVALID_CONFIG = 2


def main(project_dir: Path) -> int:
    configure_jsii_runtime()
    try:
        config = load_from_environment(project_dir)
    except ConfigError as error:
        for problem in error.problems:
            print(f"azwi: {problem}", file=sys.stderr)
        print(
            f"azwi: {len(error.problems)} configuration problem(s); nothing was synthesized",
            file=sys.stderr,
        )
        return EXIT_INVALID_CONFIG
    for warning in config.warnings:
        print(f"azwi: warning: {warning}", file=sys.stderr)
    from aks_workload_identity.cdk import App
    from aks_workload_identity.configured_stack import REQUIRED_TERRAFORM_VERSION
    from aks_workload_identity.hcl_output import write_required_version
    from aks_workload_identity.stacks import build_stacks

    app = App()
    stacks = build_stacks(app, config)
    app.synth()
    write_required_version(app, stacks, REQUIRED_TERRAFORM_VERSION)
    return 0
