"""`python -m bridgework.intake`: run the intake service."""

from __future__ import annotations

from bridgework.common.serve import serve
from bridgework.intake.app import create_app
from bridgework.intake.settings import IntakeSettings


def main() -> None:
    """Serve intake with its settings from the environment."""
    settings = IntakeSettings()
    serve(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
