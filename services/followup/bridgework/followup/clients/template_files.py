"""The message templates in force: the defaults, with the files of BRIDGEWORK_TEMPLATES_DIR."""

from __future__ import annotations

from pathlib import Path

from bridgework.followup.domain.messages import Templates, template_files


def read_templates(directory: Path | None) -> Templates:
    """The templates, each default replaced by `<message>.txt` / `.html` in `directory`."""
    if directory is None:
        return Templates()
    return Templates(
        {
            name: (directory / name).read_text(encoding="utf-8")
            for name in template_files()
            if (directory / name).is_file()
        }
    )
