"""Check-in links as the affected receive them: mail in the local sink's Maildir.

Follow-up sends each affected person a personal, signed link once every commitment is kept
or released; the seeder answers as that person would. Each demo repair has an affected
person of its own, so the recipient names the repair. A department's lead is asked about a
planned change after its go-live; the subject names the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

LINK = re.compile(r"/v1/check-ins/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class CheckInMail:
    person_id: str
    token: str
    subject: str = ""  # a change's check-in names the change here


@dataclass
class Mailbox:
    """The sink's Maildir; each message is read once."""

    folder: Path
    seen: set[str] = field(default_factory=set)

    @classmethod
    def from_now(cls, folder: Path) -> Mailbox:
        """The sink from here on: mail already in it (an earlier year's, say, when its
        databases were dropped but not the sink) names check-ins that are gone."""
        new = folder / "new"
        return cls(folder, {path.name for path in new.iterdir()} if new.is_dir() else set())

    def new_check_ins(self) -> list[CheckInMail]:
        found: list[CheckInMail] = []
        new = self.folder / "new"
        if not new.is_dir():
            return found
        for path in sorted(new.iterdir()):
            if path.name in self.seen:
                continue
            self.seen.add(path.name)
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(mail, EmailMessage)
            body = mail.get_body(preferencelist=("plain",))
            link = LINK.search(body.get_content() if body is not None else "")
            if link is not None:
                person_id = str(mail["To"]).rpartition("<")[2].split("@")[0]
                found.append(
                    CheckInMail(
                        person_id=person_id, token=link.group(1), subject=str(mail["Subject"])
                    )
                )
        return found
