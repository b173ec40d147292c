"""Which namespaces a store serves, as the External Secrets controller (v2.9.0) decides it.

``client_manager.go`` (``shouldProcessSecret``): a ClusterSecretStore without conditions serves
every namespace; with conditions, only a namespace one of them matches by name, label selector or
regexp. This world's namespaces carry one label, ``kubernetes.io/metadata.name``, as every
namespace does. ``esutils.ValidateReferentServiceAccountSelector``: a SecretStore may only name a
service account of its own namespace.
"""

from __future__ import annotations

import re

NAME_LABEL = "kubernetes.io/metadata.name"


def _selects(selector: dict, labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for requirement in selector.get("matchExpressions") or []:
        key, operator = requirement["key"], requirement["operator"]
        values = requirement.get("values") or []
        held = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not held:
            return False
    return True


def serves(store: dict, namespace: str) -> bool:
    """Whether ESO lets an ExternalSecret of ``namespace`` read through ``store``."""
    conditions = (store.get("spec") or {}).get("conditions") or []
    if store.get("kind") != "ClusterSecretStore" or not conditions:
        return True
    labels = {NAME_LABEL: namespace}
    for condition in conditions:
        selectors = [condition["namespaceSelector"]] if condition.get("namespaceSelector") else []
        selectors += [{"matchLabels": {NAME_LABEL: n}} for n in condition.get("namespaces") or []]
        if any(_selects(s, labels) for s in selectors):
            return True
        if any(re.search(r, namespace) for r in condition.get("namespaceRegexes") or []):
            return True
    return False


def refused_from(store: dict, namespace: str) -> str | None:
    """ESO's error when ``store``'s conditions exclude ``namespace``."""
    if serves(store, namespace):
        return None
    name = store["metadata"]["name"]
    return (
        f'using cluster store "{name}" is not allowed from namespace "{namespace}": '
        "denied by spec.condition"
    )


def service_account_ref_problem(store: dict) -> str | None:
    """A SecretStore's ``serviceAccountRef`` in another namespace than its own."""
    if store.get("kind") != "SecretStore":
        return None
    ref = ((store.get("spec") or {}).get("provider") or {}).get("azurekv", {})
    namespace = (ref.get("serviceAccountRef") or {}).get("namespace")
    if namespace is not None and namespace != store["metadata"].get("namespace"):
        return "invalid ServiceAccountRef: namespace not allowed with namespaced SecretStore"
    return None
