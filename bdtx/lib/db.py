"""Database helpers that know about the two backends."""

from django.db import connections


def refresh_statistics(using: str = "default") -> None:
    """After a bulk write, let SQLite's query planner see the new table sizes (it then counts a filtered
    staff list from the covering index instead of walking the whole table). PostgreSQL's autovacuum does
    this by itself."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
