"""The SQL of the database set-up, built as text and never run here (see `setup.py`).

Role and schema names are checked against one identifier rule and quoted; nothing else
reaches a statement except the password verifier, which is quoted as a literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lower case, so the quoted and unquoted spellings name the same object; 63 bytes is
# Postgres's identifier limit (longer names are silently cut, and two roles could clash).
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_ROLE_PREFIX = "bridgework_"


@dataclass(frozen=True)
class ServiceDatabase:
    """What one service needs of the database: its schema, and temporary tables or not."""

    schema: str
    # The gateway's projection stages each batch in session-private temporary tables.
    temporary_tables: bool = False


# The schema is the service's `ServiceSettings.db_schema` (its service name);
# tests/unit/test_database_roles.py holds the two equal.
SERVICES: tuple[ServiceDatabase, ...] = (
    ServiceDatabase("intake"),
    ServiceDatabase("agreements"),
    ServiceDatabase("followup"),
    ServiceDatabase("gateway", temporary_tables=True),
)


@dataclass(frozen=True)
class Step:
    """One statement and what it does; only the description is ever logged or shown."""

    description: str
    sql: str


def identifier(name: str, *, field: str) -> str:
    """`name` double-quoted, or a ValueError naming `field` when it is not a plain identifier."""
    if not _IDENTIFIER.match(name):
        raise ValueError(
            f"{field}: {name!r} is not a plain identifier "
            "(lower-case letters, digits and _, not starting with a digit, at most 63)"
        )
    return f'"{name}"'


def literal(value: str) -> str:
    """`value` as a standard SQL string literal (Postgres reads backslashes as themselves)."""
    if "\x00" in value:
        raise ValueError("a string literal cannot hold a NUL character")
    return "'" + value.replace("'", "''") + "'"


def role_name(prefix: str, service: ServiceDatabase) -> str:
    """The login role of `service`: the prefix, then its schema's name."""
    name = f"{prefix}{service.schema}"
    identifier(name, field="role prefix")
    return name


def create_role(role: str) -> Step:
    return Step(
        f"create role {role}",
        f"CREATE ROLE {identifier(role, field='role')} LOGIN NOINHERIT NOCREATEDB NOCREATEROLE",
    )


def set_password(role: str, verifier: str) -> Step:
    """Store a SCRAM verifier: the server never receives the password itself."""
    if not verifier.startswith("SCRAM-SHA-256$"):
        raise ValueError("a role's password is set from its SCRAM-SHA-256 verifier only")
    return Step(
        f"set the password of role {role}",
        f"ALTER ROLE {identifier(role, field='role')} LOGIN NOCREATEDB NOCREATEROLE"
        f" PASSWORD {literal(verifier)}",
    )


def join_role(role: str) -> Step:
    """A non-superuser administrator must be a member of a role to give it a schema."""
    return Step(
        f"let the administrator hand objects to {role}",
        f"GRANT {identifier(role, field='role')} TO CURRENT_USER",
    )


def lock_down_database(database: str, *, public_schema: bool) -> list[Step]:
    """Nobody connects, makes schemas or temporary tables unless granted by name."""
    steps = [
        Step(
            f"revoke every right on database {database} from PUBLIC",
            f"REVOKE ALL ON DATABASE {_database(database)} FROM PUBLIC",
        )
    ]
    if public_schema:
        steps.append(
            Step(
                "revoke CREATE on schema public from PUBLIC",
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            )
        )
    return steps


def grant_database(database: str, role: str, service: ServiceDatabase) -> Step:
    rights = "CONNECT, TEMPORARY" if service.temporary_tables else "CONNECT"
    return Step(
        f"grant {rights} on database {database} to {role}",
        f"GRANT {rights} ON DATABASE {_database(database)} TO {identifier(role, field='role')}",
    )


def own_schema(schema: str, role: str) -> list[Step]:
    """The schema exists and belongs to the role; nobody else is granted anything on it."""
    quoted_schema = identifier(schema, field="schema")
    quoted_role = identifier(role, field="role")
    return [
        Step(
            f"create schema {schema} owned by {role}",
            f"CREATE SCHEMA IF NOT EXISTS {quoted_schema} AUTHORIZATION {quoted_role}",
        ),
        Step(
            f"give schema {schema} to {role}",
            f"ALTER SCHEMA {quoted_schema} OWNER TO {quoted_role}",
        ),
        Step(
            f"revoke every right on schema {schema} from PUBLIC",
            f"REVOKE ALL ON SCHEMA {quoted_schema} FROM PUBLIC",
        ),
    ]


# The data keys of confidential texts (`bridgework.common.privacy`): agreements' role owns
# the schema and makes its tables (`KeyStore.prepare`); follow-up adds keys (it seals check-in
# comments) and the gateway only reads them (the KEK canary included: `prepare` writes it only
# where it is missing, which the owner's first start is).
PRIVACY_SCHEMA = "privacy"
PRIVACY_OWNER = "agreements"
PRIVACY_RIGHTS = {"followup": "SELECT, INSERT", "gateway": "SELECT"}


def privacy_schema(roles: dict[str, str]) -> list[Step]:
    """The privacy schema, owned by agreements' role; the others' rights on it, on the tables
    there now and on those its owner makes later. `roles` maps each schema to its role."""
    schema = identifier(PRIVACY_SCHEMA, field="schema")
    owner = identifier(roles[PRIVACY_OWNER], field="role")
    steps = own_schema(PRIVACY_SCHEMA, roles[PRIVACY_OWNER])
    for service, rights in PRIVACY_RIGHTS.items():
        role = identifier(roles[service], field="role")
        steps += [
            Step(
                f"let {roles[service]} use schema {PRIVACY_SCHEMA}",
                f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            ),
            Step(
                f"grant {roles[service]} {rights} on the tables of {PRIVACY_SCHEMA}",
                f"GRANT {rights} ON ALL TABLES IN SCHEMA {schema} TO {role}",
            ),
            Step(
                f"grant {roles[service]} {rights} on the tables {PRIVACY_SCHEMA} will hold",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema}"
                f" GRANT {rights} ON TABLES TO {role}",
            ),
        ]
    return steps


# Objects in a schema that another role owns, as (kind, name) for `give_object`: what an
# installation from before per-service roles holds (one role owned all four schemas).
# Sequences a column owns follow their table; indexes and row types follow theirs too.
# Routines come as `schema.name(argument types)`, quoted by Postgres: the set-up runs with
# search_path = pg_catalog, so the name is always qualified.
FOREIGN_OWNED_OBJECTS = """
SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                      WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                      ELSE 'TABLE' END AS kind,
       c.relname AS name
  FROM pg_class c
 WHERE c.relnamespace = $1::regnamespace
   AND c.relowner <> $2::regrole
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype IN ('a', 'i'))
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
       p.oid::regprocedure::text
  FROM pg_proc p
 WHERE p.pronamespace = $1::regnamespace AND p.proowner <> $2::regrole
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typname
  FROM pg_type t
 WHERE t.typnamespace = $1::regnamespace AND t.typowner <> $2::regrole
   AND t.typtype IN ('d', 'e', 'r')
"""

# Rights on a schema or on anything in it held by a role other than its owner
# (grantee 0 is PUBLIC), as (kind, name, grantee) for `revoke_grant`; one row per grantee
# and object, whatever the number of rights.
FOREIGN_GRANTS = """
SELECT DISTINCT * FROM (
SELECT 'SCHEMA' AS kind, n.nspname AS name, a.grantee::regrole::text AS grantee,
       a.grantee = 0 AS to_public
  FROM pg_namespace n, aclexplode(n.nspacl) a
 WHERE n.oid = $1::regnamespace AND a.grantee <> n.nspowner
UNION ALL
SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname,
       a.grantee::regrole::text, a.grantee = 0
  FROM pg_class c, aclexplode(c.relacl) a
 WHERE c.relnamespace = $1::regnamespace AND a.grantee <> c.relowner
UNION
-- A table-wide REVOKE takes the column rights with it.
SELECT 'TABLE', c.relname, a.grantee::regrole::text, a.grantee = 0
  FROM pg_class c JOIN pg_attribute t ON t.attrelid = c.oid, aclexplode(t.attacl) a
 WHERE c.relnamespace = $1::regnamespace AND a.grantee <> c.relowner
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
       p.oid::regprocedure::text, a.grantee::regrole::text, a.grantee = 0
  FROM pg_proc p, aclexplode(p.proacl) a
 WHERE p.pronamespace = $1::regnamespace AND a.grantee <> p.proowner
) AS grants
"""

# Memberships that would let a role act as a service's role, or a service's role act as
# another role: (granted, member) for `revoke_membership`. The administrator's own stays.
FOREIGN_MEMBERSHIPS = """
SELECT a.roleid::regrole::text AS granted, a.member::regrole::text AS member
  FROM pg_auth_members a
 WHERE (a.member = $1::regrole OR a.roleid = $1::regrole)
   AND a.member <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
"""


def revoke_membership(granted: str, member: str) -> Step:
    return Step(
        f"revoke membership of {member} in {granted}",
        f"REVOKE {_quoted_role(granted)} FROM {_quoted_role(member)} CASCADE",
    )


_KINDS = frozenset(
    {
        "SCHEMA",
        "TABLE",
        "SEQUENCE",
        "VIEW",
        "MATERIALIZED VIEW",
        "FOREIGN TABLE",
        "FUNCTION",
        "PROCEDURE",
        "DOMAIN",
        "TYPE",
    }
)
_ROUTINES = frozenset({"FUNCTION", "PROCEDURE"})


def give_object(kind: str, schema: str, name: str, role: str) -> Step:
    """`ALTER <kind> schema.name OWNER TO role`, for an object the catalog query found."""
    return Step(
        f"give {kind.lower()} {_shown(kind, schema, name)} to {role}",
        f"ALTER {_kind(kind)} {_object(kind, schema, name)}"
        f" OWNER TO {identifier(role, field='role')}",
    )


def revoke_grant(kind: str, schema: str, name: str, grantee: str | None) -> Step:
    """Revoke every right `grantee` (None: PUBLIC) holds on an object of a service's schema."""
    who = "PUBLIC" if grantee is None else _quoted_role(grantee)
    return Step(
        f"revoke the rights of {grantee or 'PUBLIC'} on {kind.lower()} {_shown(kind, schema, name)}",
        f"REVOKE ALL PRIVILEGES ON {_kind(kind, grant=True)} {_object(kind, schema, name)}"
        f" FROM {who} CASCADE",
    )


def _kind(kind: str, *, grant: bool = False) -> str:
    if kind not in _KINDS:
        raise ValueError(f"object kind: {kind!r} is not one the set-up handles")
    # GRANT and REVOKE name views and foreign tables as tables.
    if grant and kind in {"VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE"}:
        return "TABLE"
    return kind


def _object(kind: str, schema: str, name: str) -> str:
    quoted_schema = identifier(schema, field="schema")
    if kind == "SCHEMA":
        return quoted_schema
    if kind in _ROUTINES:
        if not name.startswith(f"{schema}.") or "\x00" in name or ";" in name:
            raise ValueError(f"routine: {name!r} is not a qualified routine of schema {schema}")
        return name
    return f"{quoted_schema}.{_any_identifier(name)}"


def _shown(kind: str, schema: str, name: str) -> str:
    if kind == "SCHEMA":
        return schema
    return name if kind in _ROUTINES else f"{schema}.{name}"


def _any_identifier(name: str) -> str:
    """An existing object's name, whatever its spelling, as a quoted identifier."""
    if not name or "\x00" in name:
        raise ValueError(f"object name: {name!r} cannot be quoted")
    return '"' + name.replace('"', '""') + '"'


def _quoted_role(role: str) -> str:
    # regrole::text gives a role already quoted when it needs quotes.
    if role.startswith('"'):
        return role
    return _any_identifier(role)


def _database(database: str) -> str:
    return _any_identifier(database)
