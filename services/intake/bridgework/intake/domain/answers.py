"""Restorative answers found in a tool's free text, under headings that ask the four questions.

GitHub issue forms render each question as a `### Question` heading followed by the
answer; Jira wiki markup writes `h3. Question`; people often write `**Question**`.
Text outside such headings is left alone: intake never guesses an answer.
"""

from __future__ import annotations

import re

ANSWER_LIMIT = 8000
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+|h[1-6]\.\s+|\*\*)(?P<title>.+?)(?:\*\*)?\s*:?\s*$")
# Phrases that identify each question, lower case; the first match wins.
_QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("what_happened", ("what happened",)),
    ("thinking_at_the_time", ("thinking at the time", "what were you thinking")),
    (
        "who_was_affected",
        ("who has been affected", "who was affected", "who is affected", "who were affected"),
    ),
    ("make_things_right", ("make things right", "make it right", "what needs to happen")),
)
# What GitHub issue forms write for an optional question left empty.
_NO_RESPONSE = {"_no response_", "no response", "n/a", "-"}


def answers_from_text(text: str | None) -> dict[str, str]:
    """The answers under question headings in `text`, keyed like ReportedAnswers' fields."""
    if not text:
        return {}
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = _question_of(heading.group("title"))
            if current is not None:
                found.setdefault(current, [])
            continue
        if current is not None:
            found[current].append(line)
    answers: dict[str, str] = {}
    for key, lines in found.items():
        answer = "\n".join(lines).strip()
        if answer and answer.lower() not in _NO_RESPONSE:
            answers[key] = _clip(answer)
    return answers


def _question_of(title: str) -> str | None:
    lowered = title.lower()
    for key, phrases in _QUESTIONS:
        if any(phrase in lowered for phrase in phrases):
            return key
    return None


def _clip(text: str) -> str:
    # The tool keeps the full text (and the incident links to it); the event carries at most this.
    return text if len(text) <= ANSWER_LIMIT else text[: ANSWER_LIMIT - 1] + "…"
