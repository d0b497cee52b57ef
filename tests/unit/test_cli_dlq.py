"""`bridgework dlq` without infrastructure: help, argument errors, and how a letter is mended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgework.cli.dlq import app
from bridgework.common.dead_letters import (
    DeadLetter,
    DeadLetterError,
    DeadLetters,
    Fix,
    mended,
    pretty_value,
    summarise,
)
from bridgework.common.kafka_security import PLAINTEXT

runner = CliRunner()
FRESH = "bwi_" + "F" * 43
DLQ = {
    "bridgework_dlq_reason": b"unauthenticated",
    "bridgework_dlq_error": b"unknown or revoked token",
    "bridgework_dlq_consumer": b"intake.raw",
    "bridgework_dlq_topic": b"bw.intake.raw",
    "bridgework_dlq_partition": b"3",
    "bridgework_dlq_offset": b"7",
}


def letter(
    value: object, headers: dict[str, bytes] | None = None, *, offset: int = 0, partition: int = 0
) -> DeadLetter:
    return DeadLetter(
        topic="bw.intake.raw.dlq",
        partition=partition,
        offset=offset,
        key=b"k",
        value=json.dumps(value).encode(),
        headers=tuple({**(headers or {}), **DLQ}.items()),
    )


@pytest.mark.parametrize("command", [[], ["list"], ["show"], ["redrive"]], ids=str)
def test_every_dlq_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.mark.parametrize("at", ["7", "a:b", "0:-1", ":3"])
def test_show_refuses_a_place_that_is_not_partition_colon_offset(at: str) -> None:
    result = runner.invoke(app, ["show", "intake.raw", at])
    assert result.exit_code == 2
    assert "PARTITION:OFFSET" in result.output


def test_redrive_wants_replace_value_and_at_together(tmp_path: Path) -> None:
    value = tmp_path / "v.json"
    value.write_text("{}")
    result = runner.invoke(app, ["redrive", "intake.raw", "--replace-value", str(value)])
    assert result.exit_code == 2
    assert "--replace-value and --at go together" in result.output


def test_redrive_names_a_replacement_file_it_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    result = runner.invoke(
        app, ["redrive", "intake.raw", "--replace-value", str(missing), "--at", "0:1"]
    )
    assert result.exit_code == 1
    assert f"--replace-value {missing}" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_broker_is_one_line_and_status_1() -> None:
    result = runner.invoke(app, ["list"], env={"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"})
    assert result.exit_code == 1
    assert result.output.startswith("error: Kafka:")


def test_a_short_topic_name_is_completed_with_the_namespace() -> None:
    letters = DeadLetters("127.0.0.1:1", PLAINTEXT, "bw")
    assert letters.dead_letter_topic("intake.raw") == "bw.intake.raw.dlq"
    assert letters.dead_letter_topic("bw.repairs") == "bw.repairs.dlq"
    assert letters.dead_letter_topic("bw.repairs.dlq") == "bw.repairs.dlq"


def test_a_dead_letter_goes_back_with_its_headers_but_not_the_dlq_ones() -> None:
    plain = letter({"x": 1}, {"ce_id": b"e1"})
    value, headers, fixed = mended(plain, Fix())
    assert (value, headers, fixed) == (plain.value, [("ce_id", b"e1")], [])
    assert plain.original_topic == "bw.intake.raw"
    assert (plain.reason, plain.consumer) == ("unauthenticated", "intake.raw")


def test_a_redacted_token_is_refused_without_a_fresh_one() -> None:
    binary = letter({"department": "it"}, {"ce_bridgeworktoken": b"[redacted]"}, offset=4)
    with pytest.raises(DeadLetterError, match=r"@4: its token was redacted; give --token"):
        mended(binary, Fix())


def test_a_fresh_token_of_another_department_is_refused() -> None:
    binary = letter({"department": "it"}, {"ce_bridgeworktoken": b"[redacted]"})
    with pytest.raises(DeadLetterError, match="department 'it', and --token is of 'hr'"):
        mended(binary, Fix(token=FRESH, token_department="hr"))


def test_a_fresh_token_goes_in_the_binary_header() -> None:
    redacted = {"ce_specversion": b"1.0", "ce_bridgeworktoken": b"[redacted]"}
    binary = letter({"department": "it"}, redacted)
    value, headers, fixed = mended(binary, Fix(token=FRESH, token_department="it"))
    assert headers == [("ce_specversion", b"1.0"), ("ce_bridgeworktoken", FRESH.encode())]
    assert value == binary.value
    assert fixed == ["fresh token"]


def test_a_cloudevent_sent_without_a_token_gets_one_only_when_given() -> None:
    binary = letter({"department": "it"}, {"ce_specversion": b"1.0"})
    assert mended(binary, Fix())[2] == []
    _, headers, fixed = mended(binary, Fix(token=FRESH, token_department="it"))
    assert dict(headers)["ce_bridgeworktoken"] == FRESH.encode()
    assert fixed == ["fresh token"]
    with pytest.raises(DeadLetterError, match="--token is of 'hr'"):
        mended(binary, Fix(token=FRESH, token_department="hr"))


def test_an_event_that_is_no_cloudevent_is_not_given_a_token() -> None:
    event = letter({"department": "it"}, {"content-type": b"application/json"})
    assert mended(event, Fix(token=FRESH, token_department="hr"))[2] == []


def test_a_fresh_token_goes_in_the_structured_attribute_of_the_replaced_value() -> None:
    kept = {"specversion": "1.0", "bridgeworktoken": "[redacted]", "data": {"department": "it"}}
    structured = letter(kept, offset=9, partition=2)
    corrected = {**kept, "data": {"department": "it", "severity": "high"}}
    fix = Fix(
        token=FRESH,
        token_department="it",
        replace_value=json.dumps(corrected).encode(),
        replace_at=(2, 9),
    )
    value, _, fixed = mended(structured, fix)
    assert json.loads(value) == {**corrected, "bridgeworktoken": FRESH}
    assert fixed == ["value replaced", "fresh token"]


def test_the_summary_counts_reasons_offsets_and_what_is_not_re_driven_yet() -> None:
    letters = [letter({}, offset=n, partition=n % 2) for n in range(5)]
    summary = summarise("bw.intake.raw.dlq", letters, committed={0: 3})
    assert (summary.count, summary.pending) == (5, 3)  # 0:4, 1:1, 1:3
    assert summary.reasons == {"unauthenticated": 5}
    assert summary.offsets == {0: (0, 4), 1: (1, 3)}


def test_a_json_value_is_indented_and_anything_else_shown_as_text() -> None:
    assert pretty_value(b'{"a":1}') == '{\n  "a": 1\n}'
    assert pretty_value(b"\xffnot json") == "\\xffnot json"
