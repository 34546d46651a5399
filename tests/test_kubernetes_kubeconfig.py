"""Kubeconfig parsing and connection settings, including a real mutual-TLS request."""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from importers.kubernetes.client import ENDPOINTS, list_all, open_api
from importers.kubernetes.kubeconfig import KubeconfigError, auth_headers, load_kubeconfig, parse_kubeconfig, ssl_context


def kubeconfig(
    clusters: dict[str, dict[str, Any]],
    users: dict[str, dict[str, Any]],
    contexts: dict[str, tuple[str, str]],
    current: str | None = None,
) -> dict[str, Any]:
    """A kubeconfig document shaped as kubectl writes it."""
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": c} for n, c in clusters.items()],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": [{"name": n, "context": {"cluster": c, "user": u, "namespace": "default"}} for n, (c, u) in contexts.items()],
    }
    if current:
        doc["current-context"] = current
    return doc


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


TWO = kubeconfig(
    {"prod": {"server": "https://prod.k8s.example:6443/"}, "stage": {"server": "https://stage.k8s.example"}},
    {"reader": {"token": " abc.def "}, "admin": {"username": "admin", "password": "pw"}},
    {"prod-ro": ("prod", "reader"), "stage-admin": ("stage", "admin")},
    current="prod-ro",
)


def test_the_current_context_is_used_unless_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "config"
    target = parse_kubeconfig(TWO, path)
    assert (target.context, target.cluster, target.user, target.server) == ("prod-ro", "prod", "reader", "https://prod.k8s.example:6443")
    assert auth_headers(target) == {"Authorization": "Bearer abc.def"}
    other = parse_kubeconfig(TWO, path, "stage-admin")
    assert other.server == "https://stage.k8s.example"
    assert auth_headers(other) == {"Authorization": "Basic " + b64("admin:pw")}
    assert "abc.def" not in repr(target)


@pytest.mark.parametrize(
    ("doc", "context", "message"),
    [
        (TWO, "nope", r"has no context 'nope'; its contexts are \['prod-ro', 'stage-admin'\]"),
        ({**TWO, "current-context": None}, None, r"sets no current-context and the source names no `context`; set `context` to one of"),
        (kubeconfig({}, {"u": {}}, {"c": ("gone", "u")}, "c"), None, r"context 'c' names cluster 'gone', which the file does not define"),
        (kubeconfig({"k": {"server": "https://x"}}, {}, {"c": ("k", "ghost")}, "c"), None, r"names user 'ghost'"),
        (kubeconfig({"k": {}}, {"u": {}}, {"c": ("k", "u")}, "c"), None, r"cluster 'k' \(context 'c'\) has no server"),
        (kubeconfig({"k": {"server": "10.0.0.1:6443"}}, {"u": {}}, {"c": ("k", "u")}, "c"), None, r"write it as https://host"),
        (
            kubeconfig({"k": {"server": "https://x", "certificate-authority-data": "not base64!"}}, {"u": {}}, {"c": ("k", "u")}, "c"),
            None,
            r"cluster 'k': certificate-authority-data is not valid base64",
        ),
        (
            kubeconfig({"k": {"server": "https://x", "insecure-skip-tls-verify": True, "certificate-authority": "ca.crt"}}, {}, {}, None),
            None,
            r"sets no current-context",
        ),
        (
            kubeconfig(
                {"k": {"server": "https://x", "insecure-skip-tls-verify": True, "certificate-authority": "ca.crt"}},
                {"u": {}},
                {"c": ("k", "u")},
                "c",
            ),
            None,
            r"both insecure-skip-tls-verify and a certificate authority",
        ),
        (
            kubeconfig({"k": {"server": "https://x"}}, {"u": {"client-certificate": "c.crt"}}, {"c": ("k", "u")}, "c"),
            None,
            r"user 'u': a client certificate needs its key",
        ),
        (["not", "a", "mapping"], None, r"is not a kubeconfig"),
    ],
)
def test_broken_kubeconfigs_name_the_file_the_entry_and_the_fix(doc: Any, context: str | None, message: str) -> None:
    with pytest.raises(KubeconfigError, match=message) as err:
        parse_kubeconfig(doc, Path("/etc/kube/prod.yaml"), context)
    assert "/etc/kube/prod.yaml" in str(err.value)


def test_relative_files_resolve_against_the_kubeconfig_folder(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text("file-token\n")
    doc = kubeconfig(
        {"k": {"server": "https://x", "certificate-authority": "certs/ca.crt"}},
        {"u": {"tokenFile": "secrets/token", "client-certificate": "/abs/c.crt", "client-key": "certs/c.key"}},
        {"c": ("k", "u")},
        "c",
    )
    target = parse_kubeconfig(doc, tmp_path / "config")
    assert target.ca_file == tmp_path / "certs" / "ca.crt"
    assert target.cert_file == Path("/abs/c.crt") and target.key_file == tmp_path / "certs" / "c.key"
    assert auth_headers(target) == {"Authorization": "Bearer file-token"}


def test_a_missing_token_file_is_an_error_naming_it(tmp_path: Path) -> None:
    doc = kubeconfig({"k": {"server": "https://x"}}, {"u": {"tokenFile": "gone"}}, {"c": ("k", "u")}, "c")
    with pytest.raises(KubeconfigError, match=r"user 'u' tokenFile .*gone cannot be read"):
        auth_headers(parse_kubeconfig(doc, tmp_path / "config"))


@pytest.mark.parametrize(
    ("user", "plugin"),
    [
        (
            {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws", "args": ["eks", "get-token"]}},
            "exec (command aws)",
        ),
        ({"auth-provider": {"name": "gcp", "config": {}}}, "auth-provider (gcp)"),
    ],
)
def test_credential_plugins_are_not_run_and_the_error_says_what_to_do(user: dict[str, Any], plugin: str) -> None:
    doc = kubeconfig({"eks": {"server": "https://eks.example"}}, {"arn:aws:eks:prod": user}, {"prod": ("eks", "arn:aws:eks:prod")}, "prod")
    target = parse_kubeconfig(doc, Path("/home/ops/.kube/config"))
    with pytest.raises(KubeconfigError) as err:
        auth_headers(target)
    text = str(err.value)
    assert "/home/ops/.kube/config" in text and "'arn:aws:eks:prod'" in text and plugin in text
    assert "token_env" in text and "kubectl get" in text
    # A token from the environment replaces the plugin.
    assert auth_headers(target, "sa-token") == {"Authorization": "Bearer sa-token"}


def test_a_static_token_next_to_a_plugin_is_used() -> None:
    doc = kubeconfig({"k": {"server": "https://x"}}, {"u": {"token": "t", "exec": {"command": "x"}}}, {"c": ("k", "u")}, "c")
    assert auth_headers(parse_kubeconfig(doc, Path("k"))) == {"Authorization": "Bearer t"}


def test_load_reports_a_missing_file_and_bad_yaml_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match=r"kubeconfig .*/nope does not exist; point `kubeconfig` at an existing file, or export"):
        load_kubeconfig(tmp_path / "nope")
    bad = tmp_path / "config"
    bad.write_text("apiVersion: v1\nclusters:\n- name: k\n  cluster: {server: [unclosed\n")
    with pytest.raises(KubeconfigError, match=r"config:5 is not valid YAML"):
        load_kubeconfig(bad)
    good = tmp_path / "good"
    good.write_text(yaml.safe_dump(TWO))
    assert load_kubeconfig(good, "stage-admin").cluster == "stage"


def test_insecure_skip_tls_verify_turns_verification_off() -> None:
    doc = kubeconfig({"k": {"server": "https://x", "insecure-skip-tls-verify": True}}, {"u": {}}, {"c": ("k", "u")}, "c")
    ctx = ssl_context(parse_kubeconfig(doc, Path("k")))
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname


def test_a_certificate_authority_that_is_not_a_certificate_is_reported() -> None:
    doc = kubeconfig({"k": {"server": "https://x", "certificate-authority-data": b64("garbage")}}, {"u": {}}, {"c": ("k", "u")}, "c")
    with pytest.raises(KubeconfigError, match=r"cluster 'k': the certificate authority cannot be loaded"):
        ssl_context(parse_kubeconfig(doc, Path("k")))


# -- a real HTTPS API server that requires a client certificate ----------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("pki")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    ca_ext = ("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=kube-ca", "-days", "1", *ca_ext)
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name, subject in (("server", "/CN=kube-apiserver"), ("client", "/CN=catalog/O=readers")):
        run("req", *ec, "-keyout", f"{name}.key", "-subj", subject, "-out", f"{name}.csr")
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            f"{name}.ext",
            "-out",
            f"{name}.crt",
        )
    return d


@pytest.fixture
def tls_server(pki: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            peer = self.connection.getpeercert()
            seen.append({"path": self.path, "peer": peer, "auth": self.headers.get("Authorization")})
            body = json.dumps(
                {"kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {"resourceVersion": "1"}, "items": []}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "server.crt", pki / "server.key")
    ctx.load_verify_locations(pki / "ca.crt")
    ctx.verify_mode = ssl.CERT_REQUIRED
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


async def test_inline_ca_and_client_certificate_data_authenticate_over_tls(pki: Path, tls_server: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = tls_server
    doc = kubeconfig(
        {"k": {"server": url, "certificate-authority-data": b64((pki / "ca.crt").read_bytes())}},
        {
            "u": {
                "client-certificate-data": b64((pki / "client.crt").read_bytes()),
                "client-key-data": b64((pki / "client.key").read_bytes()),
            }
        },
        {"c": ("k", "u")},
        "c",
    )
    target = parse_kubeconfig(doc, pki / "config")
    async with open_api(target, "kubernetes:test") as api:
        assert await list_all(api, ENDPOINTS[0], "/apis/apps/v1/deployments", 50) == []
    [request] = seen
    assert request["path"] == "/apis/apps/v1/deployments?limit=50"
    assert dict(x[0] for x in request["peer"]["subject"])["commonName"] == "catalog"
    assert request["auth"] is None


async def test_file_paths_for_ca_and_client_certificate_work_too(pki: Path, tls_server: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = tls_server
    doc = kubeconfig(
        {"k": {"server": url, "certificate-authority": "ca.crt"}},
        {"u": {"client-certificate": "client.crt", "client-key": "client.key", "token": "also-sent"}},
        {"c": ("k", "u")},
        "c",
    )
    async with open_api(parse_kubeconfig(doc, pki / "config"), "kubernetes:test") as api:
        await list_all(api, ENDPOINTS[0], "/apis/apps/v1/deployments", 50)
    assert seen[0]["auth"] == "Bearer also-sent"


def test_a_key_that_does_not_fit_the_client_certificate_is_reported(pki: Path) -> None:
    doc = kubeconfig(
        {"k": {"server": "https://127.0.0.1:1"}},
        {"u": {"client-certificate": "client.crt", "client-key": "ca.crt"}},
        {"c": ("k", "u")},
        "c",
    )
    with pytest.raises(KubeconfigError, match=r"user 'u': the client certificate and key cannot be loaded"):
        ssl_context(parse_kubeconfig(doc, pki / "config"))
