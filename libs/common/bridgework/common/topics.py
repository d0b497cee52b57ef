"""Topic names. One namespace prefix so that tests (and tenants) can run side by side on one cluster."""

from __future__ import annotations

from dataclasses import dataclass

from bridgework.common.contracts import Contract

DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topics:
    """The topics of one Bridgework installation; `namespace` defaults to `bridgework`."""

    namespace: str = "bridgework"

    @property
    def intake_raw(self) -> str:
        return f"{self.namespace}.intake.raw"

    @property
    def incidents(self) -> str:
        return f"{self.namespace}.incidents"

    @property
    def repairs(self) -> str:
        return f"{self.namespace}.repairs"

    @property
    def followups(self) -> str:
        return f"{self.namespace}.followups"

    @property
    def privacy(self) -> str:
        """Erasures (PersonErased): compacted, kept forever (kafka_setup.topic_configs)."""
        return f"{self.namespace}.privacy"

    @property
    def changes(self) -> str:
        """Planned changes (ChangeRecorded, ChangeUpdated, ChangeWentLive), keyed by change id."""
        return f"{self.namespace}.changes"

    @property
    def engagements(self) -> str:
        """Engagements of planned changes (agreements'), keyed by change id."""
        return f"{self.namespace}.engagements"

    def of(self, contract: Contract | type[Contract]) -> str:
        """The topic a contract travels on."""
        return f"{self.namespace}.{contract.stream}"

    def all(self) -> tuple[str, ...]:
        """Every topic with its dead-letter topic beside it."""
        main = (
            self.intake_raw,
            self.incidents,
            self.repairs,
            self.followups,
            self.privacy,
            self.changes,
            self.engagements,
        )
        return main + tuple(dead_letter_topic(topic) for topic in main)


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic beside `topic`."""
    return topic + DEAD_LETTER_SUFFIX
