"""The catalog's pages for people: search, service, what breaks, team, platform adoption, audits and sync status.

Each handler reads its answer through ``catalog.answers`` and ``catalog.read`` (the same code
the GraphQL API and the CLI use, so the three agree on either store) and renders one template.
Every list is bounded: long lists are paged with a cursor or a page number, never sent whole.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from catalog.answers.adoption import GROUPINGS, AdoptionGroup, Grouping, adoption, adoption_trend
from catalog.answers.audits import SEVERITIES, AuditArgumentError, AuditFilter, AuditKind, audits, parse_kind, team_key
from catalog.answers.blast_radius import DepthRefused, impact
from catalog.answers.entity_owners import after_identify, before_identify, derived_answer
from catalog.answers.history import changes
from catalog.answers.identify import MAX_IDENTIFIER_LENGTH, Candidate, identify
from catalog.answers.oncall import on_call_for, team_chains
from catalog.answers.ownership import describe
from catalog.core.clock import iso, now_iso, parse_iso
from catalog.read import CatalogReader, GraphNode, ServiceFilter, UnknownEntity
from catalog.read.runs import finding_counts, latest_runs
from catalog.read.snapshot import Snapshot, SnapshotReader
from catalog.settings import Settings
from catalog.store.base import GraphStore
from catalog.web.build_run import platform_section, team_section
from catalog.web.chart import trend_chart
from catalog.web.render import blast_href, render, service_href, team_href

PAGE_SIZE = 25
"""Rows per page of every paged list."""
TEAMS_PER_PAGE = 20
"""Teams per page of a blast radius; each lists its first ``SERVICES_PER_TEAM`` services and its on-call."""
SERVICES_PER_TEAM = 10
MEMBERS_SHOWN = 100
HISTORY_DAYS = 14
"""How far back the service page's "recent changes" reach."""
HISTORY_SHOWN = 20
FINDINGS_SHOWN = 50
SUGGESTIONS = 8
TREND_POINTS = 120
DEFAULT_DEPTH = 3

T = TypeVar("T")


@dataclass(frozen=True)
class Paged:
    """One page of a list held in memory: its rows, its number, and whether there are more."""

    rows: tuple[Any, ...]
    number: int
    pages: int
    total: int


def paged(items: Sequence[T], number: int, size: int) -> Paged:
    pages = max(1, (len(items) + size - 1) // size)
    number = min(max(1, number), pages)
    return Paged(tuple(items[(number - 1) * size : number * size]), number, pages, len(items))


def _int(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name, "").strip()
    try:
        return int(text) if text else default
    except ValueError:
        return default


class BadRequest(ValueError):
    """A query parameter a page cannot use; the page says which and how to fix it."""


class Pages:
    """The page handlers over the app's one store (``store()`` raises while the app is not started)."""

    def __init__(self, store: Callable[[], GraphStore], settings: Settings, snapshot: Callable[[], Snapshot | None] | None = None) -> None:
        self._store = store
        self._settings = settings
        self._snapshot = snapshot or (lambda: None)
        # Blast radius and adoption hold their whole reach in memory, as in the API: take turns.
        self._walks = asyncio.Semaphore(settings.max_concurrent_walks)

    def _reader(self, store: GraphStore) -> CatalogReader:
        """The API's reader: current state from the server's snapshot once it is built, else from the store."""
        return SnapshotReader(store, self._snapshot())

    async def _page(self, template: str, build: Callable[[GraphStore], Awaitable[dict[str, Any] | Response]]) -> Response:
        started = time.perf_counter()
        try:
            context = await build(self._store())
        except BadRequest as exc:
            return render("error.html", {"title": "Cannot show this page", "message": str(exc)}, status_code=400)
        except Exception as exc:  # a store that went away must give a page that says so, not a stack trace
            while isinstance(exc, ExceptionGroup) and exc.exceptions:  # from a page's parallel reads
                exc = exc.exceptions[0]
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return render("error.html", {"title": "The catalog could not answer", "message": first}, status_code=503)
        if isinstance(context, Response):
            return context
        return render(template, context, server_ms=(time.perf_counter() - started) * 1000)

    # -- search ---------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()

        async def build(store: GraphStore) -> dict[str, Any] | Response:
            if not query:
                return {"q": "", "result": None}
            if len(query) > MAX_IDENTIFIER_LENGTH:
                raise BadRequest(f"the search is longer than {MAX_IDENTIFIER_LENGTH} characters; give the name, URL or id alone")
            reader = self._reader(store)
            # A file of a repository, or a reference with its kind (system:payments), reads before a service name.
            entity = await before_identify(reader, query)
            if entity is None:
                found = await identify(reader, query)
                if found.unique is not None and not found.others:
                    return RedirectResponse(service_href(found.unique.key) + "?" + _q(query), status_code=303)
                if found.others and not found.matches:
                    return {"q": query, "found": found, "result": await derived_answer(reader, found)}
                entity = await after_identify(reader, found) if not found.matches else None
                if entity is None:
                    return {"q": query, "found": found, "result": None}
            if len(entity.matches) == 1 and entity.matches[0].label == "Team":
                return RedirectResponse(team_href(entity.matches[0].key), status_code=303)
            return {"q": query, "entity": entity}

        return await self._page("home.html", build)

    async def suggest(self, request: Request) -> Response:
        """Services whose name, title, description or tags contain the text: for the search box as one types."""
        text = request.query_params.get("q", "").strip()[:100]
        if len(text) < 2:
            return JSONResponse([])
        reader = self._reader(self._store())
        selection = await reader.select_services(ServiceFilter(search=text))
        found = await reader.list_services(selection, SUGGESTIONS)
        return JSONResponse(
            [{"name": n.text("name") or n.id, "title": n.text("title"), "key": n.id, "href": service_href(n.id)} for n in found.items],
            headers={"Cache-Control": "no-store"},
        )

    # -- a service ------------------------------------------------------------------------------

    async def service(self, request: Request) -> Response:
        key = request.path_params["key"]
        query = request.query_params.get("q", "").strip()[:MAX_IDENTIFIER_LENGTH]

        async def build(store: GraphStore) -> dict[str, Any] | Response:
            reader = self._reader(store)
            node = (await reader.nodes_by_ids("Service", [key]))[0]
            if node is None:
                return RedirectResponse("/?" + _q(key.rpartition("/")[2] or key), status_code=303)
            candidate = Candidate(key, node.text("name") or key, "key")
            now = now_iso()
            since = iso(parse_iso(now) - timedelta(days=HISTORY_DAYS))
            # The sections are independent reads: run them side by side (the store has a pool of
            # connections), as GraphQL runs the resolvers of one document.
            async with asyncio.TaskGroup() as group:
                described = group.create_task(describe(reader, [candidate]))
                paging = group.create_task(on_call_for(reader, candidate, now))
                repositories = group.create_task(reader.repositories_of([key]))
                dependencies = group.create_task(reader.dependencies([key]))
                dependents = group.create_task(reader.dependents([key]))
                system = group.create_task(reader.system_of([key]))
                recent = group.create_task(changes(reader, key, since, now, first=HISTORY_SHOWN))
                findings = group.create_task(reader.list_findings(FINDINGS_SHOWN, subject=key))
                searched = group.create_task(_identified(reader, query))
            [owned] = described.result()
            [part_of] = system.result()
            domain = (await reader.domain_of([part_of.id]))[0] if part_of is not None else None
            message = searched.result()
            return {
                "node": node,
                "owned": owned,
                "paging": paging.result(),
                "repositories": repositories.result()[0],
                # One entry per neighbour, however many sources assert the edge.
                "dependencies": list({d.node.id: d for d in dependencies.result()[0]}.values()),
                "dependents": list({d.node.id: d for d in dependents.result()[0]}.values()),
                "system": part_of,
                "domain": domain,
                "recent": recent.result(),
                "history_days": HISTORY_DAYS,
                "findings": findings.result(),
                "searched": message,
                "q": query,
                "blast": blast_href(key),
            }

        return await self._page("service.html", build)

    async def breaks(self, request: Request) -> Response:
        key = request.path_params["key"]
        depth = _int(request, "depth", DEFAULT_DEPTH)
        number = _int(request, "page", 1)

        async def build(store: GraphStore) -> dict[str, Any] | Response:
            async with self._walks:
                try:
                    found = await impact(self._reader(store), key, depth, max_depth=self._settings.max_depth)
                except DepthRefused as exc:
                    raise BadRequest(f"depth: {exc}") from exc
            if found.service is None:
                return RedirectResponse("/?" + _q(key), status_code=303)
            # Only the page's teams are resolved (their on-call, their services' via).
            pages = max(1, (len(found.groups) + TEAMS_PER_PAGE - 1) // TEAMS_PER_PAGE)
            shown = min(max(1, number), pages)
            start = (shown - 1) * TEAMS_PER_PAGE
            after = found.groups[start - 1].key if start > 0 else None
            answer = found.summary()
            answer.teams, answer.has_more_teams = await found.teams(
                TEAMS_PER_PAGE, after, services_first=SERVICES_PER_TEAM, unowned_first=SERVICES_PER_TEAM
            )
            answer.unowned.services = found.unowned
            return {
                "answer": answer,
                "teams": Paged(tuple(answer.teams), shown, pages, answer.total_teams),
                "depth": depth,
                "depths": range(1, self._settings.max_depth + 1),
                "key": key,
            }

        return await self._page("breaks.html", build)

    # -- a team ---------------------------------------------------------------------------------

    async def team(self, request: Request) -> Response:
        key = request.path_params["key"]
        after = request.query_params.get("after") or None

        async def build(store: GraphStore) -> dict[str, Any] | Response:
            reader = self._reader(store)
            node = (await reader.nodes_by_ids("Team", [key]))[0]
            if node is None:
                raise BadRequest(f"no team {key} in the catalog; team keys look like group:default/checkout-team")
            members = sorted((await reader.members([key]))[0], key=_by_name)
            parent = (await reader.parent_team([key]))[0]
            children = sorted((await reader.child_teams([key]))[0], key=_by_name)
            selection = await reader.select_services(ServiceFilter(owner_team=key))
            services = await reader.list_services(selection, PAGE_SIZE, after)
            total = await reader.count_services(selection)
            chains = await team_chains(reader, key)
            return {
                "node": node,
                "members": members[:MEMBERS_SHOWN],
                "more_members": max(0, len(members) - MEMBERS_SHOWN),
                "parent": parent,
                "children": children,
                "services": services,
                "services_total": total,
                "next_after": services.items[-1].id if services.has_next and services.items else None,
                "after": after,
                "chains": chains,
                **(await team_section(reader, key)),
            }

        return await self._page("team.html", build)

    # -- the platform team's dashboard ------------------------------------------------------------

    async def platform(self, request: Request) -> Response:
        by_text = request.query_params.get("by", "team")
        number = _int(request, "page", 1)
        own_number = _int(request, "own_page", 1)

        async def build(store: GraphStore) -> dict[str, Any] | Response:
            if by_text not in GROUPINGS:
                raise BadRequest(f"by: {by_text!r} is not a grouping; use one of {', '.join(GROUPINGS)}")
            by: Grouping = by_text
            async with self._walks:
                report = await adoption(self._reader(store), by)
            groups: list[AdoptionGroup] = sorted(report.groups, key=lambda g: (g.ratio if g.ratio is not None else 2.0, -g.total, g.name))
            trend = await adoption_trend(self._reader(store), "company", limit=TREND_POINTS)
            off = await audits(
                self._reader(store),
                AuditFilter(kinds=(AuditKind.OFF_STANDARD_PLATFORM, AuditKind.UNKNOWN_PLATFORM)),
                stale_after_days=self._settings.stale_after_days,
            )
            off_page = await off.page(PAGE_SIZE)
            off_total = await off.total()
            async with self._walks:
                build_run = await platform_section(self._reader(store), self._settings)
            return {
                "report": report,
                "by": by,
                "groupings": GROUPINGS,
                "groups": paged(groups, number, PAGE_SIZE),
                # Thousands of teams at scale M run services off the standard platform: a page at a time.
                "own_platforms": paged(report.teams_with_own_platforms, own_number, PAGE_SIZE),
                "chart": trend_chart(trend),
                "trend": trend[-10:],
                "off": off_page,
                "off_total": off_total,
                **build_run,
            }

        return await self._page("platform.html", build)

    # -- audits and sync status ----------------------------------------------------------------

    async def audits(self, request: Request) -> Response:
        params = request.query_params
        kinds_text = [k for k in params.getlist("kind") if k]
        severities = [s for s in params.getlist("severity") if s]
        team_text = params.get("team", "").strip()
        label = params.get("label", "").strip() or None
        sub_teams = params.get("sub", "on") != "off"
        after = params.get("after") or None

        async def build(store: GraphStore) -> dict[str, Any] | Response:
            try:
                kinds = tuple(parse_kind(k) for k in kinds_text) or None
                team = team_key(team_text) if team_text else None
                chosen = await audits(
                    self._reader(store),
                    AuditFilter(kinds, tuple(severities) or None, team, sub_teams, label),
                    stale_after_days=self._settings.stale_after_days,
                    ops_handoff_min_teams=self._settings.ops_handoff_min_teams,
                )
                page = await chosen.page(PAGE_SIZE * 2, after)
                summary = await chosen.summary()
            except (AuditArgumentError, UnknownEntity) as exc:
                raise BadRequest(str(exc)) from exc
            return {
                "page": page,
                "summary": summary,
                "total": sum(c.count for c in summary),
                "kinds": list(AuditKind),
                "severities": SEVERITIES,
                "chosen_kinds": [k.value for k in kinds or ()],
                "chosen_severities": severities,
                "team": team_text,
                "label": label or "",
                "sub": sub_teams,
                "after": after,
                "next_after": page.audits[-1].cursor if page.has_next and page.audits else None,
            }

        return await self._page("audits.html", build)

    async def sync_status(self, request: Request) -> Response:
        async def build(store: GraphStore) -> dict[str, Any] | Response:
            runs = await latest_runs(store)
            counts: dict[str | None, dict[str, int]] = {}
            for c in await finding_counts(store):
                counts.setdefault(c.instance, {})[c.severity] = c.count
            return {"runs": runs, "findings": counts, "severities": SEVERITIES, "now": now_iso()}

        return await self._page("sync.html", build)


async def _identified(reader: CatalogReader, query: str) -> str | None:
    """How the search that led to a page was read (``'pod-x' → service checkout``); None without a search."""
    return (await identify(reader, query)).message if query else None


def _q(text: str) -> str:
    return urlencode({"q": text})


def _by_name(node: GraphNode) -> tuple[str, str]:
    return ((node.text("display_name") or node.text("name") or node.id).lower(), node.id)
