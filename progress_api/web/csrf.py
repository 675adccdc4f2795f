"""CSRF protection for the web forms: a signed double-submit token.

A random `academie_csrf` cookie (HttpOnly, SameSite=Lax) is set on the first page; every form carries
HMAC(secret_key, cookie) in its `csrf_token` field, checked by `Web.csrf_ok`. A forged cross-site POST can make
the browser send the cookie but can neither read it nor compute the HMAC without the server's secret. It covers
the login form too, where no session exists yet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "academie_csrf"


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def token_for(cookie_value: str, *, secret: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{cookie_value}".encode(), hashlib.sha256).hexdigest()
