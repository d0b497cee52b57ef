"""Postgres set-up: one login role per service, owning its schema, with rights nowhere else.

`python -m bridgework.common.database_roles --help` runs it with an administrator's DSN;
docs/security.md ("Postgres") says who runs it and when. `sql` builds the statements,
`passwords` reads and checks the roles' passwords, `setup` runs the statements.
"""

from bridgework.common.database_roles.passwords import PasswordError, read_passwords
from bridgework.common.database_roles.setup import ServiceRole, SetUpError, set_up
from bridgework.common.database_roles.sql import (
    DEFAULT_ROLE_PREFIX,
    SERVICES,
    ServiceDatabase,
    role_name,
)

__all__ = [
    "DEFAULT_ROLE_PREFIX",
    "SERVICES",
    "PasswordError",
    "ServiceDatabase",
    "ServiceRole",
    "SetUpError",
    "read_passwords",
    "role_name",
    "set_up",
]
