"""Where each service role's password comes from, what is refused, and its SCRAM verifier.

A password is read from `BRIDGEWORK_DATABASE_PASSWORD_<SCHEMA>` or from the file named by
`BRIDGEWORK_DATABASE_PASSWORD_<SCHEMA>_FILE` (a mounted Kubernetes Secret, say). It is
never printed or logged, and never sent to the server either: the server gets the SCRAM
verifier computed here, as psql's \\password does, so no statement log can show it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

from bridgework.common.database_roles.sql import ServiceDatabase
from bridgework.common.settings import DEVELOPMENT_DATABASE_PASSWORD

MIN_PASSWORD_LENGTH = 16
SCRAM_ITERATIONS = 4096  # Postgres's own default (scram_iterations)


class PasswordError(ValueError):
    """A password is missing or refused; the message names the variable, never the value."""


def password_variable(service: ServiceDatabase) -> str:
    return f"BRIDGEWORK_DATABASE_PASSWORD_{service.schema.upper()}"


def read_passwords(
    services: Sequence[ServiceDatabase], environ: Mapping[str, str], *, development_mode: bool
) -> dict[str, str]:
    """Each service's password by schema; every problem of every service in one error.

    Outside development mode each password must be given, at least 16 characters long and
    not the development one; in development mode a missing one is the development password.
    """
    passwords: dict[str, str] = {}
    problems: list[str] = []
    for service in services:
        variable = password_variable(service)
        try:
            given = _given(variable, environ)
            passwords[service.schema] = _checked(variable, given, development_mode=development_mode)
        except PasswordError as error:
            problems.append(str(error))
    if problems:
        raise PasswordError("\n".join(problems))
    return passwords


def _given(variable: str, environ: Mapping[str, str]) -> str | None:
    value = environ.get(variable)
    file_variable = f"{variable}_FILE"
    path = environ.get(file_variable)
    if value and path:
        raise PasswordError(f"{variable}: set it or {file_variable}, not both")
    if path:
        try:
            # A file written by an editor or `echo` ends in a newline that is not the password's.
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise PasswordError(f"{file_variable}: cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise PasswordError(f"{file_variable}: {path} is not UTF-8 text") from None
    return value or None


def _checked(variable: str, password: str | None, *, development_mode: bool) -> str:
    if not password:
        if development_mode:
            return DEVELOPMENT_DATABASE_PASSWORD
        raise PasswordError(
            f"{variable}: missing (set it, or {variable}_FILE to a file holding it); "
            "only development mode has a default password"
        )
    # Printable ASCII passes SASLprep unchanged, so the verifier made here is the one the
    # server would make; other characters could make a password that never matches.
    if not all(" " <= char <= "~" for char in password):
        raise PasswordError(f"{variable}: use printable ASCII characters only")
    if not development_mode:
        if password == DEVELOPMENT_DATABASE_PASSWORD:
            raise PasswordError(f"{variable}: the development password is refused here")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise PasswordError(f"{variable}: shorter than {MIN_PASSWORD_LENGTH} characters")
    return password


def scram_verifier(password: str, *, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier Postgres stores for `password` (RFC 5802, RFC 7677)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, SCRAM_ITERATIONS)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{_b64(salt)}${_b64(stored_key)}:{_b64(server_key)}"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
