"""CSRF protection for the web forms: a signed double-submit token.

A random `academie_csrf` cookie (HttpOnly, SameSite=Lax) is set on the first page; every form carries
HMAC(secret_key, cookie). A forged cross-site POST can send the cookie but can neither read it nor compute the
HMAC without the server's secret. It covers the login form too, where no session exists yet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

CSRF_COOKIE = "academie_csrf"
CSRF_FIELD = "csrf_token"


class CsrfError(Exception):
    """A form arrived without a valid token (expired page, or a cross-site forgery)."""


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def token_for(cookie_value: str, *, secret: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{cookie_value}".encode(), hashlib.sha256).hexdigest()


async def verify(request: Request, *, secret: str) -> None:
    """Raise `CsrfError` unless the form's token matches the request's CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, token_for(cookie, secret=secret)):
        raise CsrfError
