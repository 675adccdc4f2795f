"""Bearer tokens: random, shown once, stored as SHA-256 only; pseudonyms for exports."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    """A fresh random token (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the database keeps. Tokens are high-entropy, so a fast hash is enough (no password stretching)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def pseudonym(username: str, *, secret: str) -> str:
    """A stable, non-reversible id for a learner in exports (HMAC, so it cannot be brute-forced without the key)."""
    return hmac.new(secret.encode(), username.encode(), hashlib.sha256).hexdigest()[:24]
