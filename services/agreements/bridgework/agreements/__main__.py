"""`python -m bridgework.agreements`: run the agreements service."""

from __future__ import annotations

from bridgework.agreements.app import create_app
from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.serve import serve


def main() -> None:
    settings = AgreementsSettings()
    serve(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
