"""Helpers for reading the HTML of pages in tests."""

import html as html_module
import re


def count_card(count: int, label: str) -> str:
    """The HTML of one figure in a grid of counts, as templates render it."""
    return (
        f'<span class="sscp-count__number">{count}</span> '
        f'<span class="sscp-count__label">{label}</span>'
    )


def text(html: str) -> str:
    """The words of a page, without tags, with whitespace collapsed: what a reader sees."""
    inline = r"</?(a|span|strong|code|em|b|abbr)(\s[^>]*)?>"
    without_tags = re.sub(r"<[^>]+>", " ", re.sub(inline, "", html))
    return " ".join(html_module.unescape(without_tags).split())


def address(name: str, *args) -> str:
    """The address of a named page: a partnership's page in the tests' partnership."""
    from django.urls import reverse

    from sscp.urls import partnership_page_names
    from tests.makers import SLUG

    if name in partnership_page_names():
        args = (SLUG, *args)
    return reverse(name, args=args)


def row_security_queries() -> int:
    """The statements a page of a partnership adds on PostgreSQL, whatever it shows: taking
    the request's partnerships onto the connection, and putting it back (sscp.database)."""
    from django.db import connection

    return 2 if connection.vendor == "postgresql" else 0


def plans_as_read(sqls, *, partnership, user, in_order=False) -> list[str]:
    """The plan PostgreSQL gives each of `sqls` as a page of `partnership` reads it for
    `user` (row-level security on), with the planner told not to read a table whole or
    through a bitmap, which a test's few rows make cheaper, so that a plan shows whether an
    index answers alone ("Index Only Scan") or sends each row to the table; `in_order`, told
    not to sort either, so that it shows whether an index gives the rows in the page's order."""
    from django.db import connection

    from sscp import database

    avoided = ["seqscan", "bitmapscan"] + (["sort", "incremental_sort"] if in_order else [])
    settings = [f"enable_{name}" for name in avoided]
    with database.scoped([partnership.pk], user_id=user.pk), connection.cursor() as cursor:
        cursor.execute("; ".join(f"SET {setting} = off" for setting in settings))
        try:
            plans = []
            for sql in sqls:
                cursor.execute(f"EXPLAIN {sql}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
            return plans
        finally:
            cursor.execute("; ".join(f"RESET {setting}" for setting in settings))
