"""Starting for real: several processes migrating one fresh database at once, two
uvicorn workers, `make run` and `make migrate`'s entry point, and what is printed.

Runs on a SQLite file, and on the PostgreSQL database of `SLA_TEST_DATABASE_URL`
too when it is set (its schema dropped before each start).
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from app.db import MIGRATIONS
from tests.conftest import _free_port

ROOT = Path(__file__).parent.parent
STARTS = 5
HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


def _fresh_database(backend: str, tmp_path: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.db'}"
    server = os.environ.get("SLA_TEST_DATABASE_URL")
    if not server:
        pytest.skip("set SLA_TEST_DATABASE_URL to start on PostgreSQL too")
    engine = create_engine(server)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return server


def _revision(database_url: str) -> str | None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return revision


BACKENDS = pytest.mark.parametrize("backend", ["sqlite", "postgresql"])


@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def output(self) -> str:
        return self.log.read_text()


@contextmanager
def serving(
    command: Callable[[int], list[str]],
    workdir: Path,
    env: dict[str, str],
    workers: int = 1,
) -> Iterator[Server]:
    """Runs `command(port)` in `workdir` until every worker has started and /healthz
    answers, then stops it; the output is in `server.output`, also afterwards."""
    port = _free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLA_")}
    log = workdir / f"server-{port}.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-u", *command(port)],
            cwd=workdir,
            env=base | {"PORT": str(port), "PYTHONPATH": str(ROOT)} | env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        server = Server(url=f"http://127.0.0.1:{port}", log=log, process=process)
        try:
            deadline = time.monotonic() + 20
            while server.output.count("Application startup complete.") < workers or not _healthy(
                server.url
            ):
                assert process.poll() is None, f"the server exited:\n{server.output}"
                assert time.monotonic() < deadline, f"no start in 20 s:\n{server.output}"
                time.sleep(0.05)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=15)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz").status_code == 200
    except httpx.TransportError:
        return False


def _uvicorn(workers: int) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return ["-m", "uvicorn", "app.main:app", "--port", str(port), "--workers", str(workers)]

    return command


def _make_run(_port: int) -> list[str]:
    return ["-m", "app.serve"]


def _assert_clean(output: str) -> None:
    assert "Traceback" not in output, output
    assert "ERROR" not in output, output


# --- migrations at start-up ---------------------------------------------------------


@BACKENDS
def test_two_workers_start_on_a_fresh_database_every_time(backend: str, tmp_path: Path) -> None:
    # Both workers migrate at start-up; before the migration lock, 4 starts in 5 failed.
    for start in range(STARTS):
        database_url = _fresh_database(backend, tmp_path, f"start-{start}")
        env = {"SLA_DATABASE_URL": database_url, "SLA_ADMIN_KEY": "test-admin-key"}
        with serving(_uvicorn(workers=2), tmp_path, env, workers=2) as server:
            created = httpx.post(
                f"{server.url}/v1/tenants",
                json={"id": f"t{start}", "name": "T"},
                headers={"X-API-Key": "test-admin-key"},
            )
            assert created.status_code == 201, created.text
        output = server.output
        _assert_clean(output)
        assert output.count("Application startup complete.") == 2, output
        assert _revision(database_url) == HEAD


_MIGRATE_AT_ONCE = """
import sys, time
from pathlib import Path
from app.db import make_engine, migrate

flags, name, urls = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
for round, url in enumerate(urls):
    (flags / f"ready-{round}-{name}").touch()
    while not (flags / f"go-{round}").exists():
        time.sleep(0.001)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    print(f"migrated {round}", flush=True)
"""


@BACKENDS
def test_processes_migrating_a_fresh_database_at_once_all_succeed(
    backend: str, tmp_path: Path
) -> None:
    # Two processes import everything once, then migrate a fresh database in each
    # round, let go together (within a millisecond) by a flag file.
    urls = [f"sqlite:///{tmp_path / f'race-{attempt}.db'}" for attempt in range(STARTS)]
    if backend != "sqlite":
        urls = [_fresh_database(backend, tmp_path, "race")] * STARTS
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _MIGRATE_AT_ONCE, str(tmp_path), name, *urls],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if not k.startswith("SLA_")},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("a", "b")
    ]
    released = 0
    try:
        for attempt in range(STARTS):
            if not _ready(tmp_path, attempt, processes):
                break
            # Both are ready for this round, so done with the one before.
            if attempt > 0:
                assert _revision(urls[attempt - 1]) == HEAD
            if backend != "sqlite":
                _fresh_database(backend, tmp_path, "race")
            (tmp_path / f"go-{attempt}").touch()
            released += 1
    finally:
        if released < STARTS:
            for process in processes:
                process.kill()
        outputs = [process.communicate(timeout=30)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    done = "".join(f"migrated {attempt}\n" for attempt in range(STARTS))
    assert outputs == [done, done]
    assert _revision(urls[-1]) == HEAD


def _ready(flags: Path, attempt: int, processes: list[subprocess.Popen[str]]) -> bool:
    """Both processes are waiting to be let go; False if one has exited, or 30 s pass."""
    deadline = time.monotonic() + 30
    while not all((flags / f"ready-{attempt}-{name}").exists() for name in "ab"):
        if any(process.poll() is not None for process in processes):
            return False
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_make_migrate_brings_a_fresh_database_to_head(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    run = subprocess.run(
        [sys.executable, "-m", "app.serve", "migrate"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "SLA_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert run.stdout == "Database migrated to the newest schema\n"
    assert _revision(database_url) == HEAD
    assert not (tmp_path / ".admin-key").exists()


# --- the admin key in what `make run` prints ----------------------------------------


def test_a_generated_key_is_printed_once_then_only_where_it_is(tmp_path: Path) -> None:
    with serving(_make_run, tmp_path, {}) as first:
        pass
    key = (tmp_path / ".admin-key").read_text().strip()
    assert f"Admin key (X-API-Key): {key}  (generated, kept in .admin-key)" in first.output
    with serving(_make_run, tmp_path, {}) as second:
        answer = httpx.get(f"{second.url}/v1/tenants", headers={"X-API-Key": key})
        assert answer.status_code == 200
    assert "Admin key (X-API-Key): in .admin-key" in second.output
    assert key not in second.output
    _assert_clean(first.output + second.output)


def test_a_supplied_admin_key_never_appears_in_the_output(tmp_path: Path) -> None:
    key = "supplied-admin-key-8f3a1c"
    with serving(_make_run, tmp_path, {"SLA_ADMIN_KEY": key}) as server:
        answer = httpx.get(f"{server.url}/v1/tenants", headers={"X-API-Key": key})
        assert answer.status_code == 200
        wrong = httpx.get(f"{server.url}/v1/tenants", headers={"X-API-Key": key + "x"})
        assert wrong.status_code == 401
    assert "Admin key (X-API-Key): from SLA_ADMIN_KEY" in server.output
    assert key not in server.output
    assert not (tmp_path / ".admin-key").exists()
    _assert_clean(server.output)


# --- the body limit over a real connection ------------------------------------------


def test_a_real_server_refuses_a_chunked_body_over_the_limit(tmp_path: Path) -> None:
    env = {"SLA_ADMIN_KEY": "k", "SLA_MAX_BODY_BYTES": "1000"}
    headers = {"X-API-Key": "k", "Content-Type": "application/json"}

    def chunks() -> Iterator[bytes]:
        for _ in range(4):
            yield b" " * 400

    with serving(_make_run, tmp_path, env) as server:
        chunked = httpx.post(f"{server.url}/v1/tenants", content=chunks(), headers=headers)
        assert "content-length" not in chunked.request.headers
        assert chunked.status_code == 413
        assert chunked.headers["content-type"] == "application/problem+json"
        declared = httpx.post(f"{server.url}/v1/tenants", content=b" " * 5000, headers=headers)
        assert declared.status_code == 413
        # The server goes on serving.
        assert httpx.get(f"{server.url}/v1/tenants", headers=headers).status_code == 200
    _assert_clean(server.output)
