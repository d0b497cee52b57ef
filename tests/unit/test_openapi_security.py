"""Every service's OpenAPI document says how each operation authenticates (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from bridgework.agreements.app import create_app as create_agreements
from bridgework.agreements.settings import AgreementsSettings
from bridgework.followup.app import create_app as create_followup
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.app import create_app as create_gateway
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.app import create_app as create_intake
from bridgework.intake.settings import IntakeSettings

APPS: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: create_intake(IntakeSettings(development_mode=True)),
    "agreements": lambda: create_agreements(AgreementsSettings(development_mode=True)),
    "followup": lambda: create_followup(FollowupSettings(development_mode=True)),
    "gateway": lambda: create_gateway(GatewaySettings(development_mode=True)),
}
# Routes anyone may call: health, the documents themselves, pages that hold no data, and
# follow-up's check-in links (the signed token in the path is the credential).
PUBLIC = {
    "/health/live",
    "/health/ready",
    "/asyncapi.json",
    "/dashboard",
    "/queue",
    "/me",
    "/repairs/{repair_id}",
    "/changes/{change_id}",
    "/v1/check-ins/{token}",
}
# What each service must declare: the scheme names and what they are.
EXPECTED_SCHEMES: dict[str, dict[str, tuple[str, str]]] = {
    "intake": {
        "departmentToken": ("http", "bearer"),
        "githubSignature": ("apiKey", "X-Hub-Signature-256"),
        "jiraSignature": ("apiKey", "X-Hub-Signature"),
        "pagerdutySignature": ("apiKey", "X-PagerDuty-Signature"),
    },
    "agreements": {"personToken": ("http", "bearer")},
    "followup": {"adminOrPersonToken": ("http", "bearer")},
    "gateway": {"personToken": ("http", "bearer")},
}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_non_public_operation_requires_a_declared_scheme(service: str) -> None:
    document = APPS[service]().openapi()
    schemes = document.get("components", {}).get("securitySchemes", {})
    declared = {
        name: (scheme["type"], scheme.get("scheme") or scheme.get("name"))
        for name, scheme in schemes.items()
    }
    assert declared == EXPECTED_SCHEMES[service]

    guarded = [op for op in _operations(document) if op[0] not in PUBLIC]
    assert guarded, f"{service} documents no guarded operation"
    for path, method, operation in guarded:
        requirements = operation.get("security")
        assert requirements, f"{service}: {method.upper()} {path} declares no security"
        for requirement in requirements:
            assert requirement, f"{service}: {method.upper()} {path} has an empty requirement"
            assert set(requirement) <= set(schemes), (
                f"{service}: {method.upper()} {path} names an undeclared scheme: {requirement}"
            )


@pytest.mark.parametrize("service", sorted(APPS))
def test_public_operations_declare_no_security(service: str) -> None:
    document = APPS[service]().openapi()
    public = [op for op in _operations(document) if op[0] in PUBLIC]
    assert public
    for path, method, operation in public:
        assert "security" not in operation, f"{service}: {method.upper()} {path}"


def test_a_jira_webhook_may_be_signed_or_carry_the_departments_token() -> None:
    document = APPS["intake"]().openapi()
    operation = document["paths"]["/v1/webhooks/jira/{department}"]["post"]
    assert operation["security"] == [{"jiraSignature": []}, {"departmentToken": []}]
