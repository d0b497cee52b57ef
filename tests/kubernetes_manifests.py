"""deploy/kubernetes rendered with kustomize, and each Deployment's environment read from it.

Rendered with the pinned kustomize that deploy/local/kustomize.sh installs (make test runs
it first); the tests never need a cluster or kubectl.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import yaml
from pydantic_settings import BaseSettings

from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.settings import ServiceSettings
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.settings import IntakeSettings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_OVERLAY = ROOT / "deploy" / "kubernetes" / "overlays" / "example"
KUSTOMIZE_SCRIPT = ROOT / "deploy" / "local" / "kustomize.sh"
# The oldest Kubernetes release the manifests promise to fit (deploy/kubernetes/README.md).
KUBERNETES_VERSION = "1.32.0"

# Each Deployment's component label, with the settings class of the service it runs.
SETTINGS_OF: dict[str, type[ServiceSettings]] = {
    "intake": IntakeSettings,
    "agreements": AgreementsSettings,
    "followup": FollowupSettings,
    "gateway": GatewaySettings,
}

Manifest = dict[str, Any]
# A Secret's value by (secret name, key); None: the Secret lacks that key.
SecretValue = Callable[[str, str], str | None]


def kustomize() -> str:
    """The pinned kustomize; fails (never skips) naming the script that installs it."""
    binary = os.environ.get("BRIDGEWORK_KUSTOMIZE") or str(ROOT / ".local" / "tools" / "kustomize")
    if not Path(binary).is_file():
        raise RuntimeError(f"no kustomize at {binary}: run {KUSTOMIZE_SCRIPT} (make test does)")
    return binary


def render(overlay: Path = EXAMPLE_OVERLAY) -> list[Manifest]:
    """Every object of `overlay`, as `kustomize build` makes them."""
    built = subprocess.run(  # noqa: S603 - the pinned tool on our own files
        [kustomize(), "build", str(overlay)], capture_output=True, text=True, check=False
    )
    if built.returncode != 0:
        raise RuntimeError(f"kustomize build {overlay} failed:\n{built.stderr}")
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


def of_kind(objects: list[Manifest], kind: str) -> list[Manifest]:
    return [item for item in objects if item["kind"] == kind]


def component(item: Manifest) -> str:
    return str(item["metadata"]["labels"]["app.kubernetes.io/component"])


def deployments(objects: list[Manifest]) -> dict[str, Manifest]:
    """The Deployments by component (intake, agreements, followup, gateway)."""
    return {component(item): item for item in of_kind(objects, "Deployment")}


def container(workload: Manifest) -> Manifest:
    """The one container of a Deployment or Job."""
    containers: list[Manifest] = workload["spec"]["template"]["spec"]["containers"]
    if len(containers) != 1:
        raise AssertionError(f"{workload['metadata']['name']}: one container expected")
    return containers[0]


def config_maps(objects: list[Manifest]) -> dict[str, dict[str, str]]:
    return {
        item["metadata"]["name"]: item.get("data", {}) for item in of_kind(objects, "ConfigMap")
    }


def env_names(workload: Manifest, objects: list[Manifest]) -> set[str]:
    """Every variable the container gets: its own entries and its ConfigMaps' keys."""
    names = {entry["name"] for entry in container(workload).get("env", [])}
    maps = config_maps(objects)
    for source in container(workload).get("envFrom", []):
        if "configMapRef" not in source:
            # A Secret's keys are not in the manifests: name each variable in `env` instead.
            raise AssertionError(f"{workload['metadata']['name']}: envFrom other than a ConfigMap")
        names |= set(maps[source["configMapRef"]["name"]])
    return names


def environment(workload: Manifest, objects: list[Manifest], secret: SecretValue) -> dict[str, str]:
    """The container's environment as the kubelet would make it, Secrets read by `secret`."""
    maps = config_maps(objects)
    env: dict[str, str] = {}
    for source in container(workload).get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]])
    for entry in container(workload).get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
            continue
        ref = entry["valueFrom"]
        if "configMapKeyRef" in ref:
            value = maps[ref["configMapKeyRef"]["name"]].get(ref["configMapKeyRef"]["key"])
            optional = ref["configMapKeyRef"].get("optional", False)
        else:
            value = secret(ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"])
            optional = ref["secretKeyRef"].get("optional", False)
        if value is not None:
            env[entry["name"]] = value
        elif not optional:
            raise AssertionError(f"{entry['name']}: its required reference has no value")
    return env


@contextmanager
def only_environment(values: Mapping[str, str]) -> Iterator[None]:
    """os.environ holding `values` only, so settings classes read nothing else."""
    with mock.patch.dict(os.environ, values, clear=True):
        yield


def variable_of(settings_class: type[BaseSettings], field: str) -> str:
    alias = settings_class.model_fields[field].validation_alias
    choices = getattr(alias, "choices", None)
    if choices:
        return str(choices[0])
    prefix = settings_class.model_config.get("env_prefix") or ""
    return f"{prefix}{field}".upper()


def missing_from_manifest(
    settings_class: type[ServiceSettings], workload: Manifest, objects: list[Manifest]
) -> list[str]:
    """What the settings class requires in production and the Deployment does not set.

    Asked twice: with nothing set, then with the manifest's own plain values (SASL_SSL, say),
    whose choices bring requirements of their own. Besides, every setting whose default is
    the loopback address must be set: in a pod it reaches nothing.
    """
    names = env_names(workload, objects)
    plain = {
        entry["name"]: entry["value"]
        for entry in container(workload).get("env", [])
        if "value" in entry
    }
    required: set[tuple[str, ...]] = set()
    for values in ({}, plain):
        with only_environment(values):
            required |= set(settings_class().required_variables())
    for field, info in settings_class.model_fields.items():
        if "127.0.0.1" in str(info.default):
            required.add((variable_of(settings_class, field),))
    return sorted(" or ".join(any_of) for any_of in required if not names & set(any_of))
