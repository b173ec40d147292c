"""A filesystem mirror of stand-in providers, which ``terraform init`` installs offline.

Each provider of the bindings gets the version its binding pins (read from the binding's jsii
assembly), the real resource and data-source schemas (``schemas/``, subsets of
``terraform providers schema -json``) adapted to that binding's arguments (``binding_schema``:
no change for the cdktf flavour's versions, which ``schemas/`` holds), and a
provider-configuration schema derived from the binding's ``<Name>ProviderConfig`` struct, since
the schema subsets carry none.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

from rehearsal import binding_schema
from rehearsal.binding_schema import struct_schema

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).resolve().parent / "schemas"
LAUNCHER = Path(__file__).resolve().parent / "launcher.py"
# Each flavour's interpreter (cdktf.json's app command picks it the same way, by AZWI_CDK).
CDK_ENV = "AZWI_CDK"
FLAVOUR_PYTHON = {
    "cdktf": PROJECT_DIR / ".venv" / "bin" / "python",
    "cdktn": PROJECT_DIR / ".venv" / "cdktn" / "bin" / "python",
}
PLATFORM = "linux_amd64"


def _binding_version(module: ModuleType) -> tuple[str, str]:
    """(provider name, version) from the package.json inside the binding's jsii assembly."""
    package = sys.modules[module.__name__.split(".")[0]]
    jsii_dir = Path(package.__path__[0]) / "_jsii"
    tgz = next(jsii_dir.glob("*.jsii.tgz"))
    with tarfile.open(tgz) as archive:
        member = archive.extractfile("package/package.json")
        assert member is not None
        provider = json.load(member)["cdktf"]["provider"]
    return provider["name"].rsplit("/", 1)[-1], provider["version"]


def provider_schema(provider_class: type) -> dict:
    module = sys.modules[provider_class.__module__]
    config = getattr(module, f"{provider_class.__name__}Config")
    return {"version": 0, "block": struct_schema(config)}


def _certificate(directory: Path) -> None:
    """The TLS certificate every stand-in presents (go-plugin's AutoMTLS needs one)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (directory / "standin.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (directory / "standin.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "standin.der").write_bytes(certificate.public_bytes(serialization.Encoding.DER))


def build(directory: Path, flavours: tuple[str, ...] = ("cdktf",)) -> Path:
    """Install every provider the bindings of each flavour pin into ``directory`` (one version
    beside the other when they differ); return the Terraform CLI configuration file.

    A flavour's bindings are importable only in its own environment: this process reads those
    of the environment it runs in, ``python -m rehearsal.mirror`` in the other one the others.
    """
    directory.mkdir(parents=True, exist_ok=True)
    _certificate(directory)
    here = Path(sys.prefix).resolve()
    for flavour in flavours:
        if FLAVOUR_PYTHON[flavour].parent.parent.resolve() == here:
            add_providers(directory)
            continue
        subprocess.run(
            [str(FLAVOUR_PYTHON[flavour]), "-m", "rehearsal.mirror", str(directory)],
            cwd=PROJECT_DIR,
            env={**os.environ, CDK_ENV: flavour, "PYTHONPATH": str(PROJECT_DIR)},
            check=True,
            timeout=300,
        )
    (directory / "launcher.json").write_text(
        json.dumps({"python": sys.executable, "project": str(PROJECT_DIR)})
    )
    cli_config = directory / "terraform.tfrc"
    cli_config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{directory}"\n  }}\n'
        "}\n"
        "disable_checkpoint = true\n"
    )
    return cli_config


def add_providers(directory: Path) -> list[str]:
    """Install the providers this process's bindings pin; what their schemas were adapted in."""
    from aks_workload_identity import providers

    adapted = []
    for provider_class in (
        providers.AzurermProvider,
        providers.KubernetesProvider,
        providers.HelmProvider,
        providers.TimeProvider,
        providers.RandomProvider,
    ):
        name, version = _binding_version(sys.modules[provider_class.__module__])
        schema_file = next(SCHEMAS.glob(f"{name}-*.json"))
        schemas = json.loads(schema_file.read_text())["provider_schemas"]
        spec = next(iter(schemas.values()))
        package = provider_class.__module__.split(".")[0]
        adapted += [f"{name} {version}: {change}" for change in binding_schema.adapt(spec, package)]
        spec["provider"] = provider_schema(provider_class)
        target = directory / "registry.terraform.io" / "hashicorp" / name / version / PLATFORM
        target.mkdir(parents=True, exist_ok=True)
        (target / "schema.json").write_text(json.dumps(spec))
        executable = target / f"terraform-provider-{name}_v{version}"
        executable.write_text(f"#!{sys.executable} -S\n{LAUNCHER.read_text()}")
        executable.chmod(0o755)
    return adapted


if __name__ == "__main__":
    for line in add_providers(Path(sys.argv[1])):
        print(f"mirror: schema adapted to the binding: {line}", file=sys.stderr)
