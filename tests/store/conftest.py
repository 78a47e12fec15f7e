"""Fixtures of the store tests: every test runs against SQLite and a real PostgreSQL.

PostgreSQL: a throw-away cluster (initdb + pg_ctl on a free port in a temp dir)
for the whole session, one fresh database per test. As root, the server runs as
the ``postgres`` OS user (PostgreSQL refuses to run as root). Without PostgreSQL
binaries the postgres cases are skipped, unless ``CUSTMDM_REQUIRE_SERVICES=1``
(set by ``.ci/run``), where a missing server is a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from custmdm.config import parse_config

REQUIRE = os.environ.get("CUSTMDM_REQUIRE_SERVICES") == "1"


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _PgCluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="custmdm-pg-"))
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._counter = itertools.count()

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.dir / "data"
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"
            )
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def new_database(self) -> str:
        import sqlalchemy as sa

        name = f"t{next(self._counter)}"
        engine = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")  # generated name, no user value
        engine.dispose()
        return self.url(name)

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[_PgCluster | None]:
    bindir = _pg_bin()
    if bindir is None:
        if REQUIRE:
            pytest.fail("PostgreSQL binaries not found but CUSTMDM_REQUIRE_SERVICES=1")
        yield None
        return
    cluster = _PgCluster(bindir)
    try:
        cluster.start()
    except (subprocess.CalledProcessError, OSError, KeyError) as err:
        if REQUIRE:
            pytest.fail(f"could not start PostgreSQL: {err}")
        yield None
        return
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    cluster = request.getfixturevalue("pg_cluster")
    if cluster is None:
        pytest.skip("PostgreSQL is not installed here")
    return str(cluster.new_database())


class Company:
    """A small generated company and the batch resolve of all its sources."""

    def __init__(self, n: int, seed: int) -> None:
        from custmdm.datasets.synthetic import generate
        from custmdm.pipeline import Resolver

        self.data = generate(n, seed=seed)
        self.config = parse_config(self.data.config)
        self.tables = self.data.tables
        self.result = Resolver(self.config).run(self.tables)
        self.model = self.result.model


@pytest.fixture(scope="session")
def company() -> Company:
    return Company(2000, seed=7)


@pytest.fixture(scope="session")
def small_company() -> Company:
    return Company(300, seed=11)
