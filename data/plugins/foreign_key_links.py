"""Datasette plugin: on a row's own page, a foreign key is a link to the row it names.

Datasette links foreign keys in its table views, but shows their bare values on a row's
page. With this, an article's page says where its text came from: ``fetch_id`` leads to the
fetch (the exact bytes' hash, URL and outcome), whose ``crawl_id`` leads to the crawl.

Cell values are crawled content: the link's address and text are HTML-escaped
(``Markup.format`` escapes every argument), so no value ever reaches the page as markup.
"""

from __future__ import annotations

from typing import Any

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if table is None or value in (None, "") or isinstance(value, dict):
        return None  # a query's cell, an empty one, or one Datasette links already

    async def link() -> markupsafe.Markup | None:
        for key in await datasette.get_database(database).foreign_keys_for_table(table):
            if key["column"] == column:
                href = datasette.urls.row(database, key["other_table"], tilde_encode(str(value)))
                # format() escapes both arguments: a value cannot close the tag or attribute
                return markupsafe.Markup('<a href="{}">{}</a>').format(href, str(value))
        return None

    return link()
