"""`python -m bridgework.followup`: run the follow-up service."""

from __future__ import annotations

from bridgework.common.serve import serve
from bridgework.followup.app import create_app
from bridgework.followup.settings import FollowupSettings


def main() -> None:
    settings = FollowupSettings()
    serve(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
