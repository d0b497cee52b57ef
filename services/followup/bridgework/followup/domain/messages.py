"""The words of every nudge: kind, plain, and replaceable without touching code.

Each message has a text template (first line `Subject: …`, a blank line, then the body; the
body is also what a webhook posts) and an HTML template. Placeholders are `$name` style
(`string.Template`); values are HTML-escaped in the HTML version. A directory set in
`BRIDGEWORK_TEMPLATES_DIR` may hold files named `<message>.txt` / `<message>.html` that
replace the defaults below, one by one (read by `clients/template_files.py`).

Placeholders: $greeting ("Hi Dana" with the display name from the person's contact, "Hello"
without one: never the pseudonymous id), $name (the display name, "there" without one),
$action, $due (the due date in the recipient's time zone), $owner_name (whom a facilitator's
heads-up is about), $link (the check-in, or the gateway's page of the repair) and
$link_expires (check-in), $departments and $opened (a repair waiting for a facilitator),
$version and $replaces (a proposal waiting for consent).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

DEFAULTS: dict[str, tuple[str, str]] = {
    "reminder": (
        """Subject: A friendly reminder: $action

$greeting,

This is a friendly reminder of what you offered to do as part of putting things right:

    $action

The date you agreed is $due. If that still works, there is nothing else to do.
If it has become hard to manage, that is all right: you can ask your facilitator
for help or agree a new date with the people involved.

Thank you for following through.
""",
        """<p>$greeting,</p>
<p>This is a friendly reminder of what you offered to do as part of putting things right:</p>
<blockquote>$action</blockquote>
<p>The date you agreed is <strong>$due</strong>. If that still works, there is nothing else to do.
If it has become hard to manage, that is all right: you can ask your facilitator for help or
agree a new date with the people involved.</p>
<p>Thank you for following through.</p>
""",
    ),
    "lapse_offer": (
        """Subject: Can we help? $action

$greeting,

The date agreed for this has passed:

    $action

(due $due)

Plans change and things get in the way; that happens to everyone. If you would
like a hand, your facilitator is glad to help. If the date no longer works, you
can agree a new one with the people involved. And if it is done already, let
your facilitator know so it can be marked as kept.
""",
        """<p>$greeting,</p>
<p>The date agreed for this has passed:</p>
<blockquote>$action</blockquote>
<p>(due $due)</p>
<p>Plans change and things get in the way; that happens to everyone. If you would like a hand,
your facilitator is glad to help. If the date no longer works, you can agree a new one with the
people involved. And if it is done already, let your facilitator know so it can be marked as
kept.</p>
""",
    ),
    "facilitator_support": (
        """Subject: Support is here if you want it: $action

$greeting,

This commitment is still open:

    $action

(due $due)

Your facilitator would be glad to sit down with you and work out what would
help: more time, a different plan, or someone to do it alongside you. Just
reply to them; there is no pressure and no blame.
""",
        """<p>$greeting,</p>
<p>This commitment is still open:</p>
<blockquote>$action</blockquote>
<p>(due $due)</p>
<p>Your facilitator would be glad to sit down with you and work out what would help: more time,
a different plan, or someone to do it alongside you. Just reply to them; there is no pressure and
no blame.</p>
""",
    ),
    "facilitator_heads_up": (
        """Subject: $owner_name may welcome your support

$greeting,

A commitment in a repair you facilitate is still open after its date:

    $action

(owner: $owner_name, due $due)

They have been offered your support. A short, friendly conversation about what
would help is often all it takes.
""",
        """<p>$greeting,</p>
<p>A commitment in a repair you facilitate is still open after its date:</p>
<blockquote>$action</blockquote>
<p>(owner: $owner_name, due $due)</p>
<p>They have been offered your support. A short, friendly conversation about what would help is
often all it takes.</p>
""",
    ),
    "consent_needed": (
        """Subject: Your answer is needed: a proposal to put things right

$greeting,

A proposal for putting things right (version $version) is waiting for your answer.$replaces
Please read it, then consent, or decline and say what would work better for you:
$link

Nothing is agreed until everyone involved has said yes.
""",
        """<p>$greeting,</p>
<p>A proposal for putting things right (version $version) is waiting for your answer.$replaces</p>
<p><a href="$link">Read it, then consent or decline</a> and say what would work better for
you.</p>
<p>Nothing is agreed until everyone involved has said yes.</p>
""",
    ),
    "facilitator_needed": (
        """Subject: A repair is looking for a facilitator

$greeting,

A repair between $departments has opened, and nobody is facilitating it yet.
If you could facilitate it, or know someone who could, you can offer or assign
a facilitator here:
$link

Thank you for helping people put things right.
""",
        """<p>$greeting,</p>
<p>A repair between $departments has opened, and nobody is facilitating it yet.</p>
<p>If you could facilitate it, or know someone who could,
<a href="$link">you can offer or assign a facilitator here</a>.</p>
<p>Thank you for helping people put things right.</p>
""",
    ),
    "facilitator_still_needed": (
        """Subject: Still looking for a facilitator

$greeting,

The repair between $departments, opened $opened, is still looking for a
facilitator. The people involved are waiting to talk it through; a facilitator
is all it takes to begin:
$link
""",
        """<p>$greeting,</p>
<p>The repair between $departments, opened $opened, is still looking for a facilitator.
The people involved are waiting to talk it through; a facilitator is all it takes to begin.</p>
<p><a href="$link">Open the repair</a></p>
""",
    ),
    "check_in": (
        """Subject: Were things made right?

$greeting,

Everything that was agreed to put things right has now been done or settled.
We would like to hear from you: were things made right for you?

Answer here (yes, partly or no, with a comment if you like):
$link

The link is yours alone and works until $link_expires.
""",
        """<p>$greeting,</p>
<p>Everything that was agreed to put things right has now been done or settled.
We would like to hear from you: were things made right for you?</p>
<p><a href="$link">Answer here</a> (yes, partly or no, with a comment if you like).</p>
<p>The link is yours alone and works until $link_expires.</p>
""",
    ),
}


@dataclass(frozen=True)
class Message:
    """One written message: a subject, a text body (also what a webhook posts) and HTML."""

    subject: str
    text: str
    html: str
    link: str | None = None  # also a button where a chat's format has one
    link_label: str | None = None


# The label of a message's link where a chat shows it as a button.
LINK_LABELS = {
    "check_in": "Answer the check-in",
    "consent_needed": "Read the proposal",
    "facilitator_needed": "Open the repair",
    "facilitator_still_needed": "Open the repair",
}


def greeting(display_name: str | None) -> str:
    """How a message opens: by the name people know, or neutrally; a pseudonymous id would
    read like a ticket number."""
    return f"Hi {display_name}" if display_name else "Hello"


def template_files() -> list[str]:
    """The names of the files that may replace a default: `<message>.txt` and `.html`."""
    return [f"{name}.{suffix}" for name in DEFAULTS for suffix in ("txt", "html")]


class Templates:
    """The message templates in force: the defaults, each replaceable by a file's text."""

    def __init__(self, replacements: Mapping[str, str] | None = None) -> None:
        replaced = replacements or {}
        self._templates: dict[str, tuple[str, str]] = {
            name: (replaced.get(f"{name}.txt", text), replaced.get(f"{name}.html", markup))
            for name, (text, markup) in DEFAULTS.items()
        }

    def render(self, name: str, values: dict[str, str]) -> Message:
        """Fill in one message; a placeholder without a value stays as written."""
        text, markup = self._templates[name]
        filled = Template(text).safe_substitute(values)
        first, _, body = filled.partition("\n")
        if first.lower().startswith("subject:"):
            subject, body = first.split(":", 1)[1].strip(), body.lstrip("\n")
        else:
            subject, body = "A note from Bridgework follow-up", filled
        escaped = {key: html.escape(value) for key, value in values.items()}
        link = values.get("link") or None
        return Message(
            subject=subject,
            text=body,
            html=Template(markup).safe_substitute(escaped),
            link=link,
            link_label=LINK_LABELS.get(name, "Open") if link else None,
        )
