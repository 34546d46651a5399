"""OpsLevel ``opslevel.yml`` descriptors: the real parser, then the real sync into both stores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from catalog.core.identity import IdentityIndex
from catalog.core.records import ImportBatch, RelRecord
from catalog.store.base import GraphStore
from catalog.store.identity_index import load_identity_index
from catalog.sync import sync
from importers.backstage import read_backstage
from importers.base import SourceError
from importers.descriptors import read_opslevel
from importers.descriptors.files import repository_from_url
from importers.descriptors.opslevel_source import Config, open_source

FIXTURES = Path(__file__).parent / "fixtures" / "descriptors" / "opslevel"
BACKSTAGE = Path(__file__).parent / "fixtures" / "backstage" / "acme" / "catalog-info.yaml"
T0, T1, T2 = (f"2026-0{m}-01T00:00:00.000000Z" for m in (1, 2, 3))
CART = "component:default/shopping-cart-service"


@pytest.fixture
def descriptors(tmp_path: Path) -> Path:
    """The fixtures, with auth-lib/ made a git checkout of acme/auth-lib."""
    root = tmp_path / "repos"
    shutil.copytree(FIXTURES, root)
    git = root / "auth-lib" / ".git"
    git.mkdir()
    (git / "config").write_text(
        '[core]\n\trepositoryformatversion = 0\n[remote "upstream"]\n\turl = https://github.com/other/fork.git\n'
        '[remote "origin"]\n\turl = git@github.com:acme/auth-lib.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n'
    )
    return root


def rels(batch: ImportBatch, rel_type: str, src: str | None = None) -> list[RelRecord]:
    return [r for r in batch.rels if r.type == rel_type and (src is None or r.src_id == src or r.dst_id == src)]


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- the parser --------------------------------------------------------------------------------


def test_a_documented_service_descriptor_declares_the_service_with_its_facts(descriptors: Path) -> None:
    batch = read_opslevel([descriptors])
    assert batch.source == "opslevel" and batch.complete and not batch.failed_origins
    services = {n.id: n for n in batch.nodes if n.label == "Service"}
    assert set(services) == {CART, "component:default/checkout", "component:default/support-console"}
    cart = services[CART]
    assert cart.weak and cart.origin == "shopping-cart/opslevel.yml#0"
    assert (cart.props["name"], cart.props["tier"], cart.props["lifecycle"], cart.props["type"]) == (
        "Shopping Cart Service",
        "tier_1",
        "generally_available",
        "service",
    )
    assert cart.props["aliases"] == ["shopping-cart", "ShoppingCartService"]
    assert cart.props["tags"] == ["compliance:SOCII", "db:mysql"]
    assert json.loads(cart.props["labels"]) == {"framework": "Rails", "language": "Ruby", "product": "Retail Website"}
    assert [(link["title"], link["type"]) for link in json.loads(cart.props["links"])] == [
        ("Datadog (Production)", "metrics"),
        ("Confluence", "runbooks"),
    ]
    identifiers = {r.src_id for r in rels(batch, "IDENTIFIES", CART)}
    assert identifiers == {
        "ident:opslevel:shopping-cart-service",
        "ident:alias:shopping-cart",
        "ident:alias:shoppingcartservice",
        "ident:pagerduty-service:paq8cja",
        "ident:alert-source:datadog:48998451",  # not a PagerDuty service, but kept as what it is
    }
    assert [r.dst_id for r in rels(batch, "BUILT_FROM", CART)] == ["repository:github.com/acme/shopping-cart"]
    [owner] = rels(batch, "OWNS", CART)
    # A team only OpsLevel names is recorded as OpsLevel's team, with weaker evidence and a finding.
    assert (owner.src_id, owner.props) == (
        "group:opslevel/order-management-team",
        {"evidence": "opslevel.yml service.owner", "strength": "inferred"},
    )
    found = next(f for f in batch.findings if f.kind == "source-only-team" and f.subject == CART)
    assert (found.file, found.line, found.field, found.reference) == (
        "shopping-cart/opslevel.yml",
        8,
        "service.owner",
        "group:opslevel/order-management-team",
    )
    deps = {r.dst_id: r for r in rels(batch, "DEPENDS_ON", CART)}
    assert deps["component:default/checkout"].if_missing is None  # described by another file of this import
    ghost = deps["component:default/wishlist-service"].if_missing
    assert ghost is not None and ghost.kind == "unknown-reference" and ghost.line == 37 and ghost.reference == "wishlist_service"


def test_null_fields_count_as_absent(descriptors: Path) -> None:
    batch = read_opslevel([descriptors])
    console = next(n for n in batch.nodes if n.id == "component:default/support-console")
    assert console.props["aliases"] == [] and console.props["tags"] == []
    assert json.loads(console.props["labels"]) == {"framework": "Sinatra", "language": "Ruby"}
    assert rels(batch, "OWNS", console.id) == [] and rels(batch, "DEPENDS_ON", console.id) == []
    # A PagerDuty service page among the tools names the PagerDuty service.
    assert {r.src_id for r in rels(batch, "IDENTIFIES", console.id)} == {
        "ident:opslevel:support-console",
        "ident:pagerduty-service:p88h2n0",
    }
    assert [f for f in batch.findings if f.file == "support-console/opslevel.yml"] == []


def test_a_repository_descriptor_owns_the_repository_of_its_checkout_only(descriptors: Path) -> None:
    batch = read_opslevel([descriptors / "auth-lib"])
    # platform_team is in no other source: OpsLevel's own team.
    assert [n.label for n in batch.nodes] == ["Repository", "Team"]
    repository = batch.nodes[0]
    assert repository.id == "repository:github.com/acme/auth-lib" and repository.weak
    [owns] = batch.rels
    assert (owns.type, owns.src_label, owns.src_id, owns.dst_id) == ("OWNS", "Team", "group:opslevel/platform-team", repository.id)
    assert owns.props["evidence"] == "opslevel.yml repository.owner"

    shutil.rmtree(descriptors / "auth-lib" / ".git")
    [finding] = [f for f in read_opslevel([descriptors / "auth-lib"]).findings if f.kind != "source-only-team"]
    assert (finding.kind, finding.file, finding.line) == ("unknown-repository", "opslevel.yml", 3)


def test_owners_and_dependencies_resolve_through_the_index_by_alias_and_name(descriptors: Path) -> None:
    index = IdentityIndex()
    index.add_team("group:default/checkout-team", "checkout-team")
    index.add_service("component:payments/payments-gateway", "payments-gateway")
    batch = read_opslevel([descriptors / "checkout"], index=index)
    [owner] = rels(batch, "OWNS")
    assert owner.src_id == "group:default/checkout-team" and owner.if_missing is None  # checkout_team → checkout-team
    [dep] = rels(batch, "DEPENDS_ON")
    assert dep.dst_id == "component:payments/payments-gateway" and dep.if_missing is None


def test_which_service_a_descriptor_describes(descriptors: Path) -> None:
    def described(index: IdentityIndex) -> tuple[set[str], set[str], list[str]]:
        batch = read_opslevel([descriptors / "shopping-cart"], index=index)
        declared = {n.id for n in batch.nodes if n.label == "Service"}
        return declared, {r.dst_id for r in rels(batch, "IDENTIFIES")}, [f.kind for f in batch.findings if f.kind != "source-only-team"]

    # Its own earlier declaration and another source's service share the PagerDuty id: the other one wins.
    index = IdentityIndex()
    index.add_service(CART, "Shopping Cart Service")
    index.add_service("component:default/basket", "basket", annotations={"pagerduty.com/service-id": "PAQ8CJA"})
    index.by_identifier[("pagerduty-service", "paq8cja")].add(CART)
    assert described(index) == (set(), {"component:default/basket"}, [])

    # The same name in two namespaces: the one in its own namespace.
    index = IdentityIndex()
    for key in (CART, "component:shop/shopping-cart-service"):
        index.add_service(key, "shopping-cart-service")
    assert described(index) == ({CART}, {CART}, [])

    # Several services, none its own: reported, and imported on its own.
    index = IdentityIndex()
    for key in ("component:shop/shopping-cart-service", "component:web/shopping-cart-service"):
        index.add_service(key, "shopping-cart-service")
    declared, identified, kinds = described(index)
    assert declared == identified == {CART} and "ambiguous-reference" in kinds

    # An alias of the descriptor names a catalogued service.
    index = IdentityIndex()
    index.add_service("component:default/shopping-cart", "shopping-cart")
    assert described(index)[:2] == (set(), {"component:default/shopping-cart"})


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("git@github.com:acme/auth-lib.git", "github.com/acme/auth-lib"),
        ("https://github.com/acme/auth-lib", "github.com/acme/auth-lib"),
        ("ssh://git@gitlab.example:2222/group/sub/repo.git", "gitlab.example/group/sub/repo"),
        ("https://token@github.com/acme/x.git", "github.com/acme/x"),
        ("/srv/git/local.git", None),
        ("git@github.com:lonely", None),
    ],
)
def test_git_remotes_name_repositories(url: str, slug: str | None) -> None:
    repository = repository_from_url(url)
    assert (f"{repository.host}/{repository.slug}" if repository else None) == slug


def test_bad_input_is_reported_with_file_line_field_and_fix(tmp_path: Path) -> None:
    write(tmp_path, "broken/opslevel.yml", "version: 1\nservice:\n  name: Broken\n  owner: [unclosed\n")
    write(tmp_path, "typed/opslevel.yml", "version: 1\nservice:\n  name: Typed\n  aliases: typed-svc\n  tags: {db: mysql}\n  tier: true\n")
    write(tmp_path, "nameless/opslevel.yml", "version: 1\nservice:\n  owner: someone\n")
    write(tmp_path, "a/opslevel.yml", "version: 1\nservice:\n  name: Twin\n")
    write(tmp_path, "b/opslevel.yml", "version: 1\nservice:\n  name: twin\n  owner: other\n")
    write(tmp_path, "big/opslevel.yml", "version: 1\nservice:\n  name: Big\n  description: " + "x" * 3000 + "\n")
    write(tmp_path, "deps/opslevel.yml", "version: 1\nservice:\n  name: Deps\n  dependencies: [checkout, {notes: no alias}]\n")
    batch = read_opslevel([tmp_path], max_file_bytes=2048)
    found = {(f.kind, f.file, f.line, f.field) for f in batch.findings}

    assert ("invalid-yaml", "broken/opslevel.yml", 5, None) in found
    assert ("invalid-field", "typed/opslevel.yml", 4, "service.aliases") in found
    assert ("invalid-field", "typed/opslevel.yml", 5, "service.tags") in found
    assert ("invalid-field", "typed/opslevel.yml", 6, "service.tier") in found
    assert ("missing-field", "nameless/opslevel.yml", 1, None) in found
    assert ("duplicate-entity", "b/opslevel.yml", 3, "service.name") in found
    assert ("file-too-large", "big/opslevel.yml", None, None) in found
    assert ("invalid-field", "deps/opslevel.yml", 4, "service.dependencies[0]") in found
    assert ("missing-field", "deps/opslevel.yml", 4, "service.dependencies[1]") in found
    for finding in batch.findings:
        assert finding.fix and finding.file, finding

    typed = next(n for n in batch.nodes if n.id == "component:default/typed")
    assert (typed.props["aliases"], typed.props["tags"], typed.props["tier"]) == ([], [], None)  # wrong types are ignored
    twin = next(n for n in batch.nodes if n.id == "component:default/twin")
    assert twin.origin == "a/opslevel.yml#0" and not rels(batch, "OWNS", twin.id)  # the first file wins
    assert batch.failed_origins == {"broken/opslevel.yml", "nameless/opslevel.yml", "big/opslevel.yml"}
    assert batch.complete


async def test_the_source_reads_relative_paths_and_refuses_when_nothing_exists(descriptors: Path) -> None:
    config = Config.model_validate({"type": "opslevel", "paths": ["repos"]})
    source = open_source(config, descriptors.parent)
    assert source.name == "opslevel" and source.instance == f"opslevel:{descriptors.as_posix()}"
    batch = await source.read(IdentityIndex())
    assert len([n for n in batch.nodes if n.label == "Service"]) == 3
    with pytest.raises(SourceError, match=r"none of the opslevel\.yml paths exist"):
        await open_source(Config(type="opslevel", paths=[Path("missing")]), descriptors).read(IdentityIndex())
    partly = await open_source(Config(type="opslevel", paths=[Path("repos"), Path("gone")]), descriptors.parent).read(IdentityIndex())
    assert not partly.complete and any(f.kind == "missing-path" for f in partly.findings)


# -- into the store ----------------------------------------------------------------------------


async def service_row(store: GraphStore, key: str) -> dict[str, object]:
    [row] = await store.read(
        "MATCH (s:Service {id: $id}) RETURN s.source AS source, s.retired_at AS retired, s.tier AS tier, s.aliases AS aliases", {"id": key}
    )
    return row


async def active(store: GraphStore, pattern: str, params: dict[str, object] | None = None) -> list[dict[str, object]]:
    return await store.read(f"MATCH {pattern} WHERE r.active = true RETURN a.id AS a, b.id AS b, r.source AS source", params or {})


async def test_alone_it_declares_its_services_and_a_second_sync_changes_nothing(store: GraphStore, descriptors: Path) -> None:
    first = await sync(store, read_opslevel([descriptors], instance="ol"), now=T0)
    assert first.nodes["Service"].created == 3 and first.nodes["Repository"].created == 3
    assert await service_row(store, CART) == {
        "source": "opslevel",
        "retired": None,
        "tier": "tier_1",
        "aliases": ["shopping-cart", "ShoppingCartService"],
    }
    # platform_team is in no other source: OpsLevel's own team owns the repository, and a finding says so.
    assert await active(store, "(a:Team)-[r:OWNS]->(b:Repository)") == [
        {"a": "group:opslevel/platform-team", "b": "repository:github.com/acme/auth-lib", "source": "opslevel"}
    ]
    only = await store.read("MATCH (f:Finding {kind: 'source-only-team'}) RETURN f.reference AS ref, f.file AS file, f.line AS line")
    assert {"ref": "group:opslevel/order-management-team", "file": "shopping-cart/opslevel.yml", "line": 8} in only
    assert {"ref": "group:opslevel/platform-team", "file": "auth-lib/opslevel.yml", "line": 4} in only

    index = await load_identity_index(store)
    second = await sync(store, read_opslevel([descriptors], instance="ol", index=index), now=T1)
    totals = second.totals()
    assert (totals.created, totals.updated, totals.retired) == (0, 0, 0) and totals.unchanged > 0


async def test_after_backstage_it_attaches_to_the_existing_service_without_redeclaring_it(store: GraphStore, descriptors: Path) -> None:
    await sync(store, read_backstage([BACKSTAGE], instance="bs"), now=T0)
    index = await load_identity_index(store)
    batch = read_opslevel([descriptors], instance="ol", index=index)
    # Its key is Backstage's: stated weakly at most, so Backstage's record is never overwritten.
    assert all(n.weak for n in batch.nodes if n.id == "component:default/checkout")
    report = await sync(store, batch, now=T0)
    assert report.nodes["Service"].created == 2  # the cart and the support console; checkout stays Backstage's

    assert (await service_row(store, "component:default/checkout"))["source"] == "backstage"
    owners = await active(store, "(a:Team)-[r:OWNS]->(b:Service {id: 'component:default/checkout'})")
    assert {(o["a"], o["source"]) for o in owners} == {
        ("group:default/checkout-team", "backstage"),
        ("group:default/checkout-team", "opslevel"),
    }
    idents = await active(store, "(a:Identifier)-[r:IDENTIFIES]->(b:Service {id: 'component:default/checkout'})")
    assert {("ident:opslevel:checkout", "opslevel"), ("ident:pagerduty-service:pchk001", "opslevel")} <= {
        (i["a"], i["source"]) for i in idents
    }
    deps = await active(store, "(a:Service)-[r:DEPENDS_ON]->(b:Service {id: 'component:payments/payments-gateway'})")
    assert {(d["a"], d["source"]) for d in deps} >= {("component:default/checkout", "opslevel")}
    cart_deps = await active(store, "(a:Service {id: $id})-[r:DEPENDS_ON]->(b:Service)", {"id": CART})
    assert [d["b"] for d in cart_deps] == ["component:default/checkout"]

    index = await load_identity_index(store)
    again = await sync(store, read_opslevel([descriptors], instance="ol", index=index), now=T1)
    assert (again.totals().created, again.totals().updated, again.totals().retired) == (0, 0, 0)
    # Backstage, synced again, still holds its service unchanged.
    backstage = await sync(store, read_backstage([BACKSTAGE], instance="bs"), now=T1)
    assert backstage.nodes["Service"].created == backstage.nodes["Service"].updated == 0


async def test_a_service_declared_first_is_left_to_backstage_once_backstage_declares_it(store: GraphStore, descriptors: Path) -> None:
    await sync(store, read_opslevel([descriptors], instance="ol"), now=T0)
    assert (await service_row(store, "component:default/checkout"))["source"] == "opslevel"
    await sync(store, read_backstage([BACKSTAGE], instance="bs"), now=T1)
    index = await load_identity_index(store)
    report = await sync(store, read_opslevel([descriptors], instance="ol", index=index), now=T2)
    services = report.nodes["Service"]
    assert (services.created, services.updated, services.retired) == (0, 0, 0)
    # Only the owners OpsLevel's own teams stood in for are retired: Backstage now declares those teams.
    assert all(counts.retired == 0 for kind, counts in report.rels.items() if kind != "OWNS")
    owners = await active(store, "(a:Team)-[r:OWNS]->(b:Service {id: 'component:default/checkout'})")
    assert [o["a"] for o in owners if o["source"] == "opslevel"] == ["group:default/checkout-team"]  # linked to the team Backstage declares
    retired = await store.read(
        "MATCH (a:Team)-[r:OWNS]->(b:Service {id: 'component:default/checkout'}) WHERE r.active = false RETURN a.id AS a, r.retired_at AS t"
    )
    assert retired == [{"a": "group:opslevel/checkout-team", "t": T2}]
    assert await service_row(store, "component:default/checkout") == {
        "source": "backstage",
        "retired": None,
        "tier": "1",
        "aliases": ["checkout-svc", "co"],
    }


async def test_a_file_turned_malformed_keeps_its_previous_facts(store: GraphStore, descriptors: Path) -> None:
    await sync(store, read_opslevel([descriptors], instance="ol"), now=T0)
    cart = descriptors / "shopping-cart" / "opslevel.yml"
    cart.write_text(cart.read_text().replace("  tier: tier_1\n", "  tier: [tier_1\n"))
    report = await sync(store, read_opslevel([descriptors], instance="ol", index=await load_identity_index(store)), now=T1)
    [broken] = [f for f in report.findings if f.kind == "invalid-yaml"]
    assert (broken.file, broken.severity) == ("shopping-cart/opslevel.yml", "error") and broken.line
    assert report.totals().retired == 0
    assert (await service_row(store, CART))["retired"] is None
    assert len(await active(store, "(a:Identifier)-[r:IDENTIFIES]->(b:Service {id: $id})", {"id": CART})) == 5

    cart.unlink()  # gone from a complete read: now it is retired
    report = await sync(store, read_opslevel([descriptors], instance="ol", index=await load_identity_index(store)), now=T2, force=True)
    assert report.nodes["Service"].retired == 1 and (await service_row(store, CART))["retired"] == T2


async def test_a_repository_descriptor_owns_the_repository_in_the_store(store: GraphStore, descriptors: Path) -> None:
    await sync(store, read_backstage([BACKSTAGE], instance="bs"), now=T0)
    (descriptors / "auth-lib" / "opslevel.yml").write_text("version: 1\nrepository:\n  owner: platform-team\n  tier: tier_2\n")
    await sync(store, read_opslevel([descriptors / "auth-lib"], instance="ol", index=await load_identity_index(store)), now=T0)
    assert await active(store, "(a:Team)-[r:OWNS]->(b:Repository)") == [
        {"a": "group:default/platform-team", "b": "repository:github.com/acme/auth-lib", "source": "opslevel"}
    ]
    assert await store.read("MATCH (s:Service) WHERE s.source = 'opslevel' RETURN s.id AS id") == []
