"""The database set-up's SQL builder, password rules and command, without a database."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from bridgework.agreements.settings import AgreementsSettings
from bridgework.common.database_roles import SERVICES, PasswordError, read_passwords, role_name, sql
from bridgework.common.database_roles.__main__ import main
from bridgework.common.database_roles.passwords import scram_verifier
from bridgework.common.settings import DEVELOPMENT_DATABASE_PASSWORD
from bridgework.followup.settings import FollowupSettings
from bridgework.graphql_gateway.settings import GatewaySettings
from bridgework.intake.settings import IntakeSettings

STRONG = "a-strong-password-0123456789"


def test_the_schemas_are_the_ones_the_services_migrate() -> None:
    settings = [IntakeSettings(), AgreementsSettings(), FollowupSettings(), GatewaySettings()]
    assert [service.schema for service in SERVICES] == [s.db_schema for s in settings]


def test_only_the_gateway_may_make_temporary_tables() -> None:
    assert [s.schema for s in SERVICES if s.temporary_tables] == ["gateway"]


@pytest.mark.parametrize(
    "name",
    ['intake"; DROP ROLE postgres; --', "Intake", "1intake", "", "in take", "x" * 64, "é"],
)
def test_a_name_that_is_not_a_plain_identifier_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"schema: .* is not a plain identifier"):
        sql.identifier(name, field="schema")


def test_a_plain_identifier_is_double_quoted() -> None:
    assert sql.identifier("bw_intake2", field="role") == '"bw_intake2"'


def test_a_prefix_that_makes_a_bad_role_name_is_refused_naming_the_prefix() -> None:
    with pytest.raises(ValueError, match="role prefix"):
        role_name("Bad-", SERVICES[0])
    with pytest.raises(ValueError, match="role prefix"):
        role_name("p" * 60, SERVICES[0])
    assert role_name("bwt_", SERVICES[0]) == "bwt_intake"


def test_literals_double_their_quotes_and_refuse_nul() -> None:
    assert sql.literal("it's") == "'it''s'"
    with pytest.raises(ValueError, match="NUL"):
        sql.literal("a\x00b")


def test_the_statements_quote_every_name() -> None:
    assert sql.create_role("bw_intake").sql.startswith('CREATE ROLE "bw_intake" LOGIN')
    assert sql.own_schema("intake", "bw_intake")[0].sql == (
        'CREATE SCHEMA IF NOT EXISTS "intake" AUTHORIZATION "bw_intake"'
    )
    assert (
        sql.grant_database('odd"db', "bw_gateway", SERVICES[3]).sql
        == 'GRANT CONNECT, TEMPORARY ON DATABASE "odd""db" TO "bw_gateway"'
    )
    assert "TEMPORARY" not in sql.grant_database("db", "bw_intake", SERVICES[0]).sql


def test_objects_found_in_the_catalog_are_quoted_whatever_their_name() -> None:
    give = sql.give_object("TABLE", "intake", 'we"ird', "bw_intake")
    assert give.sql == 'ALTER TABLE "intake"."we""ird" OWNER TO "bw_intake"'
    revoke = sql.revoke_grant("VIEW", "intake", "v", '"Some Role"')
    assert revoke.sql == 'REVOKE ALL PRIVILEGES ON TABLE "intake"."v" FROM "Some Role" CASCADE'
    assert sql.revoke_grant("SCHEMA", "intake", "intake", None).sql.endswith(
        'ON SCHEMA "intake" FROM PUBLIC CASCADE'
    )


def test_an_unknown_object_kind_or_a_routine_of_another_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="object kind"):
        sql.give_object("DATABASE; DROP", "intake", "x", "bw_intake")
    with pytest.raises(ValueError, match="routine"):
        sql.give_object("FUNCTION", "intake", "agreements.f(integer)", "bw_intake")


def test_a_password_statement_carries_a_verifier_and_its_description_does_not() -> None:
    verifier = scram_verifier(STRONG)
    step = sql.set_password("bw_intake", verifier)
    assert STRONG not in step.sql
    assert verifier not in step.description
    with pytest.raises(ValueError, match="verifier"):
        sql.set_password("bw_intake", STRONG)


def test_the_verifier_is_the_one_postgres_makes() -> None:
    """RFC 7677's test vector shape, computed independently of the module."""
    salt = b"0123456789abcdef"
    verifier = scram_verifier("pencil", salt=salt)
    salted = hashlib.pbkdf2_hmac("sha256", b"pencil", salt, 4096)
    stored = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server = hmac.digest(salted, b"Server Key", "sha256")
    b64 = base64.b64encode
    assert verifier == (
        f"SCRAM-SHA-256$4096:{b64(salt).decode()}${b64(stored).decode()}:{b64(server).decode()}"
    )
    assert scram_verifier("pencil") != scram_verifier("pencil"), "a fresh salt each time"


def _all(password: str) -> dict[str, str]:
    return {f"BRIDGEWORK_DATABASE_PASSWORD_{s.schema.upper()}": password for s in SERVICES}


def test_outside_development_mode_every_password_must_be_given_and_strong() -> None:
    environ = _all(STRONG) | {
        "BRIDGEWORK_DATABASE_PASSWORD_INTAKE": "",
        "BRIDGEWORK_DATABASE_PASSWORD_AGREEMENTS": DEVELOPMENT_DATABASE_PASSWORD,
        "BRIDGEWORK_DATABASE_PASSWORD_FOLLOWUP": "short",
        "BRIDGEWORK_DATABASE_PASSWORD_GATEWAY": "nön-ascii-password-long-enough",
    }
    with pytest.raises(PasswordError) as refused:
        read_passwords(SERVICES, environ, development_mode=False)
    lines = str(refused.value).splitlines()
    assert [line.split(":")[0] for line in lines] == list(environ)
    assert "short" not in str(refused.value).replace("shorter", "")


def test_in_development_mode_a_missing_password_is_the_development_one() -> None:
    passwords = read_passwords(SERVICES, {}, development_mode=True)
    assert set(passwords.values()) == {DEVELOPMENT_DATABASE_PASSWORD}


def test_a_password_file_is_read_without_its_final_newline(tmp_path: Path) -> None:
    secret_file = tmp_path / "intake"
    secret_file.write_text(STRONG + "\n")
    environ = _all(STRONG) | {"BRIDGEWORK_DATABASE_PASSWORD_INTAKE": ""}
    environ["BRIDGEWORK_DATABASE_PASSWORD_INTAKE_FILE"] = str(secret_file)
    assert read_passwords(SERVICES, environ, development_mode=False)["intake"] == STRONG

    environ["BRIDGEWORK_DATABASE_PASSWORD_INTAKE"] = STRONG
    with pytest.raises(PasswordError, match=r"_INTAKE: set it or .*_FILE, not both"):
        read_passwords(SERVICES, environ, development_mode=False)
    environ["BRIDGEWORK_DATABASE_PASSWORD_INTAKE"] = ""
    environ["BRIDGEWORK_DATABASE_PASSWORD_INTAKE_FILE"] = str(tmp_path / "absent")
    with pytest.raises(PasswordError, match="_INTAKE_FILE: cannot read"):
        read_passwords(SERVICES, environ, development_mode=False)


def test_the_command_needs_an_administrator_and_names_what_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as no_admin:
        main([], environ={})
    assert no_admin.value.code == 2
    assert "BRIDGEWORK_DATABASE_ADMIN_URL" in capsys.readouterr().err

    with pytest.raises(SystemExit) as no_passwords:
        main(["--admin-url", "postgresql://admin@db/bridgework"], environ={})
    assert no_passwords.value.code == 2
    assert "BRIDGEWORK_DATABASE_PASSWORD_GATEWAY: missing" in capsys.readouterr().err


def test_the_command_reports_an_unreachable_database_without_the_dsns_secrets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = "postgresql://admin:admin-secret@127.0.0.1:1/bridgework"
    assert main(["--admin-url", admin], environ=_all(STRONG)) == 1
    err = capsys.readouterr().err
    assert "set-up failed on 127.0.0.1/bridgework" in err
    assert "admin-secret" not in err
    assert STRONG not in err


def test_a_membership_is_revoked_by_quoted_role_names() -> None:
    step = sql.revoke_membership("bw_agreements", '"Ops Team"')
    assert step.sql == 'REVOKE "bw_agreements" FROM "Ops Team" CASCADE'
