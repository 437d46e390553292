"""Rows a block of code reads from the database (issue 17: the edit path reads only the rows it
needs). Every SELECT run inside ``rows_read()`` is also counted: ``SELECT COUNT(*)`` over the same
statement and parameters, on a second cursor, before the statement itself runs. Works on SQLite
and PostgreSQL; only for measuring (it runs each SELECT twice)."""

import contextlib
import re

from django.db import connection

_TABLE = re.compile(r'\bFROM\s+"?(\w+)"?', re.I)


class Reads:
    def __init__(self):
        self.queries = 0
        self.rows = 0
        self.by_table = {}   # first table of the FROM clause → [queries, rows]

    def top(self, n=8):
        return sorted(self.by_table.items(), key=lambda kv: -kv[1][1])[:n]


@contextlib.contextmanager
def rows_read(using=connection):
    reads, busy = Reads(), []

    def wrapper(execute, sql, params, many, context):
        if busy or many or not sql.lstrip().upper().startswith("SELECT"):
            return execute(sql, params, many, context)
        busy.append(1)
        try:
            with using.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)
                rows = cursor.fetchone()[0]
        finally:
            busy.pop()
        reads.queries += 1
        reads.rows += rows
        match = _TABLE.search(sql)
        entry = reads.by_table.setdefault(match.group(1) if match else "?", [0, 0])
        entry[0] += 1
        entry[1] += rows
        return execute(sql, params, many, context)

    with using.execute_wrapper(wrapper):
        yield reads
