"""Reading a kubeconfig: which server, how to trust it, and which credentials to send.

Parsed with PyYAML and nothing else (no Kubernetes client library). Supported, as kubectl
reads them:

- the context named in the source's settings, else ``current-context``;
- the cluster's ``server``, ``certificate-authority`` / ``certificate-authority-data`` and
  ``insecure-skip-tls-verify``;
- the user's ``token``, ``tokenFile``, ``client-certificate`` / ``client-certificate-data`` with
  ``client-key`` / ``client-key-data``, and ``username`` / ``password`` (basic auth).

Relative file paths are relative to the kubeconfig's folder, as in kubectl. Credential plugins
(``exec``, ``auth-provider``) are not run: the catalog never executes commands named in a
file. A user entry that depends on one is an error that names the file, the user and the way
out (a token through ``token_env``, or an offline export). Merging several files from
``KUBECONFIG`` is not supported: point the source at one file.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.core.safe_load import MAX_KUBECONFIG_BYTES, InputRefused, YamlError, decode_utf8, load_yaml, read_bounded

EXPORT_FIX = (
    "or export the objects with `kubectl get deployments,statefulsets,daemonsets,cronjobs,jobs,services -A -o yaml` and use `files`"
)


class KubeconfigError(ValueError):
    """The kubeconfig cannot be used; the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class KubeTarget:
    """One context of a kubeconfig, resolved: the server, its trust, the credentials."""

    path: Path
    context: str
    cluster: str
    user: str
    server: str
    ca_file: Path | None = None
    ca_data: bytes | None = None
    insecure: bool = False
    token: str | None = None
    token_file: Path | None = None
    cert_file: Path | None = None
    cert_data: bytes | None = None
    key_file: Path | None = None
    key_data: bytes | None = None
    username: str | None = None
    password: str | None = None
    plugin: str | None = None
    """``exec (command aws)`` or ``auth-provider (gcp)`` when the user entry relies on a plugin."""

    def describe(self) -> str:
        return f"kubeconfig {self.path}, context {self.context!r}, server {self.server}"

    @property
    def has_client_cert(self) -> bool:
        return bool(self.cert_file or self.cert_data)

    @property
    def has_static_credentials(self) -> bool:
        return bool(self.token or self.token_file or self.has_client_cert or self.username)

    def __repr__(self) -> str:  # never print credentials
        return f"KubeTarget({self.describe()}, user {self.user!r})"


def load_kubeconfig(path: Path, context: str | None = None) -> KubeTarget:
    """Read ``path`` and resolve ``context`` (default: its ``current-context``)."""
    path = path.expanduser()
    try:
        text = decode_utf8(read_bounded(path, MAX_KUBECONFIG_BYTES, what=f"kubeconfig {path}"), what=f"kubeconfig {path}")
    except FileNotFoundError:
        raise KubeconfigError(f"kubeconfig {path} does not exist; point `kubeconfig` at an existing file, {EXPORT_FIX}") from None
    except InputRefused as exc:
        raise KubeconfigError(f"{exc.message}; point `kubeconfig` at the real kubeconfig, {EXPORT_FIX}") from exc
    except OSError as exc:
        raise KubeconfigError(f"kubeconfig {path} cannot be read ({exc}); make it a readable UTF-8 file, {EXPORT_FIX}") from exc
    try:
        doc = load_yaml(text)
    except YamlError as exc:
        where = f"{path}:{exc.line}" if exc.line is not None else str(path)
        if exc.kind == "invalid-yaml":
            raise KubeconfigError(f"kubeconfig {where} is not valid YAML ({exc.message}); fix its syntax") from exc
        raise KubeconfigError(f"kubeconfig {where} is refused: {exc.message}; {exc.fix}") from exc
    return parse_kubeconfig(doc, path, context)


def parse_kubeconfig(doc: Any, path: Path, context: str | None = None) -> KubeTarget:
    """Resolve one context of an already parsed kubeconfig document. Pure."""
    if not isinstance(doc, dict):
        raise KubeconfigError(f"kubeconfig {path} is not a kubeconfig (expected a mapping with clusters, users and contexts)")
    contexts = _named(doc, "contexts", "context", path)
    clusters = _named(doc, "clusters", "cluster", path)
    users = _named(doc, "users", "user", path)
    name = context or doc.get("current-context")
    if not name or not isinstance(name, str):
        raise KubeconfigError(
            f"kubeconfig {path} sets no current-context and the source names no `context`; "
            f"set `context` to one of {sorted(contexts) or 'its contexts (it has none)'}"
        )
    if name not in contexts:
        raise KubeconfigError(f"kubeconfig {path} has no context {name!r}; its contexts are {sorted(contexts)}; correct `context`")
    ctx = contexts[name]
    cluster_name, user_name = ctx.get("cluster"), ctx.get("user")
    if not isinstance(cluster_name, str) or cluster_name not in clusters:
        raise KubeconfigError(f"kubeconfig {path}: context {name!r} names cluster {cluster_name!r}, which the file does not define")
    cluster = clusters[cluster_name]
    server = cluster.get("server")
    if not isinstance(server, str) or not server.strip():
        raise KubeconfigError(f"kubeconfig {path}: cluster {cluster_name!r} (context {name!r}) has no server; add its https:// address")
    server = server.strip().rstrip("/")
    if not server.startswith(("https://", "http://")):
        raise KubeconfigError(f"kubeconfig {path}: cluster {cluster_name!r} has server {server!r}; write it as https://host[:port]")
    if user_name is None:
        user: dict[str, Any] = {}
        user_name = ""
    elif not isinstance(user_name, str) or user_name not in users:
        raise KubeconfigError(f"kubeconfig {path}: context {name!r} names user {user_name!r}, which the file does not define")
    else:
        user = users[user_name]

    where = f"kubeconfig {path}"
    base = path.parent
    insecure = cluster.get("insecure-skip-tls-verify") is True
    ca_file = _file(cluster, "certificate-authority", base, f"{where} cluster {cluster_name!r}")
    ca_data = _data(cluster, "certificate-authority-data", f"{where} cluster {cluster_name!r}")
    if insecure and (ca_file or ca_data):
        raise KubeconfigError(
            f"{where}: cluster {cluster_name!r} sets both insecure-skip-tls-verify and a certificate authority, "
            "which kubectl refuses too; remove one"
        )
    user_where = f"{where} user {user_name!r}"
    token = user.get("token")
    if token is not None and not isinstance(token, str):
        raise KubeconfigError(f"{user_where}: token must be a string")
    plugin = None
    if isinstance(user.get("exec"), dict):
        plugin = f"exec (command {user['exec'].get('command')!s})"
    elif isinstance(user.get("auth-provider"), dict):
        plugin = f"auth-provider ({user['auth-provider'].get('name')!s})"
    username, password = user.get("username"), user.get("password")
    if username is not None and (not isinstance(username, str) or not isinstance(password, str)):
        raise KubeconfigError(f"{user_where}: username and password must both be strings")
    target = KubeTarget(
        path=path,
        context=name,
        cluster=cluster_name,
        user=user_name,
        server=server,
        ca_file=ca_file,
        ca_data=ca_data,
        insecure=insecure,
        token=token.strip() if token else None,
        token_file=_file(user, "tokenFile", base, user_where),
        cert_file=_file(user, "client-certificate", base, user_where),
        cert_data=_data(user, "client-certificate-data", user_where),
        key_file=_file(user, "client-key", base, user_where),
        key_data=_data(user, "client-key-data", user_where),
        username=username,
        password=password,
        plugin=plugin,
    )
    if target.has_client_cert != bool(target.key_file or target.key_data):
        raise KubeconfigError(f"{user_where}: a client certificate needs its key and a key its certificate; set both")
    return target


def auth_headers(target: KubeTarget, token: str | None = None) -> dict[str, str]:
    """The Authorization header for ``target``; ``token`` (from ``token_env``) overrides the user entry."""
    if token:
        return {"Authorization": f"Bearer {token.strip()}"}
    if target.plugin and not target.has_static_credentials:
        raise KubeconfigError(
            f"kubeconfig {target.path}: user {target.user!r} (context {target.context!r}) gets its credentials from an "
            f"{target.plugin} plugin, which the catalog does not run; set `token_env` to a variable holding a token "
            f"(e.g. a service account's, from `kubectl create token <sa> -n <namespace>`), give the user a `token`, {EXPORT_FIX}"
        )
    if target.token:
        return {"Authorization": f"Bearer {target.token}"}
    if target.token_file:
        try:
            value = target.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise KubeconfigError(
                f"kubeconfig {target.path}: user {target.user!r} tokenFile {target.token_file} cannot be read ({exc.strerror}); "
                "fix the path (relative paths are relative to the kubeconfig)"
            ) from exc
        if not value:
            raise KubeconfigError(f"kubeconfig {target.path}: user {target.user!r} tokenFile {target.token_file} is empty")
        return {"Authorization": f"Bearer {value}"}
    if target.username is not None and target.password is not None:
        basic = base64.b64encode(f"{target.username}:{target.password}".encode()).decode()
        return {"Authorization": f"Basic {basic}"}
    return {}


def ssl_context(target: KubeTarget) -> ssl.SSLContext:
    """How to trust the server and, with a client certificate, how to prove who we are."""
    where = f"kubeconfig {target.path} cluster {target.cluster!r}"
    try:
        ctx = ssl.create_default_context(
            cafile=str(target.ca_file) if target.ca_file else None,
            cadata=target.ca_data.decode("ascii", "replace") if target.ca_data else None,
        )
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise KubeconfigError(f"{where}: the certificate authority cannot be loaded ({exc}); check certificate-authority(-data)") from exc
    if target.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if target.has_client_cert:
        _load_client_cert(ctx, target)
    return ctx


def _load_client_cert(ctx: ssl.SSLContext, target: KubeTarget) -> None:
    where = f"kubeconfig {target.path} user {target.user!r}"
    # ssl loads certificates from files only: inline data goes to a private temporary folder
    # that is removed as soon as the context holds the key.
    with tempfile.TemporaryDirectory(prefix="catalog-kube-") as tmp:
        cert = target.cert_file or _private_file(Path(tmp) / "client.crt", target.cert_data or b"")
        key = target.key_file or _private_file(Path(tmp) / "client.key", target.key_data or b"")
        try:
            ctx.load_cert_chain(str(cert), str(key))
        except (OSError, ssl.SSLError) as exc:
            raise KubeconfigError(
                f"{where}: the client certificate and key cannot be loaded ({exc}); check client-certificate(-data) and client-key(-data)"
            ) from exc


def _private_file(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def _named(doc: dict[str, Any], section: str, field: str, path: Path) -> dict[str, dict[str, Any]]:
    entries = doc.get(section) or []
    if not isinstance(entries, list):
        raise KubeconfigError(f"kubeconfig {path}: {section} must be a list")
    out: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise KubeconfigError(f"kubeconfig {path}: {section}[{index}] needs a name")
        body = entry.get(field) or {}
        if not isinstance(body, dict):
            raise KubeconfigError(f"kubeconfig {path}: {section}[{index}] ({entry['name']!r}).{field} must be a mapping")
        out.setdefault(entry["name"], body)
    return out


def _file(entry: dict[str, Any], key: str, base: Path, where: str) -> Path | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise KubeconfigError(f"{where}: {key} must be a file path")
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _data(entry: dict[str, Any], key: str, where: str) -> bytes | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise KubeconfigError(f"{where}: {key} must be base64 text")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KubeconfigError(f"{where}: {key} is not valid base64 ({exc}); copy it again from the cluster's kubeconfig") from exc


__all__ = ["KubeTarget", "KubeconfigError", "auth_headers", "load_kubeconfig", "parse_kubeconfig", "ssl_context"]
