"""Backups of the database and the uploaded files, and restores that prove they got everything back.

A backup is one archive (`.tar.gz`, or `.tar` when asked) holding:

    database.sqlite3   SQLite: a copy made with SQLite's online backup API (the site keeps running), or
    database.dump      PostgreSQL: `pg_dump --format=custom`
    media/…            every file under MEDIA_ROOT (evidence, import files, exports)
    manifest.json      when, which database, the applied migrations, and per table its row count and a sha256
                       over its rows in primary-key order; per file its size and sha256

The table figures are computed from the very snapshot that was dumped (the SQLite copy; on PostgreSQL the
dump runs on a snapshot exported from the transaction that counts), so a restore can compare exactly.
"""

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
MEDIA_DIR = "media"
# Filled by `migrate` alone: a database with rows only in these is empty as far as `restore` is concerned.
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
CHUNK = 2000


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Restored:
    manifest: dict
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- what a database holds: rows and a checksum per table -------------------------------------------------


def _text(value) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _digest(rows) -> dict:
    """Row count and sha256 over the rows in the order given, each written as one canonical JSON line."""
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(json.dumps(list(row), default=_text, ensure_ascii=False, sort_keys=True).encode())
        digest.update(b"\n")
        count += 1
    return {"rows": count, "sha256": digest.hexdigest()}


def _chunks(cursor):
    while rows := cursor.fetchmany(CHUNK):
        yield from rows


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_state(db: sqlite3.Connection) -> dict[str, dict]:
    """Rows and checksum of every table of a plain sqlite3 connection (values as SQLite stores them)."""
    names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    state = {}
    for name in names:
        if name.startswith("sqlite_"):
            continue
        # PRAGMA table_info rows: (cid, name, type, notnull, default, position in the primary key or 0).
        key = sorted((row[5], row[1]) for row in db.execute(f"PRAGMA table_info({_quote_sqlite(name)})") if row[5])
        order = ", ".join(_quote_sqlite(column) for _position, column in key) or "rowid"
        state[name] = _digest(_chunks(db.execute(f"SELECT * FROM {_quote_sqlite(name)} ORDER BY {order}")))
    return state


def postgresql_state() -> dict[str, dict]:
    """Rows and checksum of every table the default connection sees, read through server-side cursors."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        names = sorted(t.name for t in connection.introspection.get_table_list(cursor) if t.type in {"t", "p"})
        keys = {name: connection.introspection.get_primary_key_columns(cursor, name) or [] for name in names}
    state = {}
    for name in names:
        order = ", ".join(quote(column) for column in keys[name]) or "CAST(t AS text)"
        with connection.chunked_cursor() as cursor:
            cursor.execute(f"SELECT * FROM {quote(name)} AS t ORDER BY {order}")
            state[name] = _digest(_chunks(cursor))
    return state


def _migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def database_state() -> dict[str, dict]:
    """Rows and checksum per table of the database now (on SQLite, of a consistent snapshot of it)."""
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix=".bdtx-check-", dir=_work_parent()) as work:
            snapshot = sqlite3.connect(Path(work) / "check.sqlite3")
            try:
                connection.ensure_connection()
                connection.connection.backup(snapshot)
                return sqlite_state(snapshot)
            finally:
                snapshot.close()
    return postgresql_state()


def first_table_with_rows() -> str | None:
    """The first table holding rows other than what `migrate` writes; None for an empty database."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name in sorted(set(connection.introspection.table_names(cursor)) - BOOKKEEPING_TABLES):
            cursor.execute(f"SELECT 1 FROM {quote(name)} LIMIT 1")
            if cursor.fetchone():
                return name
    return None


# --- uploaded files ---------------------------------------------------------------------------------------


class _HashingReader:
    """Reads a file for tarfile while computing its sha256, so the manifest describes exactly what was archived."""

    def __init__(self, file):
        self.file, self.hash = file, hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.hash.update(data)
        return data


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def media_state(root: Path) -> dict[str, dict]:
    state = {}
    for path in _media_files(root):
        digest = hashlib.sha256()
        with path.open("rb") as file:
            while block := file.read(1 << 20):
                digest.update(block)
        state[path.relative_to(root).as_posix()] = {"size": path.stat().st_size, "sha256": digest.hexdigest()}
    return state


def _add_media(tar: tarfile.TarFile, root: Path) -> dict[str, dict]:
    state = {}
    for path in _media_files(root):
        relative = path.relative_to(root).as_posix()
        info = tar.gettarinfo(str(path), arcname=f"{MEDIA_DIR}/{relative}")
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with path.open("rb") as file:
            reader = _HashingReader(file)
            tar.addfile(info, reader)
        state[relative] = {"size": info.size, "sha256": reader.hash.hexdigest()}
    return state


# --- PostgreSQL tools -------------------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin (as scripts/pg-temp does)."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: Path) -> tuple:
        return tuple(int(part) if part.isdigit() else 0 for part in path.parent.parent.name.split("."))

    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=version)
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        _("%(tool)s was not found. Install the PostgreSQL client tools (Debian: apt-get install postgresql-client).")
        % {"tool": name}
    )


def _pg_environment() -> dict[str, str]:
    """The connection of the default database as libpq variables (the password stays out of the command line)."""
    params = connection.settings_dict
    env = dict(os.environ)
    for variable, value in {
        "PGHOST": params.get("HOST"),
        "PGPORT": params.get("PORT"),
        "PGUSER": params.get("USER"),
        "PGPASSWORD": params.get("PASSWORD"),
        "PGDATABASE": params.get("NAME"),
    }.items():
        if value:
            env[variable] = str(value)
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if params.get("OPTIONS", {}).get(option):
            env[f"PG{option.upper()}"] = str(params["OPTIONS"][option])
    env["PGAPPNAME"] = "bdtx-backup"
    return env


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed (exit status %(status)d): %(error)s")
            % {"tool": Path(command[0]).name, "status": result.returncode, "error": result.stderr.strip()}
        )


# --- backup -----------------------------------------------------------------------------------------------


def _target(output: Path | None, now: dt.datetime) -> Path:
    name = f"bdtx-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.gz"
    if output is None:
        return Path(settings.BACKUP_DIR) / name
    if output.is_dir() or str(output).endswith(os.sep):
        return output / name
    return output


def _dump_sqlite(work: Path) -> tuple[Path, dict, dict]:
    path = work / DATABASE_FILES["sqlite"]
    copy = sqlite3.connect(path)
    try:
        connection.ensure_connection()
        connection.connection.backup(copy)  # online: readers and writers carry on meanwhile
        return path, sqlite_state(copy), _migrations(copy.cursor())
    finally:
        copy.close()


def _dump_postgresql(work: Path) -> tuple[Path, dict, dict]:
    path = work / DATABASE_FILES["postgresql"]
    pg_dump = find_pg_tool("pg_dump")
    connection.ensure_connection()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # pg_dump reads the snapshot this transaction sees, so the manifest counts exactly what was dumped.
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={path}"])
        with connection.cursor() as cursor:
            migrations = _migrations(cursor)
        return path, postgresql_state(), migrations


def make_backup(output: Path | None = None) -> tuple[Path, dict]:
    """Write a backup archive (default: BACKUP_DIR/bdtx-YYYYmmdd-HHMMSS.tar.gz); returns its path and manifest.

    `output` may be a directory or a file name; a name ending in `.tar` is not compressed. The archive is
    written beside its final name and renamed when complete, readable by its owner only (it holds personal data).
    """
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor})
    now = timezone.now()
    target = _target(output, now)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if target.exists():
        raise BackupError(_("%(path)s already exists. Choose another --output.") % {"path": target})
    partial = target.with_name(target.name + ".partial")
    work = Path(tempfile.mkdtemp(prefix=".bdtx-backup-", dir=target.parent))
    try:
        dump = _dump_sqlite if vendor == "sqlite" else _dump_postgresql
        database_file, tables, migrations = dump(work)
        with (
            open(partial, "wb", opener=lambda path, flags: os.open(path, flags, 0o600)) as raw,
            tarfile.open(fileobj=raw, mode="w" if target.name.endswith(".tar") else "w:gz") as tar,
        ):
            tar.add(str(database_file), arcname=database_file.name)
            files = _add_media(tar, Path(settings.MEDIA_ROOT))
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "django": django.get_version(),
                "database": {"vendor": vendor, "file": database_file.name},
                "migrations": migrations,
                "tables": tables,
                "media": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        partial.replace(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    return target, manifest


# --- restore ----------------------------------------------------------------------------------------------


def _work_parent() -> Path:
    """Scratch space beside MEDIA_ROOT, so the restored files move into place by a rename."""
    parent = Path(settings.MEDIA_ROOT).parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def _unpack(archive: Path, work: Path) -> dict:
    if not archive.is_file():
        raise BackupError(_("There is no backup file at %(path)s.") % {"path": archive})
    not_a_backup = _("%(path)s is not a bdtx backup (an archive made by manage.py backup).") % {"path": archive}
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as error:
        raise BackupError(not_a_backup) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(not_a_backup)
    vendor = (manifest.get("database") or {}).get("vendor")
    if vendor not in DATABASE_FILES or not all(isinstance(manifest.get(key), dict) for key in ("tables", "media")):
        raise BackupError(not_a_backup)
    if not (work / DATABASE_FILES[vendor]).is_file():
        raise BackupError(not_a_backup)
    return manifest


def _restore_sqlite(path: Path) -> None:
    source = sqlite3.connect(path)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(path: Path) -> None:
    pg_restore = find_pg_tool("pg_restore")
    connection.close()  # pg_restore drops the tables: hold no connection to them
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(path),
        ]
    )


def _put_media(restored: Path, root: Path, work: Path) -> None:
    restored.mkdir(exist_ok=True)
    try:
        if root.exists():
            root.rename(work / "replaced-media")
        restored.rename(root)
    except OSError:  # MEDIA_ROOT is a mount point: replace what is inside it instead
        root.mkdir(parents=True, exist_ok=True)
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        for child in restored.iterdir():
            shutil.move(str(child), str(root / child.name))


def compare(manifest: dict, tables: dict[str, dict], files: dict[str, dict]) -> list[str]:
    """What differs between the manifest and the restored tables and files, one sentence each; [] when all match."""
    differences = []
    expected = manifest["tables"]
    for name in sorted(expected.keys() | tables.keys()):
        want, got = expected.get(name), tables.get(name)
        if got is None:
            differences.append(
                _("Table %(table)s: in the backup (%(rows)d rows) but missing after the restore.")
                % {"table": name, "rows": want["rows"]}
            )
        elif want is None:
            differences.append(
                _("Table %(table)s: not in the backup but present after the restore (%(rows)d rows).")
                % {"table": name, "rows": got["rows"]}
            )
        elif want["rows"] != got["rows"]:
            differences.append(
                _("Table %(table)s: %(expected)d rows in the backup, %(actual)d after the restore.")
                % {"table": name, "expected": want["rows"], "actual": got["rows"]}
            )
        elif want["sha256"] != got["sha256"]:
            differences.append(
                _("Table %(table)s: the same %(rows)d rows in number, but their contents differ (checksum).")
                % {"table": name, "rows": got["rows"]}
            )
    for name in sorted(manifest["media"].keys() | files.keys()):
        want, got = manifest["media"].get(name), files.get(name)
        if got is None:
            differences.append(_("File %(file)s: in the backup but missing after the restore.") % {"file": name})
        elif want is None:
            differences.append(_("File %(file)s: not in the backup but present after the restore.") % {"file": name})
        elif want["sha256"] != got["sha256"]:
            differences.append(_("File %(file)s: its contents differ from the backup (checksum).") % {"file": name})
    return differences


def migration_notes() -> list[str]:
    """What the operator must do about migrations after a restore: the backup may be older or newer than the code."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    unknown = [key for key in executor.loader.applied_migrations if key not in graph.nodes]
    pending = executor.migration_plan(graph.leaf_nodes())
    notes = []
    if unknown:
        notes.append(
            _(
                "The backup was made by a newer version of bdtx (%(count)d migrations this code does not know, "
                "e.g. %(example)s). Install that version before starting the site."
            )
            % {"count": len(unknown), "example": ".".join(unknown[0])}
        )
    if pending:
        notes.append(
            _(
                "The backup is older than this version: %(count)d migrations are not applied yet. Run "
                "`manage.py migrate` (make serve does it) before starting the site."
            )
            % {"count": len(pending)}
        )
    return notes


def restore_backup(archive: Path, *, replace: bool = False) -> Restored:
    """Restore the database and the uploaded files from an archive of `make_backup`, then compare with its manifest.

    Refuses (BackupError, nothing changed) when the file is not a backup, when it is of another database
    vendor, and, unless `replace`, when the database already holds data. The site should be stopped meanwhile.
    """
    media_root = Path(settings.MEDIA_ROOT)
    work = Path(tempfile.mkdtemp(prefix=".bdtx-restore-", dir=_work_parent()))
    try:
        manifest = _unpack(archive, work)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                _(
                    "This backup is of a %(backup)s database but DATABASE_URL points at %(target)s. Restore it "
                    "into a database of the same kind."
                )
                % {"backup": vendor, "target": connection.vendor}
            )
        if not replace and (table := first_table_with_rows()):
            raise BackupError(
                _(
                    "The database is not empty (the table %(table)s holds data). A restore replaces everything "
                    "in it and the uploaded files: run again with --yes to confirm."
                )
                % {"table": table}
            )
        (_restore_sqlite if vendor == "sqlite" else _restore_postgresql)(work / DATABASE_FILES[vendor])
        _put_media(work / MEDIA_DIR, media_root, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    differences = compare(manifest, database_state(), media_state(media_root))
    return Restored(manifest=manifest, differences=differences, notes=migration_notes())
