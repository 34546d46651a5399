"""``catalog who-owns IDENTIFIER``: the owners of what a name, URL, pod name, PagerDuty id or hostname names.

Prints one row per service and owner (team, strength, chat channel, platform, runbook), then
the evidence per source and how to reach the team; the candidates when the identifier is
shared or names nothing. ``--json`` prints the whole answer. Exit codes: 0 when something
matched, 1 when nothing did (the nearest services are printed), 2 for an unusable identifier.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from catalog.answers.entity_owners import OwnedEntity, who_owns_any
from catalog.answers.identify import MAX_IDENTIFIER_LENGTH
from catalog.answers.ownership import OwnedService, OwnerRef, WhoOwns
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, print_json, print_table, to_jsonable
from catalog.commands.remote import derived_shown
from catalog.read import CatalogReader
from catalog.store.base import GraphStore


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "who-owns",
        help="who owns a service, system, domain, API, resource, team, platform, repository, file, workload, pod, PagerDuty id or host",
        description="Who owns what IDENTIFIER names, how sure the catalog is, and how to reach them. IDENTIFIER may be a service "
        "name, key or alias; a repository URL (https://github.com/org/repo, git@github.com:org/repo.git) or org/repo; a "
        "workload namespace/name or a pod name; a PagerDuty service id (PABC123); a hostname; a system, domain, API, resource, team or "
        "platform name or key (system:payments, group:payments-team); or a file: a blob URL, org/repo/path or org/repo/path:line "
        "(the CODEOWNERS rule that matches it).",
    )
    parser.add_argument("identifier", help="what you have: e.g. checkout, acme/checkout, payments/checkout-7d9f8b6c5d-x2x9q, PCK9T2V")
    parser.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    parser.set_defaults(answer=run)


async def run(args: argparse.Namespace, store: GraphStore) -> int:
    text = str(args.identifier).strip()
    if not text:
        print("catalog who-owns: the identifier is empty; give a service name, repository URL, pod name or PagerDuty id", file=sys.stderr)
        return EXIT_USAGE
    if len(text) > MAX_IDENTIFIER_LENGTH:
        print(
            f"catalog who-owns: the identifier is longer than {MAX_IDENTIFIER_LENGTH} characters; give the name, URL or id alone",
            file=sys.stderr,
        )
        return EXIT_USAGE
    answer = await who_owns_any(CatalogReader(store), text)
    if args.json:
        print_json(with_owners(answer))
    else:
        print_answer(answer)
    return EXIT_OK if answer.matches else EXIT_NOT_FOUND


def owners_of(o: OwnedService) -> list[dict[str, Any]]:
    """One entry per owner (resolved first, then owners only a source claims), each with every source's evidence inside."""
    entries: dict[str, dict[str, Any]] = {}
    for r in o.resolved_owners:
        entries[r.owner.key] = {"owner": r.owner, "resolved": True, "strength": r.strength, "rule": r.rule, "since": r.since, "sources": []}
    for c in o.owner_evidence:
        entry = entries.setdefault(
            c.owner.key, {"owner": c.owner, "resolved": False, "strength": c.strength, "rule": None, "since": None, "sources": []}
        )
        entry["sources"].append(
            {
                "source": c.source,
                "source_instance": c.source_instance,
                "strength": c.strength,
                "evidence": c.evidence,
                "origin": c.origin,
                "last_seen": c.last_seen,
            }
        )
    return list(entries.values())


def with_owners(answer: WhoOwns) -> dict[str, Any]:
    """The answer as JSON (the API's names: ``subjects``, ``owners`` the resolved owners), each subject with
    ``claimants`` too: one entry per owner resolved or claimed, its sources inside. ``owners`` keeps the API's
    meaning, so a claimant only a source names is never shown as an owner."""
    data: dict[str, Any] = to_jsonable(answer)
    for subject, owned in zip(data["subjects"], answer.matches, strict=True):
        subject["claimants"] = to_jsonable(owners_of(owned))
    return data


def _owners_rows(o: OwnedService) -> list[list[str | None]]:
    platforms = ", ".join(dict.fromkeys(p.name + (" (standard)" if p.standard else "") for p in o.platforms)) or "unknown"
    runbook = o.runbooks[0].url if o.runbooks else None
    kind = "file" if isinstance(o, OwnedEntity) and o.file is not None else o.label.lower()
    subject = o.name if o.label == "Service" else f"{o.name} ({kind})"
    owners: list[tuple[OwnerRef | None, str | None]]
    if o.resolved_owners:
        owners = [(r.owner, r.strength) for r in o.resolved_owners]
    else:
        claimed = {c.owner.key: (c.owner, f"{c.strength or '?'}, unreconciled") for c in o.owner_evidence}
        owners = list(claimed.values()) or [(None, None)]
    contacts = {c.owner.key: c for c in o.contacts}
    rows: list[list[str | None]] = []
    for owner, strength in owners:
        contact = contacts.get(owner.key) if owner is not None else None
        channel = (contact.chat_channel or contact.email) if contact is not None else None
        rows.append([subject, owner.name if owner is not None else "(no owner)", strength, channel, platforms, runbook])
    return rows


def print_answer(answer: WhoOwns) -> None:
    print(answer.message)
    if not answer.matches:
        if answer.nearest:
            print()
            print_table(["nearest", "key", "why"], [[c.name, c.key, c.why] for c in answer.nearest])
        return
    print()
    print_table(
        [
            "service" if all(o.label == "Service" for o in answer.matches) else "subject",
            "owner",
            "strength",
            "channel",
            "platform",
            "runbook",
        ],
        [row for o in answer.matches for row in _owners_rows(o)],
    )
    # Grouped by owner: each owner named once, with what every source says about it below.
    evidence = [
        [
            o.name if i == 0 and j == 0 else "",
            entry["owner"].name if j == 0 else "",
            s["source"],
            s["strength"],
            s["evidence"],
            s["last_seen"],
        ]
        for o in answer.matches
        for i, entry in enumerate(owners_of(o))
        for j, s in enumerate(entry["sources"])
    ]
    if evidence:
        print()
        print_table(["service", "owner", "source", "strength", "evidence", "last seen"], evidence)
    contacts = [
        [c.owner.name, c.chat_channel, c.email, ", ".join(m.name for m in c.members) + (f" +{c.more_members}" if c.more_members else "")]
        for c in {c.owner.key: c for o in answer.matches for c in o.contacts}.values()
    ]
    if contacts:
        print()
        print_table(["contact", "channel", "email", "members"], contacts)
    derived = [
        [o.name, o.derivation.description]
        for o in answer.matches
        if isinstance(o, OwnedEntity) and o.derivation is not None and derived_shown(o.derivation.method)
    ]
    if derived:
        print()
        print_table(["subject", "how the owner was found"], derived)
    if len(answer.matches) > 1:
        print()
        print_table(["candidate", "key", "why"], [[o.name, o.key, o.why] for o in answer.matches])
        print("ask again with a key to name exactly one")
