"""Secrets of the hub: one helper reads them from the environment or from 0600 files under $ACADEMY_HOME/hub.

A secret named `cookie_secret` is `ACADEMY_COOKIE_SECRET` in the environment, else the file
`$ACADEMY_HOME/hub/cookie_secret`; locally a missing file is created with a random value, so secrets (and the
sessions and tokens that depend on them) survive restarts. Production refuses the public demo values, short values
and files other users can read.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from hub.config import DEMO_PASSWORD, HubSettings

# Values that are published (README, `academy up` output) and therefore never acceptable in production.
DEMO_VALUES = frozenset({DEMO_PASSWORD, "changeme", "secret", "password", "demo"})
MIN_PRODUCTION_LENGTH = 32


class SecretError(RuntimeError):
    """A secret is missing, unsafe, or a demo value where production needs a real one."""


def secret_path(name: str, *, settings: HubSettings) -> Path:
    return settings.hub_dir / name


def _env_name(name: str) -> str:
    return "ACADEMY_" + name.upper()


def _check_production(name: str, value: str, *, settings: HubSettings) -> None:
    if settings.env != "production":
        return
    if value in DEMO_VALUES:
        raise SecretError(f"{_env_name(name)} is a public demo value: production needs a real secret.")
    if len(value) < MIN_PRODUCTION_LENGTH:
        raise SecretError(
            f"{_env_name(name)} is {len(value)} characters long: production needs at least {MIN_PRODUCTION_LENGTH}."
        )


def _read_file(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretError(f"{path} is readable by other users (mode {mode:o}): run `chmod 600 {path}`.")
    value = path.read_text().strip()
    if not value:
        raise SecretError(f"{path} is empty: delete it to have a new secret generated, or write one into it.")
    return value


def write_secret(name: str, value: str, *, settings: HubSettings) -> Path:
    """Store a secret in its 0600 file (created atomically, never world-readable, even for an instant)."""
    path = secret_path(name, settings=settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    os.replace(tmp, path)
    return path


def read_secret(name: str, *, settings: HubSettings, generate: bool = True) -> str:
    """The secret `name`: environment first, then its file, else (when `generate`) a new random one, persisted."""
    value = os.environ.get(_env_name(name), "").strip()
    if not value:
        path = secret_path(name, settings=settings)
        if path.exists():
            value = _read_file(path)
        elif generate:
            value = secrets.token_hex(32)
            write_secret(name, value, settings=settings)
        else:
            raise SecretError(f"secret {name!r} is not set: export {_env_name(name)} or write it into {path} (0600).")
    _check_production(name, value, settings=settings)
    return value


def optional_secret(name: str, *, settings: HubSettings) -> str | None:
    """A secret that may legitimately be absent (None), but never unsafe: bad permissions still raise."""
    if not os.environ.get(_env_name(name)) and not secret_path(name, settings=settings).exists():
        return None
    return read_secret(name, settings=settings, generate=False)


def check_production(settings: HubSettings) -> None:
    """Refuse a production start that would expose demo accounts or demo secrets."""
    if settings.env != "production":
        return
    if settings.auth == "demo":
        raise SecretError(
            "ACADEMY_ENV=production with demo accounts (ACADEMY_AUTH=demo): set ACADEMY_AUTH=oidc and the "
            "ACADEMY_OIDC_* variables of the company SSO."
        )
    missing = [
        _env_name(field)
        for field in ("oidc_client_id", "oidc_authorize_url", "oidc_token_url", "oidc_userdata_url")
        if not getattr(settings, field)
    ]
    if missing:
        raise SecretError(f"production SSO is not configured: set {', '.join(missing)}.")
    if "demo_password" in settings.model_fields_set and settings.demo_password:
        raise SecretError("ACADEMY_DEMO_PASSWORD is set in production: demo accounts are not allowed there.")
