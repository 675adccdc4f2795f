"""The production login: the company SSO (OIDC with group claims) through OAuthenticator's GenericOAuthenticator.

One builder for the traits, from the `ACADEMY_OIDC_*` settings (hub/config.py), so the local production path and the
Kubernetes path configure the same authenticator. The client secret is read by the caller through
hub/secret_store.py, which refuses demo or short secrets in production.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.config import HubSettings

AUTHENTICATOR_CLASS = "generic-oauth"


def generic_oauth(settings: HubSettings, *, client_secret: str, post_auth_hook: Callable[..., Any]) -> dict[str, Any]:
    """GenericOAuthenticator's traits: group claims decide who may try to log in and who administers the hub.

    With `manage_groups`, a login replaces the user's hub groups by the SSO's; `post_auth_hook` (the roster check,
    hub/roster_login.py) refuses people the roster does not list and merges the roster's groups in.
    """
    return {
        "client_id": settings.oidc_client_id,
        "client_secret": client_secret,
        "authorize_url": settings.oidc_authorize_url,
        "token_url": settings.oidc_token_url,
        "userdata_url": settings.oidc_userdata_url,
        "oauth_callback_url": settings.oidc_callback_url,
        "scope": ["openid", "profile", "email", "groups"],
        "username_claim": settings.oidc_username_claim,
        "manage_groups": True,
        "auth_state_groups_key": f"oauth_user.{settings.oidc_groups_claim}",
        "allowed_groups": set(settings.oidc_allowed_groups),
        "admin_groups": set(settings.oidc_admin_groups),
        "post_auth_hook": post_auth_hook,
        "login_service": "SSO de l'entreprise",
    }
