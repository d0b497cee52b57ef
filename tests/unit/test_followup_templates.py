"""The words of nudges: filled in, escaped in HTML, replaceable from a directory."""

from __future__ import annotations

from pathlib import Path

from bridgework.followup.clients.template_files import read_templates
from bridgework.followup.domain.messages import DEFAULTS, Templates

VALUES = {
    "greeting": "Hi Sam <Ops>",
    "name": "Sam <Ops>",
    "action": "Restore USB access",
    "due": "Monday 9 November 2026, 09:30 (UTC)",
    "owner_name": "Alex",
    "link": "https://followup.example.org/v1/check-ins/abc.def",
    "link_expires": "Monday 16 November 2026, 09:30 (UTC)",
    "departments": "it and finance",
    "opened": "Monday 2 November 2026, 09:30 (UTC)",
    "version": "2",
    "replaces": " It replaces the earlier version, which needs no answer now.",
}


def test_every_message_has_a_subject_and_fills_every_placeholder() -> None:
    templates = Templates()
    for name in DEFAULTS:
        message = templates.render(name, VALUES)

        assert message.subject
        assert "$" not in message.subject + message.text + message.html, name


def test_the_html_version_escapes_what_people_typed() -> None:
    message = Templates().render("reminder", VALUES)

    assert "Sam &lt;Ops&gt;" in message.html
    assert "Hi Sam <Ops>," in message.text


def test_nudges_are_kind_and_never_threaten() -> None:
    templates = Templates()
    for name in DEFAULTS:
        words = templates.render(name, VALUES).text.lower()
        for harsh in ("overdue", "fail", "manager", "escalat", "warning", "must"):
            assert harsh not in words, (name, harsh)


def test_a_template_file_replaces_the_default(tmp_path: Path) -> None:
    (tmp_path / "reminder.txt").write_text("Subject: Nudge for $name\n\nPlease: $action\n")

    message = read_templates(tmp_path).render("reminder", VALUES)

    assert message.subject == "Nudge for Sam <Ops>"
    assert message.text == "Please: Restore USB access\n"
    assert "friendly reminder" in message.html  # the HTML default still stands
