"""`python -m bridgework.intake`: run the intake service."""

from __future__ import annotations

import gc

from bridgework.common.serve import serve
from bridgework.intake.app import create_app
from bridgework.intake.settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    app = create_app(settings)
    # Everything made so far (modules, the app, its routes and models: ~90k objects) lives as
    # long as the process. Frozen, the collector stops walking it on every full collection,
    # which a batch of 500 submissions triggers again and again (docs/intake.md, "Speed").
    gc.collect()
    gc.freeze()
    serve(app, settings)


if __name__ == "__main__":
    main()
