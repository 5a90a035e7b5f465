"""What to tell people when the server's storage refuses a write: the database or the disk full, or read-only.

An import (or any write in one transaction) that meets one of these has written nothing: the transaction rolled
back. These messages say so, say what happened in words a school's clerk understands, and who can fix it."""

import errno
import sqlite3

from django.db import DatabaseError
from django.utils.translation import gettext as _

FULL, READ_ONLY = "full", "read_only"

# SQLite's primary result codes (the low byte of an extended code).
SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN = 8, 10, 13, 14
# PostgreSQL's SQLSTATEs: disk_full, insufficient_resources (out of disk or memory), read_only_sql_transaction
# (a read-only server or transaction: a standby, default_transaction_read_only).
PG_FULL = {"53100", "53000"}
PG_READ_ONLY = {"25006"}
FILE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
FILE_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def _causes(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def database_problem(error: BaseException) -> str | None:
    """FULL or READ_ONLY when a database error (Django's, or the driver's beneath it) means that; else None."""
    for cause in _causes(error):
        if isinstance(cause, sqlite3.Error):
            code = getattr(cause, "sqlite_errorcode", 0) & 0xFF
            text = str(cause).lower()
            if code == SQLITE_FULL or "database or disk is full" in text:
                return FULL
            # An existing database that cannot be opened for writing: its file or folder is read-only (in WAL mode
            # SQLite must create its -wal and -shm files beside it).
            if code in (SQLITE_READONLY, SQLITE_CANTOPEN) or "readonly database" in text:
                return READ_ONLY
            if code == SQLITE_IOERR:  # SQLite's own files could not be written: a full or failing disk
                return FULL
        sqlstate = getattr(cause, "sqlstate", None)
        if sqlstate in PG_FULL:
            return FULL
        if sqlstate in PG_READ_ONLY:
            return READ_ONLY
        if isinstance(cause, OSError) and not isinstance(cause, DatabaseError):
            if cause.errno in FILE_FULL:
                return FULL
            if cause.errno in FILE_READ_ONLY:
                return READ_ONLY
    return None


def file_problem(error: OSError) -> str | None:
    """FULL or READ_ONLY when saving a file failed because the disk is full or cannot be written; else None."""
    if error.errno in FILE_FULL:
        return FULL
    if error.errno in FILE_READ_ONLY:
        return READ_ONLY
    return None


def database_message(problem: str) -> str:
    """For a write refused by the database: nothing was written, why, and who can fix it."""
    if problem == FULL:
        return _(
            "Nothing was written: the database is full (the server's disk has no space left). Tell the "
            "administrator to free space or enlarge the disk, then try again."
        )
    return _(
        "Nothing was written: the database accepts no changes at the moment (it is read-only: maintenance, or a "
        "disk or permission problem on the server). Tell the administrator, and try again once it is fixed."
    )


def file_message(problem: str) -> str:
    """For an uploaded file that could not be stored."""
    if problem == FULL:
        return _(
            "The file could not be saved: the server's disk for uploaded files is full. Nothing was recorded. Tell "
            "the administrator to free space, then upload the file again."
        )
    return _(
        "The file could not be saved: the server's folder for uploaded files cannot be written (read-only or "
        "without permission). Nothing was recorded. Tell the administrator, then upload the file again."
    )


def storage_message(error: BaseException) -> str | None:
    """The message for any storage failure (database or file), or None when the error is something else."""
    if isinstance(error, OSError) and not isinstance(error, DatabaseError):
        problem = file_problem(error)
        return file_message(problem) if problem else None
    problem = database_problem(error)
    return database_message(problem) if problem else None
