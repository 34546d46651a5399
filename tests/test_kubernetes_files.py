"""Offline exports (``kubectl get -o yaml|json``) and the source's configuration."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from catalog.core.identity import IdentityIndex
from importers.base import SourceError
from importers.kubernetes import Config, KubernetesSource, open_source
from importers.kubernetes.files import read_exports

FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"


def source(tmp_path: Path, *files: str, **settings: Any) -> KubernetesSource:
    # These specify reading export files; discovered services are specified in tests/test_fidelity_kubernetes.py.
    settings.setdefault("discover_services", False)
    return open_source(Config(type="kubernetes", cluster="prod-eu", files=[Path(f) for f in files], **settings), tmp_path)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "export", tmp_path / "export")
    return tmp_path / "export"


def test_lists_multi_document_yaml_and_json_are_all_read_with_their_lines(tmp_path: Path, export: Path) -> None:
    read = read_exports([export], tmp_path, "kubernetes:prod-eu")
    assert read.files == ["export/apps.yaml", "export/batch.yaml", "export/services.json"]
    assert not read.findings and not read.failed_origins
    kinds = [o.body["kind"] for o in read.objects]
    assert (
        kinds.count("Deployment") == 5 and kinds.count("StatefulSet") == 4 and kinds.count("CronJob") == 1 and kinds.count("Service") == 10
    )
    checkout = next(o for o in read.objects if o.body["metadata"]["name"] == "checkout" and o.body["kind"] == "Deployment")
    assert checkout.origin == f"export/apps.yaml#L{checkout.line}" and checkout.file == "export/apps.yaml"
    lines = (export / "apps.yaml").read_text().splitlines()
    assert checkout.line is not None
    assert lines[checkout.line - 1] == "- apiVersion: apps/v1"  # the line where the item starts
    cron = next(o for o in read.objects if o.body["kind"] == "CronJob")
    assert cron.origin == "export/batch.yaml#L1"
    assert [o.origin for o in read.objects if o.file == "export/services.json"][:2] == ["export/services.json#0", "export/services.json#1"]


async def test_an_api_shaped_list_whose_items_have_no_kind_takes_it_from_the_list(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "api" / "deployments.json", tmp_path / "deployments.json")
    batch = await source(tmp_path, "deployments.json").read(IdentityIndex())
    assert sorted(n.id for n in batch.nodes if n.label == "Workload") == [
        "workload:prod-eu/payments/deployment/payments-gateway",
        "workload:prod-eu/shop/deployment/checkout",
        "workload:prod-eu/shop/deployment/orders",
        "workload:prod-eu/shop/deployment/storefront-web",
    ]


async def test_a_malformed_file_is_reported_with_its_line_and_the_others_still_count(tmp_path: Path, export: Path) -> None:
    (export / "broken.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [unclosed\n  namespace: shop\n")
    services = json.loads((export / "services.json").read_text())
    (export / "services.json").write_text(json.dumps(services, indent=2)[:900])  # cut short
    batch = await source(tmp_path, "export").read(IdentityIndex())
    broken = {f.file: f for f in batch.findings if f.kind in ("invalid-yaml", "invalid-json")}
    assert set(broken) == {"export/broken.yaml", "export/services.json"}
    assert broken["export/broken.yaml"].line == 5 and broken["export/broken.yaml"].severity == "error"
    assert "export/broken.yaml is not valid YAML at line 5" in broken["export/broken.yaml"].message
    assert broken["export/services.json"].line is not None and "none of its objects is imported" in broken["export/services.json"].message
    assert {"export/broken.yaml", "export/services.json"} <= batch.failed_origins
    # The files that failed keep their facts and the rest is read as usual; since a failed file may
    # hold the Services other workloads' dependencies resolve through, the read retires nothing.
    assert not batch.complete
    assert any(n.id == "workload:prod-eu/shop/deployment/checkout" for n in batch.nodes)


async def test_documents_that_are_not_kubernetes_objects_are_reported(tmp_path: Path) -> None:
    (tmp_path / "mixed.yaml").write_text(
        "- just\n- a list\n---\nfoo: bar\n---\n---\napiVersion: v1\nkind: List\nitems: {not: a list}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {}\n"
    )
    batch = await source(tmp_path, "mixed.yaml").read(IdentityIndex())
    assert [(f.kind, f.line) for f in batch.findings if f.kind != "unmatched-workload" and f.kind != "unowned-workloads"] == [
        ("not-kubernetes", 1),
        ("not-kubernetes", 4),
        ("invalid-object", 7),
    ]
    assert [n.id for n in batch.nodes] == ["workload:prod-eu/shop/deployment/web"]


async def test_when_no_file_can_be_read_the_source_fails(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"kind": "List", "items": [')
    (tmp_path / "b.yaml").write_text("kind: [\n")
    with pytest.raises(
        SourceError, match=r"kubernetes:prod-eu: no export file could be read: .*a\.json is not valid JSON.*b\.yaml is not valid YAML"
    ):
        await source(tmp_path, "a.json", "b.yaml").read(IdentityIndex())
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        SourceError, match=r"no export files \(\*\.yaml, \*\.yml, \*\.json\) under .*empty; or export the objects with `kubectl get"
    ):
        await source(tmp_path, "empty").read(IdentityIndex())
    with pytest.raises(SourceError, match=r"export gone\.yaml does not exist"):
        await source(tmp_path, "gone.yaml").read(IdentityIndex())


async def test_a_missing_path_among_good_ones_is_a_finding(tmp_path: Path, export: Path) -> None:
    batch = await source(tmp_path, "export", "later.yaml").read(IdentityIndex())
    [missing] = [f for f in batch.findings if f.kind == "unreadable-file"]
    assert missing.file == "later.yaml" and "later.yaml" in batch.failed_origins


# -- configuration -------------------------------------------------------------------------


def test_config_defaults_and_instance(tmp_path: Path) -> None:
    config = Config(type="kubernetes", cluster="prod-eu", platform="k8s-standard", kubeconfig=Path("~/.kube/config"))
    assert config.owner_keys == ["ownership-catalog.io/owner", "team", "owner"]
    assert config.service_keys == ["ownership-catalog.io/service", "app.kubernetes.io/name", "app"]
    assert config.exclude_namespaces == ["kube-system", "kube-public", "kube-node-lease"]
    src = open_source(config, tmp_path)
    assert src.name == "kubernetes" and src.instance == "kubernetes:prod-eu"
    assert src.settings.platform == "platform:default/k8s-standard"
    assert src.kubeconfig == Path("~/.kube/config").expanduser()
    assert open_source(config.model_copy(update={"instance": "k8s-eu"}), tmp_path).instance == "k8s-eu"


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("k8s-standard", "platform:default/k8s-standard"),
        ("platform:infra/K8s", "platform:infra/k8s"),
        ("resource:default/k8s", "platform:default/k8s"),
        ("infra/k8s", "platform:infra/k8s"),
    ],
)
def test_platform_names_and_references(tmp_path: Path, value: str, key: str) -> None:
    assert source(tmp_path, "x.yaml", platform=value).settings.platform == key


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "set exactly one of `files`"),
        ({"files": ["a.yaml"], "kubeconfig": "k"}, "set exactly one of `files`"),
        ({"files": ["a.yaml"], "context": "prod"}, "`context` and `token_env` apply to `kubeconfig` only"),
        ({"files": ["a.yaml"], "platform": "group:default/x"}, "names a group"),
        ({"files": ["a.yaml"], "platform": "a b"}, "is not a platform name"),
        ({"files": ["a.yaml"], "namespaces": []}, "at least 1 item"),
        ({"files": ["a.yaml"], "colour": "blue"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_configurations_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Config.model_validate({"type": "kubernetes", "cluster": "prod-eu", **settings})
    with pytest.raises(ValidationError, match="cluster"):
        Config.model_validate({"type": "kubernetes", "cluster": "prod eu", "files": ["a.yaml"]})
