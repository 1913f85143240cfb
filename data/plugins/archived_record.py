"""Datasette plugin: a fetch's archived record, one click away.

``/-/archived/<database>/<fetch id>`` serves the WARC record a fetch points to
(``warc_file``, ``warc_offset``): for an HTTP response, its status line, headers and body as
they came (the body still compressed if the server compressed it); for a file the ``files``
spider read, its bytes. A fetch's ``warc_file`` cell (table and row pages) links to it, and
so does the article page (``data/templates/row.html``).

Before serving, the record's payload is checked against the fetch's ``body_sha256``: a
record that does not match is not served (409). Only files under the database's WARC
folder (``warc/`` beside the database: ``WARC_DIR``'s default) are read; the path comes from
the database, never from the URL, and one that leads out of that folder (``..``, an
absolute path, a symbolic link; a WARC file given to the ``files`` spider from elsewhere) is
refused (403).

A record of a remote WARC file (the ``ccnews`` spider's: ``warc_file`` is the file's URL) is
not fetched from here: the page says how to read it again with one range request
(``warc_offset`` and ``warc_length``) and which SHA-256 its payload has.

What is served is crawled content: it goes out as ``text/plain`` with ``nosniff`` and a
sandboxing Content-Security-Policy, so a page's markup and scripts are shown, never run,
on Datasette's origin.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import Response

from crawler.warc_reader import record_as_received

ROUTE = r"^/-/archived/(?P<database>[^/]+)/(?P<fetch_id>[0-9]+)$"
WARC_FOLDER = "warc"
REMOTE_SCHEMES = ("http://", "https://")
MAX_BYTES = 64 * 1024 * 1024
"""The largest payload served: four times the crawl's DOWNLOAD_MAXSIZE."""
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
}


def record_url(datasette: Any, database: str, fetch_id: int | str) -> str:
    """Where the record of fetch ``fetch_id`` of ``database`` is served."""
    return datasette.urls.path(f"/-/archived/{database}/{fetch_id}")


def within_warc_folder(database_path: Path, warc_file: str) -> Path | None:
    """The WARC file ``warc_file`` (relative to the database's folder) names, if it lies in
    the database's WARC folder once every link and ``..`` is resolved; else ``None``."""
    folder = (database_path.parent / WARC_FOLDER).resolve()
    path = (database_path.parent / warc_file).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None


def remote_record(fetch: Any) -> Response:
    """How to read again a record of a remote WARC file: one range request."""
    url, offset = fetch["warc_file"], int(fetch["warc_offset"])
    columns = fetch.keys()  # a sqlite3.Row: "in" would look among its values
    length = fetch["warc_length"] if "warc_length" in columns else None
    lines = [f"This record lies in a remote WARC file, at byte {offset}:", url, ""]
    if length:
        lines += [
            "One range request reads it again (a gzip member: the record as received):",
            f"curl -s -r {offset}-{offset + int(length) - 1} '{url}' | gzip -dc",
        ]
    lines += ["", f"SHA-256 of its payload: {fetch['body_sha256'] or 'unknown'}"]
    return Response.text("\n".join(lines) + "\n", headers=SAFE_HEADERS)


def refusal(status: int, message: str) -> Response:
    return Response.text(message + "\n", status=status, headers=SAFE_HEADERS)


async def archived_record(datasette: Any, request: Any) -> Response:
    name = request.url_vars["database"]
    if name not in datasette.databases or datasette.databases[name].path is None:
        return refusal(404, f"no database {name}")
    database = datasette.databases[name]
    if "fetches" not in await database.table_names():
        return refusal(404, f"{name} has no fetches")
    fetch = (
        await database.execute(
            "select * from fetches where id = ?", [int(request.url_vars["fetch_id"])]
        )
    ).first()
    if fetch is None or not fetch["warc_file"] or fetch["warc_offset"] is None:
        return refusal(404, "no archived record for this fetch")
    if fetch["warc_file"].startswith(REMOTE_SCHEMES):
        return remote_record(fetch)
    path = within_warc_folder(Path(database.path), fetch["warc_file"])
    if path is None:
        return refusal(403, f"{fetch['warc_file']} is not in the database's WARC folder")
    try:
        record = await asyncio.to_thread(
            record_as_received, path, int(fetch["warc_offset"]), MAX_BYTES
        )
    except (OSError, ValueError) as error:
        return refusal(404, f"the record cannot be read: {error}")
    if hashlib.sha256(record.payload).hexdigest() != (fetch["body_sha256"] or ""):
        return refusal(409, "the record does not match the fetch's body_sha256: not served")
    return Response(
        record.http_head + record.payload,
        content_type="text/plain",
        headers=SAFE_HEADERS,
    )


@hookimpl
def register_routes() -> Any:
    return [(ROUTE, archived_record)]


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    if table != "fetches" or column != "warc_file" or not value:
        return None
    columns = row.keys()  # a sqlite3.Row: "in" would look among its values
    if "id" not in columns:
        return None
    # format() escapes both arguments: a value cannot close the tag or attribute
    link = markupsafe.Markup('<a href="{}" title="the archived record, as received">{}</a>')
    return link.format(record_url(datasette, database, row["id"]), value)
