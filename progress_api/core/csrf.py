"""CSRF protection for browser sessions: a signed double-submit token, shared by the web forms and the JSON API.

A random `academie_csrf` cookie (HttpOnly, SameSite=Lax) is set on the first page; every form carries
HMAC(secret_key, cookie) in its `csrf_token` field (checked by `web.deps.Web.csrf_ok`), and a page's script that
calls the JSON API with the session cookie sends the same value in the `X-CSRF-Token` header (checked by
`api.deps.get_current_user` on POST/PUT/PATCH/DELETE; the pages put it in `<meta name="csrf-token">`). A forged
cross-site request can make the browser send the cookies but can neither read them nor compute the HMAC without
the server's secret — which matters under the hub, where the service shares an origin with learners' servers.
It covers the login form too, where no session exists yet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "academie_csrf"
CSRF_HEADER = "X-CSRF-Token"


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def token_for(cookie_value: str, *, secret: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{cookie_value}".encode(), hashlib.sha256).hexdigest()


def token_ok(cookie_value: str | None, token: str | None, *, secret: str) -> bool:
    """Whether `token` (a form field or header) is the one the pages issued for this browser's CSRF cookie."""
    if not cookie_value or not token:
        return False
    return hmac.compare_digest(token, token_for(cookie_value, secret=secret))
