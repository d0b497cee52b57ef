"""`python -m bridgework.common.privacy new-kek`: print a fresh key-encryption key."""

from __future__ import annotations

import sys

from bridgework.common.privacy.keys import KEK_SETTING, new_kek_text


def main(argv: list[str]) -> int:
    if argv != ["new-kek"]:
        print(f"usage: python -m bridgework.common.privacy new-kek  (a value for {KEK_SETTING})")
        return 2
    print(new_kek_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
