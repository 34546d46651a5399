"""Throwaway Neo4j 5.26 Community DBMS for tests, run as an embedded JVM.

No Docker and no Neo4j install are needed: Maven fetches the embedded DBMS jars
(version pinned in ``pom.xml`` next to this file) into a cache directory once,
``Launcher.java`` is compiled once, and every :class:`EmbeddedNeo4j` runs it in
its own JVM on a free localhost port with a fresh temporary data directory.

Developer use, from the repository root::

    python -m tests.neo4j.launcher               # start, print URIs, run until Ctrl-C
    python -m tests.neo4j.launcher --fetch-only  # only download jars (pre-warm CI)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn

__all__ = [
    "CACHE_ENV_VAR",
    "DEFAULT_STARTUP_TIMEOUT",
    "EmbeddedNeo4j",
    "Neo4jLauncherError",
    "default_cache_dir",
    "ensure_jars",
    "main",
    "neo4j_version",
]

log = logging.getLogger(__name__)

CACHE_ENV_VAR = "CATALOG_NEO4J_CACHE"
DEFAULT_STARTUP_TIMEOUT = 180.0

_HERE = Path(__file__).resolve().parent
_POM = _HERE / "pom.xml"
_LAUNCHER_SRC = _HERE / "Launcher.java"
_MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
_MIN_JAVA = 17
_MARKER = "jars.json"
_HOST = "127.0.0.1"
_LOG_TAIL_LINES = 60
_STOP_TIMEOUT = 30.0
_PORT_ATTEMPTS = 3

# From the stock neo4j.conf (server.jvm.additional) where relevant to an
# embedded test instance; the --add-opens let Neo4j's page cache and Netty use
# direct buffers on Java 17 without falling back or warning.
_JVM_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
)

_JDK_HINT = (
    "install a Java 17+ JDK (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless; macOS: brew install openjdk@17) or set JAVA_HOME"
)
_MAVEN_HINT = "install Apache Maven 3.6+ (Debian/Ubuntu: apt-get install maven; macOS: brew install maven)"


class Neo4jLauncherError(RuntimeError):
    """Fetching, compiling or starting the test Neo4j failed."""


def neo4j_version() -> str:
    """The Neo4j version pinned in ``tests/neo4j/pom.xml``."""
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    version = ET.parse(_POM).getroot().findtext("m:properties/m:neo4j.version", namespaces=ns)
    if not version:
        raise Neo4jLauncherError(f"{_POM} has no <neo4j.version> property")
    return version.strip()


def default_cache_dir() -> Path:
    """``$CATALOG_NEO4J_CACHE`` if set, else ``~/.cache/ownership-catalog/neo4j-<version>``."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "ownership-catalog" / f"neo4j-{neo4j_version()}"


def ensure_jars(cache_dir: Path | None = None) -> Path:
    """Make sure the Neo4j jars are downloaded and the launcher compiled.

    Runs Maven only when the jar folder is missing or incomplete, and javac only
    when ``Launcher.java`` changed. Safe to call concurrently from several
    processes. Returns the cache directory.
    """
    cache = (cache_dir or default_cache_dir()).expanduser().resolve()
    cache.mkdir(parents=True, exist_ok=True)
    java = _find_jdk_tool("java")
    _check_java_version(java)
    with _locked(cache / ".lock"):
        if not _jars_complete(cache):
            _fetch_jars(cache)
        if not _classes_dir(cache).is_dir():
            _compile_launcher(cache)
    return cache


def _find_jdk_tool(name: str) -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise Neo4jLauncherError(f"`{name}` not found on PATH: {_JDK_HINT}")
    return found


def _check_java_version(java: str) -> None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False).stderr
    except OSError as exc:
        raise Neo4jLauncherError(f"cannot run {java}: {exc}; {_JDK_HINT}") from exc
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if match is None:
        raise Neo4jLauncherError(f"cannot tell the Java version of {java}:\n{out}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0" style
        major = int(match.group(2))
    if major < _MIN_JAVA:
        raise Neo4jLauncherError(f"{java} is Java {major}; Neo4j {neo4j_version()} needs Java {_MIN_JAVA}+: {_JDK_HINT}")


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    if sys.platform == "win32":
        yield
        return
    import fcntl

    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _jars_complete(cache: Path) -> bool:
    try:
        marker = json.loads((cache / _MARKER).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or marker.get("neo4j_version") != neo4j_version():
        return False
    jars = marker.get("jars")
    lib = cache / "lib"
    return isinstance(jars, list) and bool(jars) and all((lib / str(jar)).is_file() for jar in jars)


def _fetch_jars(cache: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jLauncherError(f"`mvn` not found on PATH, needed once to download Neo4j jars: {_MAVEN_HINT}")
    version = neo4j_version()
    lib = cache / "lib"
    # The marker goes first and comes back last, so an interrupted download is redone.
    (cache / _MARKER).unlink(missing_ok=True)
    shutil.rmtree(lib, ignore_errors=True)
    # Maven runs on a copy of the pom so nothing is ever written into the repository.
    shutil.copyfile(_POM, cache / "pom.xml")
    log.warning("Downloading Neo4j %s jars with Maven into %s (first run only)", version, lib)
    started = time.monotonic()
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(cache / "pom.xml"),
        f"{_MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={lib}",
    ]
    try:
        result = subprocess.run(cmd, cwd=cache, capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired as exc:
        raise Neo4jLauncherError(f"Maven did not finish within {exc.timeout:.0f} s: {' '.join(cmd)}") from exc
    jars = sorted(p.name for p in lib.glob("*.jar")) if lib.is_dir() else []
    if result.returncode != 0 or not any(j.startswith(f"neo4j-{version}") for j in jars):
        output = _tail_text(result.stdout + result.stderr, _LOG_TAIL_LINES)
        raise Neo4jLauncherError(f"Maven could not fetch Neo4j {version} (exit {result.returncode}): {' '.join(cmd)}\n{output}")
    _write_atomically(cache / _MARKER, json.dumps({"neo4j_version": version, "jars": jars}, indent=1))
    log.warning("Fetched %d jars in %.1f s", len(jars), time.monotonic() - started)


def _classes_dir(cache: Path) -> Path:
    digest = hashlib.sha256(_LAUNCHER_SRC.read_bytes() + neo4j_version().encode()).hexdigest()[:16]
    return cache / f"classes-{digest}"


def _compile_launcher(cache: Path) -> None:
    javac = _find_jdk_tool("javac")
    target = _classes_dir(cache)
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [javac, "-nowarn", "-cp", str(cache / "lib" / "*"), "-d", str(staging), str(_LAUNCHER_SRC)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise Neo4jLauncherError(f"javac failed: {' '.join(cmd)}\n{result.stdout}{result.stderr}")
    staging.rename(target)
    for old in cache.glob("classes-*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _tail_text(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _tail_file(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 256 * 1024))
            return _tail_text(handle.read().decode("utf-8", "replace"), lines)
    except OSError:
        return "(no log)"


class _PortInUse(Neo4jLauncherError):
    pass


class EmbeddedNeo4j:
    """One throwaway Neo4j DBMS in a child JVM, Bolt on 127.0.0.1, auth disabled.

    Use as a context manager or call :meth:`start` / :meth:`stop`. The JVM also
    exits by itself (and deletes its data) if this Python process dies, because
    its stdin pipe closes.
    """

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        heap: str = "1g",
        pagecache_mb: int = 128,
        port: int | None = None,
    ) -> None:
        self._cache_dir = cache_dir
        self._startup_timeout = startup_timeout
        self._heap = heap
        self._pagecache_mb = pagecache_mb
        self._fixed_port = port
        self._port: int | None = None
        self._data_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stdout_thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise Neo4jLauncherError("EmbeddedNeo4j is not started")
        return self._port

    @property
    def uri(self) -> str:
        """Direct Bolt URI, ``bolt://127.0.0.1:<port>``."""
        return f"bolt://{_HOST}:{self.port}"

    @property
    def routing_uri(self) -> str:
        """Routing URI, ``neo4j://127.0.0.1:<port>``."""
        return f"neo4j://{_HOST}:{self.port}"

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            raise Neo4jLauncherError("EmbeddedNeo4j is not started")
        return self._data_dir

    @property
    def log_path(self) -> Path:
        """The JVM's stdout/stderr log (Neo4j's debug log is ``data_dir/logs/debug.log``)."""
        return self.data_dir / "jvm.log"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> EmbeddedNeo4j:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> EmbeddedNeo4j:
        """Start the JVM and wait until Bolt answers; returns ``self``."""
        if self._proc is not None:
            raise Neo4jLauncherError("EmbeddedNeo4j is already started")
        cache = ensure_jars(self._cache_dir)
        deadline = time.monotonic() + self._startup_timeout
        attempts = 1 if self._fixed_port is not None else _PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(cache, self._fixed_port or _free_port(), deadline)
                return self
            except _PortInUse:
                # The free port was taken between probing and the JVM binding it.
                if attempt == attempts:
                    raise
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """Stop the JVM (SIGTERM, then SIGKILL after a timeout) and delete its data. Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=_STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    log.warning("Neo4j JVM %d ignored SIGTERM for %.0f s; killing it", proc.pid, _STOP_TIMEOUT)
                    proc.kill()
                    proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        if self._stdout_thread is not None:
            self._stdout_thread.join(timeout=5)
            self._stdout_thread = None
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None
        self._port = None

    def _start_once(self, cache: Path, port: int, deadline: float) -> None:
        self._port = port
        self._data_dir = Path(tempfile.mkdtemp(prefix="catalog-neo4j-"))
        classpath = os.pathsep.join([str(_classes_dir(cache)), str(cache / "lib" / "*")])
        cmd = [
            _find_jdk_tool("java"),
            f"-Xmx{self._heap}",
            f"-Dcatalog.pagecache.mb={self._pagecache_mb}",
            *_JVM_FLAGS,
            "-cp",
            classpath,
            "Launcher",
            str(port),
            str(self._data_dir),
            "--delete-on-orphan",
        ]
        with open(self.log_path, "wb") as jvm_log:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=jvm_log)
        lines: queue.Queue[str | None] = queue.Queue()
        self._stdout_thread = threading.Thread(
            target=_pump_lines, args=(self._proc.stdout, lines), name=f"neo4j-{port}-stdout", daemon=True
        )
        self._stdout_thread.start()
        started = time.monotonic()
        self._wait_for_ready_line(lines, deadline)
        self._wait_for_bolt(deadline)
        log.info("Neo4j %s ready at %s in %.1f s", neo4j_version(), self.uri, time.monotonic() - started)

    def _wait_for_ready_line(self, lines: queue.Queue[str | None], deadline: float) -> None:
        expected = f"READY {self.uri}"
        while True:
            try:
                line = lines.get(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
            except queue.Empty:
                line = ""
            if line is None:
                self._fail("the JVM exited before it was ready")
            elif line.strip() == expected:
                return
            if time.monotonic() >= deadline:
                self._fail(f"no READY line within {self._startup_timeout:.0f} s")

    def _wait_for_bolt(self, deadline: float) -> None:
        from neo4j import GraphDatabase
        from neo4j.exceptions import DriverError, Neo4jError

        last_error: Exception | None = None
        with GraphDatabase.driver(self.uri, auth=None) as driver:
            while True:
                try:
                    driver.verify_connectivity()
                    return
                except (DriverError, Neo4jError, OSError) as exc:
                    last_error = exc
                if self._proc is None or self._proc.poll() is not None:
                    self._fail("the JVM exited before Bolt answered")
                if time.monotonic() >= deadline:
                    self._fail(f"Bolt did not answer within {self._startup_timeout:.0f} s: {last_error!r}")
                time.sleep(0.2)

    def _fail(self, reason: str) -> NoReturn:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=_STOP_TIMEOUT)
        jvm_tail = _tail_file(self.log_path, _LOG_TAIL_LINES)
        debug_tail = _tail_file(self.data_dir / "logs" / "debug.log", 20)
        exit_code = proc.poll() if proc is not None else None
        port_in_use = self._fixed_port is None and ("Address already in use" in jvm_tail or "BindException" in jvm_tail)
        message = (
            f"Neo4j {neo4j_version()} on port {self._port} failed to start: {reason} "
            f"(exit code {exit_code}).\n"
            f"--- last lines of {self.log_path} ---\n{jvm_tail}\n"
            f"--- last lines of logs/debug.log ---\n{debug_tail}"
        )
        self.stop()
        raise (_PortInUse if port_in_use else Neo4jLauncherError)(message)


def _pump_lines(stream: IO[bytes] | None, lines: queue.Queue[str | None]) -> None:
    # Keeps draining after READY so stray stdout output can never fill the pipe.
    if stream is None:
        lines.put(None)
        return
    with contextlib.suppress(OSError, ValueError):
        for raw in stream:
            lines.put(raw.decode("utf-8", "replace"))
    lines.put(None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.neo4j.launcher",
        description=f"Run a throwaway Neo4j {neo4j_version()} Community (embedded, Bolt only, no auth) until Ctrl-C.",
    )
    parser.add_argument("--fetch-only", action="store_true", help="only download the jars and compile the launcher")
    parser.add_argument("--port", type=int, default=None, help="Bolt port (default: a free one)")
    parser.add_argument("--cache-dir", type=Path, default=None, help=f"jar cache (default: ${CACHE_ENV_VAR} or ~/.cache/...)")
    parser.add_argument("--startup-timeout", type=float, default=DEFAULT_STARTUP_TIMEOUT)
    parser.add_argument("--heap", default="1g", help="JVM heap, as for -Xmx (default 1g)")
    parser.add_argument("--pagecache-mb", type=int, default=128, help="Neo4j page cache in MiB (default 128)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.fetch_only:
            print(ensure_jars(args.cache_dir))
            return 0
        with EmbeddedNeo4j(
            cache_dir=args.cache_dir, startup_timeout=args.startup_timeout, heap=args.heap, pagecache_mb=args.pagecache_mb, port=args.port
        ) as neo4j:
            print(f"Neo4j {neo4j_version()} running (auth disabled), Ctrl-C to stop")
            print(f"  bolt:  {neo4j.uri}")
            print(f"  neo4j: {neo4j.routing_uri}")
            print(f"  data:  {neo4j.data_dir}", flush=True)
            while neo4j.is_running():
                time.sleep(1)
            print(f"error: the Neo4j JVM exited unexpectedly:\n{_tail_file(neo4j.log_path, _LOG_TAIL_LINES)}", file=sys.stderr)
            return 1
    except Neo4jLauncherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
