"""``lianxin grid import``: the grid system's roster export (CSV, XLSX or JSON) sent to
intake as a whole roster (or, with ``--delta``, as changes), signed with the grid secret,
and intake's report of what was added, changed, removed and rejected, row by row."""
import csv
import json
from pathlib import Path

import click
import requests
from openpyxl import load_workbook
from rich.console import Console
from rich.table import Table

from lianxin import config as configuration
from lianxin import signing
from lianxin.tools.client import progress_bars

PEOPLE_MARK = "role"            # a CSV whose header names it holds people, else grids


def read_rows(paths, progress=None):
    """``{"grids": [...], "people": [...]}``, each row with its ``row`` number as the
    export numbers it (a header is row 1)."""
    found = {"grids": [], "people": []}
    for path in map(Path, paths):
        task = progress.add_task(f"reading {path.name}", total=None) if progress else None
        for kind, rows in _tables(path):
            for row in rows:
                found[kind].append(row)
                if progress:
                    progress.advance(task)
    return found


def _tables(path):
    suffix = path.suffix.lower()
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        return [(kind, ({**row, "row": n} for n, row in enumerate(data.get(kind, []), 1)))
                for kind in ("grids", "people")]
    if suffix == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        return [(kind, _numbered(book[kind].iter_rows(values_only=True)))
                for kind in ("grids", "people") if kind in book.sheetnames]
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        kind = "people" if rows and PEOPLE_MARK in rows[0] else "grids"
        return [(kind, _numbered(rows))]
    raise click.ClickException(f"{path}: a roster is a .csv, .xlsx or .json file")


def _numbered(rows):
    """Dicts from a header row and the rows under it; empty cells are left out."""
    rows = iter(rows)
    header = [str(h).strip() for h in next(rows, []) if h is not None]
    for number, values in enumerate(rows, 2):
        row = {k: v for k, v in zip(header, values, strict=False) if v not in (None, "")}
        if row:
            yield {**{k: str(v) if k != "households" else v for k, v in row.items()},
                   "row": number}


def send(config, roster, delta=False):
    """PUT (or PATCH) the roster to intake, signed; intake's report."""
    method = "PATCH" if delta else "PUT"
    body = json.dumps(roster, ensure_ascii=False).encode("utf-8")
    url = configuration.base_url(config, "intake") + "/grid/roster"
    headers = {"Content-Type": "application/json",
               **signing.headers(str(config["GRID"]["secret"]), method, "/grid/roster", body)}
    try:
        response = requests.request(method, url, data=body, headers=headers, timeout=300)
    except requests.RequestException as exc:
        raise click.ClickException(f"intake does not answer at {url}: {exc}") from None
    if response.status_code != 200:
        raise click.ClickException(f"{method} {url} answered {response.status_code}: "
                                   f"{response.text[:500]}")
    return response.json()


def show(console, report, shown=20):
    table = Table("", "added", "changed", "unchanged", "removed", title="roster")
    for kind in ("grids", "people"):
        table.add_row(kind, *(str(report[kind][k]) for k in ("added", "changed", "unchanged",
                                                             "removed")))
    console.print(table)
    console.print(f"representatives matched: {report['representatives_matched']}; "
                  f"rejected rows: {len(report['rejected'])}; conflicts: "
                  f"{len(report['conflicts'])}")
    for item in report["rejected"][:shown]:
        console.print(f"  rejected {item['kind']} row {item['row']} ({item['id']}): "
                      f"{item['reason']}")
    for item in report["conflicts"][:shown]:
        console.print(f"  conflict row {item['row']} ({item['id']}): {item['reason']}")


@click.group()
def grid():
    """The 321 grid system (docs/integrations.md)."""


@grid.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--delta", is_flag=True, help="Add or change these rows only; remove nothing.")
@click.pass_obj
def import_roster(config, files, delta):
    """Send the grid system's roster export (CSV per table, XLSX with sheets `grids` and
    `people`, or JSON {grids, people}) to intake, and show its report."""
    console = Console()
    with progress_bars(console, 40) as progress:
        roster = read_rows(files, progress)
        task = progress.add_task(f"sending {len(roster['grids'])} grids and "
                                 f"{len(roster['people'])} people", total=1)
        report = send(config, roster, delta)
        progress.advance(task)
    show(console, report)
