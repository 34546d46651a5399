"""Rendering pages: one Jinja2 environment (autoescaped), the security headers every page carries, and URL helpers.

Every page is rendered on the server and works without JavaScript; the only script is the
app's own (search suggestions, the query console). The Content-Security-Policy lets a page load
nothing but the catalog's own files, so a page cannot reach the internet even by mistake, and
an injected tag could not run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from catalog.auth.scopes import Principal, Scope, current_principal

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Pages show who is on call now: a cached copy is a wrong answer an hour later.
    "Cache-Control": "no-store",
}


def service_href(key: str) -> str:
    return "/service/" + quote(key, safe=":/@")


def blast_href(key: str, depth: int | None = None) -> str:
    return "/service/" + quote(key, safe=":/@") + "/breaks" + (f"?depth={depth}" if depth is not None else "")


def team_href(key: str) -> str:
    return "/team/" + quote(key, safe=":/@")


def query_href(path: str, params: Mapping[str, Any]) -> str:
    """``path`` with the non-empty ``params`` as a query string (lists repeat the name)."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((name, str(v)) for v in values if v not in (None, "", False))
    return path + ("?" + urlencode(pairs) if pairs else "")


def moment(value: str | None) -> str:
    """A stored time for people: ``2026-11-20 03:00 UTC`` (minutes are enough to page someone)."""
    if not value:
        return ""
    return f"{value[:10]} {value[11:16]} UTC" if len(value) >= 16 else value


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def viewer() -> Principal | None:
    """Who the page is shown to, when someone signed in (a token, the identity provider, the proxy); None if anonymous."""
    principal = current_principal()
    return principal if principal is not None and principal.kind in ("token", "oidc", "proxy") else None


def contacts_visible() -> bool:
    """Whether the page may show people's emails: as in the API, only with the ``contacts`` scope.

    Outside a request (a page rendered by a test or a tool in-process) there is nobody to hide them from."""
    principal = current_principal()
    return principal is None or principal.has(Scope.CONTACTS)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("catalog.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        service_href=service_href,
        blast_href=blast_href,
        team_href=team_href,
        query_href=query_href,
        viewer=viewer,
        contacts_visible=contacts_visible,
    )
    env.filters.update(moment=moment, percent=percent)
    return env


ENVIRONMENT = _environment()


def render(template: str, context: Mapping[str, Any], *, status_code: int = 200, server_ms: float | None = None) -> HTMLResponse:
    """The page ``template`` rendered with ``context``, with the security headers (and the server time, when measured)."""
    html = ENVIRONMENT.get_template(template).render(**context)
    headers = dict(SECURITY_HEADERS)
    if server_ms is not None:
        headers["Server-Timing"] = f"answer;dur={server_ms:.1f}"
    return HTMLResponse(html, status_code=status_code, headers=headers)
