"""``catalog token create|list|revoke``: the API tokens of ``CATALOG_AUTH=token``.

``create`` prints the new token once, on stdout alone (``TOKEN=$(catalog token create ci)``
works), and stores only its hash, so every server on the same store accepts it. Against the
embedded store, which admits one process, run it while the server is stopped; against Neo4j,
any time.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from catalog.auth.scopes import Scope, format_scopes, parse_scopes
from catalog.auth.tokens import PREFIX, new_token
from catalog.commands import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, print_json, print_table
from catalog.core.clock import iso
from catalog.store.base import GraphStore
from catalog.store.tokens import insert_token, read_tokens, revoke_tokens

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def register(commands: argparse._SubParsersAction, store_flags: Callable[[argparse.ArgumentParser], None]) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "token",
        help="create, list and revoke API tokens (CATALOG_AUTH=token)",
        description="API tokens for CATALOG_AUTH=token. Clients send `Authorization: Bearer <token>`. The store keeps only a hash.",
    )
    # Tokens are made before the first sync (a deployment creates one, then serves): no synced store needed.
    parser.set_defaults(needs_synced_store=False)
    actions = parser.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create",
        help="create a token and print it once",
        description="Create an API token and print it once on stdout; only its hash is stored. Scopes: read (services, teams, "
        "ownership, on-call names, adoption, audits), contacts (people's emails), admin (tokens, changes).",
    )
    create.add_argument("name", help="who or what will use it, e.g. incident-bot (letters, digits, . _ @ -)")
    create.add_argument("--scopes", default="read", help="comma-separated: read[,contacts,admin] (default: read)")
    create.add_argument("--expires-days", type=int, metavar="DAYS", help="stop working after DAYS days (default: until revoked)")
    create.set_defaults(answer=_create)
    listing = actions.add_parser("list", help="list the tokens (never the tokens themselves)", description="List the API tokens.")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(answer=_list)
    revoke = actions.add_parser(
        "revoke",
        help="revoke every active token of a name",
        description="Revoke the active tokens named NAME. Servers stop accepting them within CATALOG_AUTH_TOKEN_CACHE_SECONDS.",
    )
    revoke.add_argument("name")
    revoke.set_defaults(answer=_revoke)
    for action in (create, listing, revoke):
        store_flags(action)


async def _create(args: argparse.Namespace, store: GraphStore) -> int:
    name = str(args.name)
    if not NAME.match(name):
        print(f"catalog token create: {name!r} is not a usable name: 1-64 letters, digits, . _ @ or -, e.g. incident-bot", file=sys.stderr)
        return EXIT_USAGE
    try:
        scopes = parse_scopes(args.scopes, what="--scopes")
    except ValueError as exc:
        print(f"catalog token create: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if Scope.READ not in scopes:
        print("catalog token create: every request needs the read scope; give --scopes read[,contacts,admin]", file=sys.stderr)
        return EXIT_USAGE
    if args.expires_days is not None and not 1 <= args.expires_days <= 3650:
        print("catalog token create: --expires-days must be between 1 and 3650", file=sys.stderr)
        return EXIT_USAGE
    if any(row["name"] == name for row in await read_tokens(store)):
        print(
            f"catalog token create: a token named {name!r} exists; revoke it first (`catalog token revoke {name}`) or choose another name",
            file=sys.stderr,
        )
        return EXIT_USAGE
    now = datetime.now(UTC)
    made = new_token()
    expires = now + timedelta(days=args.expires_days) if args.expires_days else None
    await insert_token(
        store,
        {
            "name": name,
            "selector": made.selector,
            "secret_hash": made.secret_hash,
            "scopes": [s.value for s in Scope if s in scopes],
            "created_at": iso(now),
            "created_by": _user(),
            "expires_at": iso(expires) if expires else None,
        },
    )
    print(made.token)
    until = f"until {iso(expires)[:10]}" if expires else "until revoked"
    print(
        f"created API token {name!r} with scopes {format_scopes(scopes)}, {until}. It is shown this once; the store keeps only its hash.\n"
        "Clients send it as `Authorization: Bearer <token>`.",
        file=sys.stderr,
    )
    return EXIT_OK


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


async def _list(args: argparse.Namespace, store: GraphStore) -> int:
    rows = await read_tokens(store, include_revoked=args.all)
    shown = [
        {
            "name": r["name"],
            "scopes": list(r["scopes"] or []),
            "token": f"{PREFIX}{r['selector']}_…",
            "created_at": r["created_at"],
            "created_by": r["created_by"],
            "expires_at": r["expires_at"],
            "revoked_at": r["retired_at"],
        }
        for r in rows
    ]
    if args.json:
        print_json(shown)
        return EXIT_OK
    now = iso(datetime.now(UTC))
    print_table(
        ["name", "scopes", "token", "created", "by", "expires", "status"],
        [
            [
                s["name"],
                ",".join(s["scopes"]),
                s["token"],
                (s["created_at"] or "")[:16],
                s["created_by"],
                (s["expires_at"] or "never")[:16],
                "revoked" if s["revoked_at"] else ("expired" if s["expires_at"] and s["expires_at"] <= now else "active"),
            ]
            for s in shown
        ],
        empty="no API tokens; create one with `catalog token create NAME --scopes read`",
    )
    return EXIT_OK


async def _revoke(args: argparse.Namespace, store: GraphStore) -> int:
    revoked = await revoke_tokens(store, str(args.name))
    if not revoked:
        print(f"catalog token revoke: no active token named {args.name!r}; `catalog token list` shows them", file=sys.stderr)
        return EXIT_NOT_FOUND
    shown = ", ".join(f"{PREFIX}{r['selector']}_…" for r in revoked)
    print(f"revoked {len(revoked)} token(s) named {args.name!r} ({shown})")
    return EXIT_OK
