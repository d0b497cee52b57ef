"""Intake's settings."""

from __future__ import annotations

from pydantic import Field, SecretStr

from bridgework.common.settings import ServiceSettings

MIB = 1024 * 1024
# Only good enough for a laptop: outside development mode intake refuses to start on it.
DEVELOPMENT_PSEUDONYM_KEY = "development-only-pseudonym-key-change-me"
MIN_PSEUDONYM_KEY_LENGTH = 32


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    http_port: int = 8001
    max_body_bytes: int = Field(
        default=1 * MIB,
        ge=1024,
        description="Largest request body for one incident or one webhook delivery; larger is a 413.",
    )
    max_batch_body_bytes: int = Field(
        default=16 * MIB,
        ge=1024,
        description="Largest body of a batch submission (native or CloudEvents batch).",
    )
    max_batch_items: int = Field(
        default=500, ge=1, le=5000, description="Most incidents in one batch submission."
    )
    delivery_retention_days: int = Field(
        default=30,
        ge=1,
        description="How long webhook delivery ids and CloudEvents ids are kept to spot retries.",
    )
    github_change_label: str = Field(
        default="change",
        min_length=1,
        max_length=100,
        description="GitHub issues and pull requests with this label are planned changes "
        "(at /v1/webhooks/github/<department>/changes).",
    )
    jira_planned_start_field: str | None = Field(
        default=None,
        max_length=100,
        description="The Jira field holding a change's planned start (JSM's is a custom field, "
        "`customfield_<id>`); without it, the due date.",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="The organisation's secret that turns tool user ids no mapping names into "
        "keyed pseudonyms (HMAC-SHA256; docs/privacy.md): 32+ random characters, kept for good "
        "(a new key makes every such user a new person). Required outside development mode.",
    )

    def pseudonym_secret(self) -> bytes:
        """The key of tool users' pseudonyms: the configured one, else the development key
        (a production start without one is refused: `required_settings`)."""
        key = self.pseudonym_key.get_secret_value() if self.pseudonym_key else ""
        return (key or DEVELOPMENT_PSEUDONYM_KEY).encode()

    def required_settings(self) -> list[str]:
        """Common's, and a pseudonym key of the organisation's own."""
        missing = super().required_settings()
        key = self.pseudonym_key.get_secret_value() if self.pseudonym_key else ""
        if key == DEVELOPMENT_PSEUDONYM_KEY or len(key) < MIN_PSEUDONYM_KEY_LENGTH:
            missing.append(
                "BRIDGEWORK_PSEUDONYM_KEY: a random key of "
                f"{MIN_PSEUDONYM_KEY_LENGTH}+ characters (keyed pseudonyms of tool users)"
            )
        return missing
