"""Department tokens and webhook signatures."""

from __future__ import annotations

from bridgework.intake.domain.credentials import (
    TOKEN_PATTERN,
    bearer_token,
    redact_text,
    token_hash,
    verify_hub_signature,
    verify_pagerduty_signature,
)
from bridgework.intake.use_cases.credentials import new_token, new_webhook_secret
from tests.intake_factories import hub_signature, pagerduty_signature


def test_tokens_are_random_recognisable_and_stored_only_as_their_hash() -> None:
    first, second = new_token(), new_token()

    assert first != second
    assert TOKEN_PATTERN.fullmatch(first)
    assert len(token_hash(first)) == 32
    assert token_hash(first) == token_hash(first)
    assert token_hash(first) != token_hash(second)


def test_a_bearer_header_yields_its_token_and_anything_else_yields_none() -> None:
    assert bearer_token("Bearer bwi_abc") == "bwi_abc"
    assert bearer_token("bearer   bwi_abc  ") == "bwi_abc"
    assert bearer_token("Basic dXNlcjpwYXNz") is None
    assert bearer_token("Bearer") is None
    assert bearer_token(None) is None


def test_the_github_signature_matches_githubs_documented_example() -> None:
    # From GitHub's "Validating webhook deliveries": this secret and body give this signature.
    secret = "It's a Secret to Everybody"
    body = b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    assert verify_hub_signature(expected, body, [secret])
    assert verify_hub_signature(expected.upper().replace("SHA256", "sha256"), body, [secret])


def test_a_hub_signature_fails_for_another_body_secret_method_or_garbage() -> None:
    body = b'{"action":"opened"}'
    signature = hub_signature("right-secret-0000000", body)

    assert verify_hub_signature(signature, body, ["old-secret-000000000", "right-secret-0000000"])
    assert not verify_hub_signature(signature, body + b" ", ["right-secret-0000000"])
    assert not verify_hub_signature(signature, body, ["wrong-secret-0000000"])
    assert not verify_hub_signature(
        signature.replace("sha256", "sha1"), body, ["right-secret-0000000"]
    )
    assert not verify_hub_signature("sha256=ünïcødé", body, ["right-secret-0000000"])
    assert not verify_hub_signature(None, body, ["right-secret-0000000"])
    assert not verify_hub_signature(signature, body, [])


def test_pagerduty_signatures_match_when_any_of_several_does() -> None:
    body = b'{"event":{}}'
    header = pagerduty_signature(body, "their-old-secret-000", "our-secret-000000000")

    assert verify_pagerduty_signature(header, body, ["our-secret-000000000"])
    assert not verify_pagerduty_signature(header, body, ["unrelated-secret-000"])
    assert not verify_pagerduty_signature("v0=abc, v1=", body, ["our-secret-000000000"])
    assert not verify_pagerduty_signature("", body, ["our-secret-000000000"])


def test_webhook_secrets_are_long_and_random() -> None:
    assert len(new_webhook_secret()) >= 32
    assert new_webhook_secret() != new_webhook_secret()


def test_tokens_are_redacted_wherever_they_appear_in_text() -> None:
    token = new_token()

    redacted = redact_text(f"header ce_bridgeworktoken={token}; again: {token}!")

    assert token not in redacted
    assert redacted.count("[redacted]") == 2
