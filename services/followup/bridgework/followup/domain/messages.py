"""The words of every nudge: kind, plain, and replaceable without touching code.

Each message has a text template (first line `Subject: …`, a blank line, then the body; the
body is also what a webhook posts) and an HTML template. Placeholders are `$name` style
(`string.Template`); values are HTML-escaped in the HTML version. A directory set in
`BRIDGEWORK_TEMPLATES_DIR` may hold files named `<message>.txt` / `<message>.html` that
replace the defaults below, one by one (read by `clients/template_files.py`).

Placeholders: $name (the recipient), $action, $due (the due date in the recipient's time
zone), $owner_name (whom a facilitator's heads-up is about), $link and $link_expires (check-in).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

DEFAULTS: dict[str, tuple[str, str]] = {
    "reminder": (
        """Subject: A friendly reminder: $action

Hi $name,

This is a friendly reminder of what you offered to do as part of putting things right:

    $action

The date you agreed is $due. If that still works, there is nothing else to do.
If it has become hard to manage, that is all right: you can ask your facilitator
for help or agree a new date with the people involved.

Thank you for following through.
""",
        """<p>Hi $name,</p>
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

Hi $name,

The date agreed for this has passed:

    $action

(due $due)

Plans change and things get in the way; that happens to everyone. If you would
like a hand, your facilitator is glad to help. If the date no longer works, you
can agree a new one with the people involved. And if it is done already, let
your facilitator know so it can be marked as kept.
""",
        """<p>Hi $name,</p>
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

Hi $name,

This commitment is still open:

    $action

(due $due)

Your facilitator would be glad to sit down with you and work out what would
help: more time, a different plan, or someone to do it alongside you. Just
reply to them; there is no pressure and no blame.
""",
        """<p>Hi $name,</p>
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

Hi $name,

A commitment in a repair you facilitate is still open after its date:

    $action

(owner: $owner_name, due $due)

They have been offered your support. A short, friendly conversation about what
would help is often all it takes.
""",
        """<p>Hi $name,</p>
<p>A commitment in a repair you facilitate is still open after its date:</p>
<blockquote>$action</blockquote>
<p>(owner: $owner_name, due $due)</p>
<p>They have been offered your support. A short, friendly conversation about what would help is
often all it takes.</p>
""",
    ),
    "check_in": (
        """Subject: Were things made right?

Hi $name,

Everything that was agreed to put things right has now been done or settled.
We would like to hear from you: were things made right for you?

Answer here (yes, partly or no, with a comment if you like):
$link

The link is yours alone and works until $link_expires.
""",
        """<p>Hi $name,</p>
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
        return Message(subject=subject, text=body, html=Template(markup).safe_substitute(escaped))
