"""What every page handler gets: the database session, settings, the signed-in person, and helpers to render,
redirect to the login, decide access and check CSRF tokens.

Access is the API's decision, not a copy of it: `Web.authorize(permission, cohort=..., username=..., grade_id=...)`
calls `api.access.decide` with the ids of the page's URL, exactly as the JSON API's `authorize` dependency does,
and returns the `Access` the page filters with. Pages answer HTML, never the API's JSON errors: an anonymous
visitor is redirected to the login page, a refusal is a French 403 (or 404) page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from progress_api.api.access import Access, allows, decide
from progress_api.api.deps import SessionDep, SettingsDep
from progress_api.core import csrf
from progress_api.core.auth import Principal, resolve_principal
from progress_api.core.config import Settings
from progress_api.core.errors import ApiError
from progress_api.web.templating import WebUser, render


@dataclass
class Web:
    request: Request
    db: Session
    settings: Settings
    principal: Principal | None

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def user(self) -> WebUser | None:
        p = self.principal
        if p is None:
            return None
        return WebUser(
            username=p.username,
            display_name=p.display_name,
            roles=tuple(sorted(r.value for r in p.roles)),
            via_hub=p.via == "hub",
        )

    @property
    def actor(self) -> str:
        assert self.principal is not None
        return self.principal.username

    def url(self, path: str) -> str:
        return f"{self.prefix}{path}"

    def render(self, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        return render(
            self.request,
            template,
            prefix=self.prefix,
            secret=self.settings.secret_key,
            user=self.user,
            status_code=status_code,
            **context,
        )

    def can(self, permission: str) -> bool:
        """Whether the visitor's roles grant `permission` (to show or hide a button; `authorize` decides)."""
        return self.principal is not None and allows(self.principal, permission)

    def authorize(
        self,
        permission: str,
        *,
        cohort: str | None = None,
        username: str | None = None,
        grade_id: int | None = None,
    ) -> Access | Response:
        """The visitor's `Access` for `permission` and the ids of this URL, decided by `api.access.decide`; else the
        login redirect (anonymous) or the refusal as a French page (403 out of scope, 404 ids that do not match)."""
        if self.principal is None:
            target = self.request.url.path + (f"?{self.request.url.query}" if self.request.url.query else "")
            return RedirectResponse(self.url(f"/connexion?next={quote(target)}"), status_code=303)
        try:
            return decide(self.db, self.principal, permission, cohort=cohort, username=username, grade_id=grade_id)
        except ApiError as exc:
            title = "Introuvable" if exc.status == 404 else "Accès refusé"
            return self.render("error.html", status_code=exc.status, title=title, message=exc.message)

    def guard(self, permission: str) -> Response | None:
        """None when the visitor may go on; else the login redirect or a 403 page (`authorize` without ids)."""
        decided = self.authorize(permission)
        return decided if isinstance(decided, Response) else None

    def csrf_ok(self, token: str | None) -> bool:
        return csrf.token_ok(self.request.cookies.get(csrf.CSRF_COOKIE), token, secret=self.settings.secret_key)

    def csrf_failed(self) -> HTMLResponse:
        return self.render(
            "error.html",
            status_code=403,
            title="Formulaire expiré",
            message="Ce formulaire a expiré ou ne vient pas de cette application : rechargez la page et recommencez.",
        )

    def redirect(self, path: str) -> RedirectResponse:
        return RedirectResponse(self.url(path), status_code=303)


def get_web(request: Request, db: SessionDep, settings: SettingsDep) -> Web:
    """The page context; the visitor comes from the web-session cookie only (pages never read bearer headers)."""
    principal = resolve_principal(db, settings=settings, cookie=request.cookies.get(settings.session_cookie))
    return Web(request=request, db=db, settings=settings, principal=principal)


WebDep = Annotated[Web, Depends(get_web)]
