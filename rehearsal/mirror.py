"""A filesystem mirror of stand-in providers, which ``terraform init`` installs offline.

Each provider of the bindings gets the version its binding pins (read from the binding's jsii
assembly), the real resource and data-source schemas (``schemas/``, subsets of
``terraform providers schema -json``) and a provider-configuration schema derived from the
binding's ``<Name>ProviderConfig`` struct, since the schema subsets carry none.
"""

from __future__ import annotations

import datetime
import json
import sys
import tarfile
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).resolve().parent / "schemas"
LAUNCHER = Path(__file__).resolve().parent / "launcher.py"
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


def _cty_type(hint: Any) -> tuple[str, Any]:
    """('attribute', cty type) or ('block', (nesting, struct class)) for a binding's type hint."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is typing.Union:
        structs = [
            a
            for a in args
            if isinstance(a, type)
            and hasattr(a, "__jsii_type__")
            and a.__module__.startswith(("cdktf_", "cdktn_"))
            and a.__module__.split(".")[0] != "cdktf"
        ]
        sequences = [
            a
            for a in args
            if typing.get_origin(a)
            in (typing.Sequence, list, __import__("collections.abc").abc.Sequence)
        ]
        if structs:
            return "block", ("single", structs[0])
        for sequence in sequences:
            inner = _cty_type(typing.get_args(sequence)[0])
            if inner[0] == "block":
                return "block", ("list", inner[1][1])
            return "attribute", ["list", inner[1]]
        return _cty_type(args[0]) if args else ("attribute", "string")
    origin = typing.get_origin(hint)
    if origin is not None and typing.get_args(hint):
        element = _cty_type(typing.get_args(hint)[-1])
        kind = "map" if "Mapping" in str(origin) or origin is dict else "list"
        if element[0] == "block":
            return "block", ("list", element[1][1])
        return "attribute", [kind, element[1]]
    if hint is bool:
        return "attribute", "bool"
    if hint in (int, float):
        return "attribute", "number"
    if (
        isinstance(hint, type)
        and hasattr(hint, "__jsii_type__")
        and hint.__module__.split(".")[0] != "cdktf"
    ):
        return "block", ("single", hint)
    return "attribute", "string"


def struct_schema(struct: type) -> dict:
    """A configuration block for a jsii struct: every field optional, structs as blocks."""
    attributes: dict = {}
    blocks: dict = {}
    for name, hint in typing.get_type_hints(struct.__init__).items():
        if name in ("return", "alias"):
            continue
        kind, value = _cty_type(hint)
        if kind == "block":
            nesting, inner = value
            blocks[name] = {"nesting_mode": nesting, "block": struct_schema(inner)}
        else:
            attributes[name] = {"type": value, "optional": True, "description_kind": "plain"}
    return {"attributes": attributes, "block_types": blocks, "description_kind": "plain"}


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


def build(directory: Path) -> Path:
    """Install every provider the bindings pin into ``directory``; return the CLI config file."""
    from aks_workload_identity import providers

    directory.mkdir(parents=True, exist_ok=True)
    _certificate(directory)
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
        spec["provider"] = provider_schema(provider_class)
        target = directory / "registry.terraform.io" / "hashicorp" / name / version / PLATFORM
        target.mkdir(parents=True, exist_ok=True)
        (target / "schema.json").write_text(json.dumps(spec))
        executable = target / f"terraform-provider-{name}_v{version}"
        executable.write_text(f"#!{sys.executable} -S\n{LAUNCHER.read_text()}")
        executable.chmod(0o755)
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
