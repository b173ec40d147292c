"""Kubernetes' naming rules (apimachinery's validation): names, labels, Secret keys, namespaces.
Re-exported by ``rules``, where every rule is looked up."""

from __future__ import annotations

from aks_workload_identity.checks import ReservedPrefix, Rule

DNS1123_LABEL = Rule(
    name="Kubernetes name",
    description=(
        "a DNS-1123 label: 1-63 characters, lowercase letters, digits and '-', "
        "starting and ending with a letter or digit"
    ),
    pattern=r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?",
    max_length=63,
)

DNS1123_SUBDOMAIN = Rule(
    name="Kubernetes name",
    description=(
        "a DNS-1123 subdomain: 1-253 characters, lowercase letters, digits, '-' and '.', "
        "starting and ending with a letter or digit"
    ),
    pattern=r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?",
    max_length=253,
)

# Kubernetes label syntax (apimachinery IsQualifiedName / IsValidLabelValue): an optional
# DNS-subdomain prefix and '/', then a name of at most 63 characters; a value is one, or empty.
_LABEL_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
LABEL_KEY = Rule(
    name="Kubernetes label key",
    description=(
        "an optional DNS subdomain and '/', then 1-63 letters, digits, '-', '_' or '.', "
        "starting and ending with a letter or digit"
    ),
    pattern=rf"(?:[a-z0-9](?:[-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}",
    max_length=317,
)
LABEL_VALUE = Rule(
    name="Kubernetes label value",
    description=(
        "empty, or 1-63 letters, digits, '-', '_' or '.', "
        "starting and ending with a letter or digit"
    ),
    pattern=rf"(?:{_LABEL_NAME})?",
    min_length=0,
    max_length=63,
)

# Kubernetes refuses "." and "..", and any key starting with ".." (IsConfigMapKey).
SECRET_DATA_KEY = Rule(
    name="Kubernetes Secret key",
    description=(
        "1-253 characters of letters, digits, '-', '_' and '.', neither '.' nor starting with '..'"
    ),
    pattern=r"\.?[-_a-zA-Z0-9][-._a-zA-Z0-9]*",
    max_length=253,
)

# Namespaces built into every cluster: the project never creates them, only writes into them.
BUILTIN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
KUBE_NAMESPACE = ReservedPrefix(
    name="Namespace",
    prefix="kube-",
    reserved_for="the prefix is reserved for Kubernetes' own namespaces",
    allowed=tuple(n for n in BUILTIN_NAMESPACES if n.startswith("kube-")),
)
