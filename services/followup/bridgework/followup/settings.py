"""Follow-up's settings (environment variables `BRIDGEWORK_<NAME>`)."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator

from bridgework.common.identity import PersonTokenSettings
from bridgework.common.key_store_start import kek_missing

# The days a nudge may go out on, as the domain's `Weekday` names them.
WorkingDay = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Only good enough for a laptop: production MUST set BRIDGEWORK_CHECK_IN_SECRET.
DEVELOPMENT_CHECK_IN_SECRET = "development-only-check-in-secret-change-me"  # noqa: S105 - public on purpose


# Secrets shorter than this are refused outside development mode.
MIN_SECRET_LENGTH = 32


def _weekdays() -> list[WorkingDay]:
    return ["mon", "tue", "wed", "thu", "fri"]


class FollowupSettings(PersonTokenSettings):
    """Follow-up's settings; the default nudge policy is `use_cases.policies.default_policy`.
    People's tokens are verified as agreements verifies them (BRIDGEWORK_JWT_*)."""

    service_name: str = "followup"
    http_port: int = 8003

    # Check-in links.
    check_in_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_CHECK_IN_SECRET),
        description="HMAC key of check-in links; production must set a long random value.",
    )
    check_in_link_ttl: timedelta = Field(default=timedelta(days=14), gt=timedelta(0))
    change_check_in_delay: timedelta = Field(
        default=timedelta(days=14),
        gt=timedelta(0),
        description="How long after a change went live its affected departments' leads are"
        " asked whether it works for them.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8003",
        description="Where people reach follow-up's check-in page: the start of every link.",
    )

    # Notifications link to the gateway's page of a repair, where people act.
    gateway_public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where people reach the gateway's pages: links are"
        " `<this>/repairs/<repair id>` (the local gateway by default, for development).",
    )
    facilitator_reminder_after: timedelta = Field(
        default=timedelta(days=2),
        gt=timedelta(0),
        description="How long a repair may wait for a facilitator before the leads and the"
        " change team get a gentle reminder.",
    )
    webhook_username: str = Field(
        default="Bridgework", description="The name a post is signed with (Mattermost)."
    )
    webhook_icon_url: str | None = Field(
        default=None, description="The icon a post shows (Mattermost); none by default."
    )

    # Admin endpoints (policies, webhooks, contacts, demo clock) and repair views take this
    # token (machines) or a person's own token with the right role.
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token machines use on the admin endpoints and repair views; unset"
        " in development mode means no credential is needed (local use only).",
    )

    # The scheduler of timers.
    scheduler_poll_seconds: float = Field(default=1.0, gt=0)
    scheduler_batch_size: int = Field(default=200, ge=1)

    # Deliveries (retries run on the wall clock: they wait for a real server to recover).
    delivery_poll_seconds: float = Field(default=1.0, gt=0)
    delivery_batch_size: int = Field(default=50, ge=1)
    delivery_max_attempts: int = Field(default=6, ge=1)
    delivery_retry_base_seconds: float = Field(default=5.0, gt=0)
    delivery_retry_max_seconds: float = Field(default=900.0, gt=0)
    delivery_timeout_seconds: float = Field(default=10.0, gt=0)

    # Webhooks go to public addresses only: a private one is the network's, not a chat's.
    webhook_allow_private_targets: bool = Field(
        default=False,
        description="Let webhooks reach loopback, private and link-local addresses "
        "(tests with a local receiver; never where the cloud metadata address is reachable).",
    )

    # E-mail over SMTP; no host means no e-mail channel.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "Bridgework follow-up <followup@example.org>"
    templates_dir: Path | None = None

    # The default nudge policy; departments override any of it (PUT /v1/departments/{d}/policy).
    nudge_lead_time: timedelta = timedelta(days=2)
    nudge_repeat_interval: timedelta = timedelta(days=3)
    nudge_quiet_hours_start: time | None = time(18, 0)
    nudge_quiet_hours_end: time | None = time(8, 0)
    nudge_working_days: list[WorkingDay] = Field(default_factory=_weekdays, min_length=1)
    nudge_time_zone: str = "UTC"
    nudge_check_in_delay: timedelta = timedelta(days=1)
    # An affected department not yet engaged is nudged this long before a change's go-live.
    nudge_engagement_lead_time: timedelta = timedelta(days=14)
    nudge_lapse_offer_repeats: int = Field(default=1, ge=0, le=10)

    def required_settings(self) -> list[str]:
        """The identity provider's key, issuer and audience, a check-in key and an admin token
        of this deployment's own, and no time travel."""
        missing = super().required_settings()
        key = self.check_in_secret.get_secret_value()
        if key == DEVELOPMENT_CHECK_IN_SECRET or len(key) < MIN_SECRET_LENGTH:
            missing.append(
                f"BRIDGEWORK_CHECK_IN_SECRET: a random key of {MIN_SECRET_LENGTH}+ characters"
            )
        admin = self.admin_token.get_secret_value() if self.admin_token else ""
        if len(admin) < MIN_SECRET_LENGTH:
            missing.append(f"BRIDGEWORK_ADMIN_TOKEN: {MIN_SECRET_LENGTH}+ random characters")
        return missing + kek_missing(self)

    @field_validator("nudge_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("public_base_url", "gateway_public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
