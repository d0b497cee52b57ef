"""The topic set-up's configs: what a rebuild needs is kept forever, tokens and dead letters not."""

from __future__ import annotations

import pytest

from bridgework.common.kafka_setup import (
    DAY_MS,
    TopicPolicy,
    _arguments,
    _policy,
    topic_configs,
)
from bridgework.common.settings import ServiceSettings
from bridgework.common.topics import Topics

TOPICS = Topics("bw")


def test_event_streams_keep_every_record_for_a_rebuild() -> None:
    configs = topic_configs(TOPICS, TopicPolicy())

    for topic in (TOPICS.incidents, TOPICS.repairs, TOPICS.followups, TOPICS.changes):
        assert configs[topic]["retention.ms"] == "-1", topic
        assert configs[topic]["retention.bytes"] == "-1", topic
        assert configs[topic]["cleanup.policy"] == "delete", topic


def test_erasures_are_compacted_and_never_expire() -> None:
    # An erasure must outlive every event it overrides: a replay from offset 0 meets it.
    configs = topic_configs(TOPICS, TopicPolicy())

    assert configs[TOPICS.privacy]["cleanup.policy"] == "compact"
    assert configs[TOPICS.privacy]["retention.ms"] == "-1"
    assert configs[f"{TOPICS.privacy}.dlq"]["cleanup.policy"] == "delete"


def test_raw_topic_keeps_a_day_and_dead_letters_thirty_days() -> None:
    configs = topic_configs(TOPICS, TopicPolicy())

    assert configs[TOPICS.intake_raw]["retention.ms"] == str(DAY_MS)
    dead_letters = [topic for topic in TOPICS.all() if topic.endswith(".dlq")]
    main = [topic for topic in TOPICS.all() if not topic.endswith(".dlq")]
    assert sorted(dead_letters) == sorted(f"{topic}.dlq" for topic in main)
    assert TOPICS.changes in main
    for topic in dead_letters:
        assert configs[topic]["retention.ms"] == str(30 * DAY_MS), topic


def test_every_topic_is_configured_with_min_insync_replicas() -> None:
    configs = topic_configs(TOPICS, TopicPolicy(min_insync_replicas=2))

    assert set(configs) == set(TOPICS.all())
    assert {values["min.insync.replicas"] for values in configs.values()} == {"2"}


def test_command_line_sets_the_policy() -> None:
    args = _arguments(
        [
            "--replication",
            "3",
            "--raw-retention-hours",
            "6",
            "--dead-letter-retention-days",
            "7",
        ],
        ServiceSettings(),
    )

    assert _policy(args) == TopicPolicy(
        min_insync_replicas=2, raw_retention_ms=6 * 3_600_000, dead_letter_retention_ms=7 * DAY_MS
    )


def test_min_insync_replicas_defaults_to_no_more_than_the_replication() -> None:
    args = _arguments(["--replication", "1"], ServiceSettings())

    assert _policy(args).min_insync_replicas == 1


def test_min_insync_replicas_above_the_replication_is_refused_naming_the_option() -> None:
    args = _arguments(["--replication", "3", "--min-insync-replicas", "4"], ServiceSettings())

    with pytest.raises(SystemExit, match="--min-insync-replicas"):
        _policy(args)
