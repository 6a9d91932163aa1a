"""Bulk writes of plain rows: PostgreSQL's COPY where the connection is PostgreSQL's,
an executemany INSERT of tuples elsewhere (SQLite).

psycopg 3's executemany sends one INSERT per row (pipelined): for an import of 10 000 events
that is ~80 000 statements, each parsed, bound, planned and run by the server. COPY sends
the rows as one stream through the session's own connection (the same transaction); row
triggers and foreign keys fire as for an INSERT. Values go through each column's bind
processor first (``UTCDateTime`` and the like), as SQLAlchemy's INSERT would send them; on
SQLite the tuples go to the driver's executemany at once (SQLAlchemy's own executemany
spent more time matching each row's dict to its parameters than SQLite took to insert it)."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa


def is_postgresql(connection: sa.Connection) -> bool:
    return connection.dialect.name == "postgresql"


def insert_rows(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) into ``table``."""
    if not rows:
        return
    names = list(rows[0])
    dialect = connection.dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    if not is_postgresql(connection):
        quote = dialect.identifier_preparer.quote
        statement = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(table.name),
            ", ".join(quote(name) for name in names),
            ", ".join("?" for _ in names),
        )
        connection.exec_driver_sql(statement, [tuple(v) for v in _values(rows, names, processors)])
        return
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*([table.schema] if table.schema else []), table.name),
        sql.SQL(", ").join(sql.Identifier(name) for name in names),
    )
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for values in _values(rows, names, processors):
            copy.write_row(values)


def _values(rows: list[dict], names: list[str], processors: list) -> Iterator[list]:
    """Each row's values in the order of ``names``, through their columns' bind processors."""
    processed = [(i, p) for i, p in enumerate(processors) if p is not None]
    for row in rows:
        values = [row[name] for name in names]
        for i, process in processed:
            values[i] = process(values[i])
        yield values


def next_ids(connection: sa.Connection, table: sa.Table, count: int) -> list[int] | None:
    """``count`` new ids of ``table``'s serial ``id``, ascending, from its sequence in one
    statement (PostgreSQL); None elsewhere."""
    if not is_postgresql(connection) or count == 0:
        return None
    ids = connection.execute(
        sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    ).scalars()
    return sorted(ids)
