"""`manage.py backup` / `restore`: a seeded clinic comes back whole into an empty database, on SQLite
and on PostgreSQL; bad archives and non-empty databases are refused with a message."""

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # several processes, each migrating a database

# One patient's whole record as the history tables keep it, and every table's row count.
SNAPSHOT = """
import json
from cryocare.backup import row_counts
from patients.models import Patient
patient = Patient.objects.order_by("pk").first()
history = [
    {k: str(v) for k, v in row.items()}
    for row in patient.history.order_by("history_id").values()
] + [
    {k: str(v) for k, v in row.items()}
    for scar in patient.scars.all()
    for row in scar.history.order_by("history_id").values()
]
print(json.dumps({"rows": row_counts(), "history": history}))
"""


def _manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _env(database_url: str, media: Path) -> dict:
    keep = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_ROOT", "DEBUG")}
    return keep | {"DATABASE_URL": database_url, "MEDIA_ROOT": str(media), "DEBUG": "true"}


def _round_trip(tmp_path: Path, source_url: str, target_url: str):
    source = _env(source_url, tmp_path / "media-a")
    target = _env(target_url, tmp_path / "media-b")
    _manage(source, "migrate", "-v0")
    _manage(source, "seed_demo")
    photo = tmp_path / "media-a" / "photos" / "kept.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"photo bytes")
    _manage(source, "backup", "--directory", str(tmp_path / "backups"))
    archive = next((tmp_path / "backups").glob("cryocare-*.tar.gz"))
    _manage(target, "restore", str(archive))
    before, after = (json.loads(_manage(env, "shell", "-v", "0", "-c", SNAPSHOT).stdout) for env in (source, target))
    assert after["rows"] == before["rows"] and before["rows"]["patients.Patient"] == 30
    assert after["history"] == before["history"] and before["history"]
    assert (tmp_path / "media-b" / "photos" / "kept.jpg").read_bytes() == b"photo bytes"
    again = _manage(target, "restore", str(archive), check=False)
    assert again.returncode != 0 and "not empty" in again.stderr
    return archive


def test_round_trip_on_sqlite(tmp_path):
    _round_trip(tmp_path, f"sqlite:///{tmp_path / 'a.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}")


def _psql(*sql: str) -> bool:
    if not shutil.which("psql"):
        return False
    for statement in sql:
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], capture_output=True, text=True
        )
        if result.returncode != 0:
            return False
    return True


def test_round_trip_on_postgresql(tmp_path):
    names = [f"cryocare_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("a", "b")]
    if not _psql(*(f"CREATE DATABASE {name}" for name in names)):
        pytest.skip("PostgreSQL does not answer on 127.0.0.1 (or psql is missing)")
    try:
        urls = [f"postgres://postgres@127.0.0.1:5432/{name}" for name in names]
        _round_trip(tmp_path, *urls)
    finally:
        _psql(*(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in names))


@pytest.mark.parametrize("content", [None, b"not an archive", b"\x1f\x8b\x08broken gzip"])
def test_a_missing_or_unreadable_archive_is_refused(tmp_path, content):
    archive = tmp_path / "backup.tar.gz"
    if content is not None:
        archive.write_bytes(content)
    env = _env(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path / "media")
    result = _manage(env, "restore", str(archive), check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert ("does not exist" if content is None else "not a CryoCare backup") in result.stderr


def test_a_backup_of_another_engine_is_refused(tmp_path):
    source = _env(f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path / "media-a")
    _manage(source, "migrate", "-v0")
    _manage(source, "backup", "--directory", str(tmp_path / "backups"))
    archive = next((tmp_path / "backups").glob("cryocare-*.tar.gz"))
    name = f"cryocare_backup_{uuid.uuid4().hex[:8]}"
    if not _psql(f"CREATE DATABASE {name}"):
        pytest.skip("PostgreSQL does not answer on 127.0.0.1")
    try:
        target = _env(f"postgres://postgres@127.0.0.1:5432/{name}", tmp_path / "media-b")
        result = _manage(target, "restore", str(archive), check=False)
        assert result.returncode != 0 and "backup is of a sqlite database" in result.stderr
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_the_archive_is_readable_by_its_owner_only(tmp_path):
    env = _env(f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path / "media")
    _manage(env, "migrate", "-v0")
    _manage(env, "backup", "--directory", str(tmp_path / "backups"))
    archive = next((tmp_path / "backups").glob("cryocare-*.tar.gz"))
    assert archive.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("named", ["/etc/hostname", "../database.sqlite3", "media/x.sqlite3"])
def test_a_manifest_naming_another_database_file_is_refused(tmp_path, named):
    """The database file is never a path the archive chooses: it could name any file on the server."""
    archive = tmp_path / "forged.tar.gz"
    manifest = json.dumps({"engine": "sqlite", "database": named}).encode()
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    env = _env(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path / "media")
    result = _manage(env, "restore", str(archive), check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "unexpected database file" in result.stderr
    assert (
        not (tmp_path / "empty.sqlite3").exists()
        or _manage(
            env,
            "shell",
            "-v",
            "0",
            "-c",
            "from django.db import connection; print(connection.introspection.table_names())",
        ).stdout.strip()
        == "[]"
    )
