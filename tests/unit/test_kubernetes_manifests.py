"""deploy/kubernetes: rendered with kustomize, valid for Kubernetes, complete for each service.

Issue 12 found the old manifest gave no working system: no JWT key, agreements on
127.0.0.1, no SMTP host nor admin token, topics with replication 1. These tests hold each
Deployment to its settings class, so a new required setting without a manifest entry fails.
"""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest

from bridgework.common.kafka_setup import DAY_MS, TopicPolicy, _arguments, _policy
from bridgework.common.settings import ServiceSettings
from bridgework.intake.settings import IntakeSettings
from tests.kubernetes_manifests import (
    KUBERNETES_VERSION,
    SETTINGS_OF,
    Manifest,
    component,
    container,
    deployments,
    missing_from_manifest,
    of_kind,
    render,
)


@pytest.fixture(scope="module")
def rendered() -> list[Manifest]:
    return render()


def test_every_object_is_valid_for_the_pinned_kubernetes(rendered: list[Manifest]) -> None:
    for item in rendered:
        # strict: a misspelt or misplaced field is an error, not silently dropped.
        kubernetes_validate.validate(item, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_misplaced_field(rendered: list[Manifest]) -> None:
    broken = copy.deepcopy(deployments(rendered)["intake"])
    broken["spec"]["template"]["spec"]["readinessProbe"] = {"httpGet": {"path": "/", "port": 1}}

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_there_is_one_deployment_per_service(rendered: list[Manifest]) -> None:
    assert set(deployments(rendered)) == set(SETTINGS_OF)


@pytest.mark.parametrize("name", sorted(SETTINGS_OF))
def test_each_deployment_sets_every_setting_its_service_requires(
    rendered: list[Manifest], name: str
) -> None:
    assert missing_from_manifest(SETTINGS_OF[name], deployments(rendered)[name], rendered) == []


class IntakeWithANewSecret(IntakeSettings):
    """A copy of intake's settings that has grown a required setting no manifest knows."""

    def required_settings(self) -> list[str]:
        return [*super().required_settings(), "BRIDGEWORK_MADE_UP_KEY: a key of its own"]


def test_a_new_required_setting_without_a_manifest_entry_is_found(
    rendered: list[Manifest],
) -> None:
    intake = deployments(rendered)["intake"]

    assert missing_from_manifest(IntakeWithANewSecret, intake, rendered) == [
        "BRIDGEWORK_MADE_UP_KEY"
    ]


def test_a_loopback_default_left_unset_is_found(rendered: list[Manifest]) -> None:
    gateway = copy.deepcopy(deployments(rendered)["gateway"])
    env = container(gateway)["env"]
    container(gateway)["env"] = [e for e in env if e["name"] != "BRIDGEWORK_AGREEMENTS_URL"]

    assert missing_from_manifest(SETTINGS_OF["gateway"], gateway, rendered) == [
        "BRIDGEWORK_AGREEMENTS_URL"
    ]


def test_secrets_are_referenced_never_shipped(rendered: list[Manifest]) -> None:
    assert of_kind(rendered, "Secret") == []
    for workload in of_kind(rendered, "Deployment") + of_kind(rendered, "Job"):
        for entry in container(workload).get("env", []):
            if entry["name"].endswith(("PASSWORD", "SECRET", "TOKEN", "DATABASE_URL")):
                assert "secretKeyRef" in entry.get("valueFrom", {}), entry["name"]


def _pod_and_container(workload: Manifest) -> tuple[Manifest, Manifest]:
    return workload["spec"]["template"]["spec"], container(workload)


def test_every_pod_runs_unprivileged_on_a_read_only_root(rendered: list[Manifest]) -> None:
    for workload in of_kind(rendered, "Deployment") + of_kind(rendered, "Job"):
        pod, main = _pod_and_container(workload)
        name = workload["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert main["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }, name
        assert main["resources"]["requests"], name
        assert main["resources"]["limits"]["memory"], name


def test_every_deployment_is_probed_scraped_and_protected_by_a_budget(
    rendered: list[Manifest],
) -> None:
    budgets = {component(item): item for item in of_kind(rendered, "PodDisruptionBudget")}
    for name, deployment in deployments(rendered).items():
        main = container(deployment)
        port = str(main["ports"][0]["containerPort"])
        assert main["readinessProbe"]["httpGet"]["path"] == "/health/ready", name
        assert main["livenessProbe"]["httpGet"]["path"] == "/health/live", name
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": port,
            "prometheus.io/path": "/metrics",
        }, name
        assert budgets[name]["spec"]["minAvailable"] == 1, name
        assert budgets[name]["spec"]["selector"] == deployment["spec"]["selector"], name
        assert deployment["spec"]["replicas"] > budgets[name]["spec"]["minAvailable"], name


def test_network_policies_deny_by_default_and_open_each_service_to_its_callers(
    rendered: list[Manifest],
) -> None:
    policies = {
        item["metadata"]["name"]: item["spec"] for item in of_kind(rendered, "NetworkPolicy")
    }
    deny = policies["bridgework-default-deny"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny
    assert "egress" not in deny
    agreements_from = policies["bridgework-agreements-ingress"]["ingress"][0]["from"]
    assert agreements_from == [
        {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/name": "bridgework",
                    "app.kubernetes.io/component": "gateway",
                }
            }
        }
    ]
    for name in ("gateway", "intake", "followup"):
        assert f"bridgework-{name}-ingress" in policies


def test_the_kafka_job_makes_topics_replicated_and_kept_as_a_rebuild_needs(
    rendered: list[Manifest],
) -> None:
    job = next(j for j in of_kind(rendered, "Job") if component(j) == "kafka-setup")
    main = container(job)
    assert main["command"] == ["python", "-m", "bridgework.common.kafka_setup"]

    policy = _policy(_arguments(main["args"], ServiceSettings()))

    assert _arguments(main["args"], ServiceSettings()).replication == 3
    assert policy == TopicPolicy(
        min_insync_replicas=2, raw_retention_ms=DAY_MS, dead_letter_retention_ms=30 * DAY_MS
    )
