"""`academy api token revoke --user X` (core.auth.revoke_tokens): every token and web session of X stops working
at once in this process, and the count says how many went."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from progress_api.core.auth import create_api_token, open_session, revoke_tokens
from progress_api.core.config import Settings
from progress_api.models.common import Role


def test_revoking_a_user_ends_their_tokens_and_sessions(client: TestClient, db: Session, settings: Settings) -> None:
    first = create_api_token(db, username="alice", role=Role.trainer)
    second = create_api_token(db, username="alice", role=Role.learner)
    session = open_session(db, username="alice", settings=settings)
    other = create_api_token(db, username="bob", role=Role.learner)
    db.commit()
    for token in (first, second):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert revoke_tokens(db, username="alice") == 3
    db.commit()
    for token in (first, second):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    client.cookies.set(settings.session_cookie, session)
    assert client.get("/api/v1/me").status_code == 401
    assert revoke_tokens(db, username="nobody") == 0
