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

    def of(self, contract: Contract | type[Contract]) -> str:
        """The topic a contract travels on."""
        return f"{self.namespace}.{contract.stream}"

    def all(self) -> tuple[str, ...]:
        """Every topic with its dead-letter topic beside it."""
        main = (self.intake_raw, self.incidents, self.repairs, self.followups)
        return main + tuple(dead_letter_topic(topic) for topic in main)


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic beside `topic`."""
    return topic + DEAD_LETTER_SUFFIX
