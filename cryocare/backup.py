"""Backup and restore of the whole clinic: the database and the uploaded files, in one dated archive.

The archive (`cryocare-YYYYmmdd-HHMMSS.tar.gz`) holds `manifest.json` (when, which database engine,
the applied migrations, the number of rows per model), the database (`database.dump`, made by
pg_dump on PostgreSQL; `database.sqlite3`, made by SQLite's online backup API) and `media/` (photos,
printed sheets). Both dumps are consistent snapshots taken while the app keeps running. A restore
goes into an empty database only, of the same engine.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

# The only database file names an archive may name: anything else (an absolute path, "../…") is
# refused before a file is read.
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, nothing was changed."""


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    values = {"PGHOST": db.get("HOST"), "PGPORT": db.get("PORT"), "PGUSER": db.get("USER"),
              "PGPASSWORD": db.get("PASSWORD"), "PGDATABASE": db["NAME"]}  # fmt: skip
    return os.environ | {k: str(v) for k, v in values.items() if v}


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def backup(directory: Path, *, now: datetime | None = None) -> Path:
    """Write the archive into `directory` and return its path."""
    now = now or timezone.now()
    directory.mkdir(parents=True, exist_ok=True)
    archive = directory / f"cryocare-{now:%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        if connection.vendor == "postgresql":
            database = work / "database.dump"
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={database}"])
        elif connection.vendor == "sqlite":
            database = work / "database.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(database) as target:
                connection.connection.backup(target)
        else:
            raise BackupError(f"Backups are made on PostgreSQL or SQLite, not {connection.vendor}.")
        manifest = {
            "created_at": now.isoformat(),
            "engine": connection.vendor,
            "database": database.name,
            "migrations": sorted(MigrationRecorder(connection).applied_migrations()),
            "rows": row_counts(),
        }
        # Patient records: readable by the owner only, whatever the umask.
        archive.touch(mode=0o600, exist_ok=True)
        archive.chmod(0o600)
        with tarfile.open(archive, "w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(database, arcname=database.name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
    return archive


def _read(archive: Path) -> tuple[tarfile.TarFile, dict]:
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    try:
        tar = tarfile.open(archive, "r:gz")
        manifest = json.load(tar.extractfile("manifest.json"))
        manifest["engine"], manifest["database"]  # noqa: B018 (both must be there)
    except (tarfile.TarError, KeyError, OSError, EOFError, ValueError, TypeError, AttributeError):
        raise BackupError(f"{archive} is not a CryoCare backup (no readable manifest).") from None
    return tar, manifest


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(archive: Path) -> dict:
    """Bring the archive back into this (empty) database and the media folder; returns its manifest."""
    tar, manifest = _read(archive)
    with tar, tempfile.TemporaryDirectory() as work:
        if manifest["engine"] != connection.vendor:
            raise BackupError(
                f"This backup is of a {manifest['engine']} database; this server uses {connection.vendor}."
            )
        if not _database_is_empty():
            raise BackupError("The database is not empty: restore only into a new, empty database.")
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir() and any(media.iterdir()):
            raise BackupError(f"The media folder {media} is not empty: restore only into an empty one.")
        try:
            tar.extractall(work, filter="data")  # refuses absolute paths, links out and device files
        except (tarfile.TarError, OSError, EOFError) as error:
            raise BackupError(f"{archive} could not be read: {error}") from None
        if manifest["database"] != DATABASE_FILES.get(connection.vendor):
            raise BackupError(f"{archive} names an unexpected database file: {str(manifest['database'])[:100]!r}.")
        database = Path(work) / DATABASE_FILES[connection.vendor]
        if not database.is_file():
            raise BackupError(f"{archive} holds no database file.")
        if connection.vendor == "postgresql":
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",  # all or nothing: a failed restore leaves the database empty
                    f"--dbname={_pg_env()['PGDATABASE']}",
                    str(database),
                ]
            )
        else:
            connection.ensure_connection()
            with sqlite3.connect(database) as source:
                source.backup(connection.connection)
        if (Path(work) / "media").is_dir():
            shutil.copytree(Path(work) / "media", media, dirs_exist_ok=True)
    return manifest
