"""``lianxin report``: the monthly circular (通报) as JSON, CSV, an Excel workbook and a
picture, from the running services' report endpoints (the district office's key)."""
import csv
import json
from pathlib import Path

import click
from rich.console import Console

from lianxin import directory
from lianxin.config import read_yaml
from lianxin.tools.circular import compose
from lianxin.tools.client import Keys, progress_bars, require_services

PARTS = (("routing", "/reports/circular"), ("departments", "/reports/departments"),
         ("intake", "/reports/feedback"), ("intake", "/reports/representatives"))


def fetch_parts(api, key, month, progress=None):
    """Routing's, departments' and intake's parts of the month's circular."""
    task = progress.add_task("fetching the services' parts", total=len(PARTS)) \
        if progress else None
    parts = []
    for service, path in PARTS:
        response = api.raw("GET", service, path, key=key, params={"month": month})
        if response.status_code != 200:
            raise click.ClickException(f"{service} {path}: {response.status_code} "
                                       f"{response.text[:300]}")
        parts.append(response.json())
        if progress:
            progress.advance(task)
    return parts


def names_of(config):
    """Chinese names of the stations, villages, categories and departments."""
    return directory.report_names(read_yaml(config["DIRECTORY_FILE"]))


def write_csv(folder, stem, tables):
    """One CSV per table, with a byte-order mark so that Excel reads the Chinese."""
    paths = []
    for table in tables:
        path = folder / f"{stem}-{table.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.headers)
            writer.writerows(table.rows)
        paths.append(path)
    return paths


def write_xlsx(path, tables):
    """One sheet per table: Chinese headers in bold, the header row frozen, widths that fit."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(table.headers)
        for row in table.rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            widest = max(_width(cell.value) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, widest + 2)
    book.save(path)
    return path


def _width(value):
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def write_png(path, month, tables):
    """Four charts of the month, labelled in Chinese."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot
    _chinese_font(matplotlib)
    by_name = {t.name: t for t in tables}
    figure, axes = pyplot.subplots(2, 2, figsize=(14, 10))
    _bars(axes[0][0], "各镇（街道）收到问题", by_name["towns"], 1, 2)
    _bars(axes[0][1], "各类别问题", by_name["categories"], 0, 1)
    _bars(axes[1][0], "各部门交办件数", by_name["departments"], 1, 2)
    _bars(axes[1][1], "群众评价", by_name["ratings"], 0, 1)
    figure.suptitle(f"汉滨区人大代表联系群众工作通报 {month}", fontsize=16)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path


def _bars(axis, title, table, label, value):
    labels = [str(row[label]) for row in table.rows]
    axis.barh(labels or ["（无）"], [row[value] for row in table.rows] or [0], color="#c0392b")
    axis.invert_yaxis()
    axis.set_title(title)


def _chinese_font(matplotlib):
    """Noto Sans CJK, installed with the project (the cvttf-notosanscjk-regular package)."""
    import importlib.util

    from matplotlib import font_manager
    spec = importlib.util.find_spec("cvttf_NotoSansCJK_Regular")
    fonts = sorted(Path(spec.origin).parent.glob("*.otf")) if spec and spec.origin else []
    if not fonts:
        raise click.ClickException("no Chinese font: install the project's requirements")
    font_manager.fontManager.addfont(str(fonts[0]))
    matplotlib.rcParams["font.family"] = font_manager.FontProperties(
        fname=str(fonts[0])).get_name()


def write_all(folder, month, parts, names, progress=None):
    """Every file of a month's circular under ``folder``; their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = compose(*parts, names)
    stem = f"circular-{month}"
    steps = [lambda: [_json(folder / f"{stem}.json", month, tables, parts)],
             lambda: write_csv(folder, stem, tables),
             lambda: [write_xlsx(folder / f"{stem}.xlsx", tables)],
             lambda: [write_png(folder / f"{stem}.png", month, tables)]]
    task = progress.add_task(f"writing the circular of {month}", total=len(steps)) \
        if progress else None
    written = []
    for step in steps:
        written += step()
        if progress:
            progress.advance(task)
    return written


def _json(path, month, tables, parts):
    tables_json = {t.name: {"title": t.title, "headers": t.headers, "rows": t.rows}
                   for t in tables}
    path.write_text(json.dumps({"month": month, "tables": tables_json,
                                "parts": dict(zip(("routing", "departments", "feedback",
                                                   "representatives"), parts, strict=True))},
                               ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


@click.command()
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--out", default="var/reports", show_default=True, type=click.Path(),
              help="Where to write the files.")
@click.pass_obj
def report(config, month, out):
    """Write the month's circular (通报): JSON, a CSV per table, XLSX and PNG."""
    console = Console()
    api = require_services(config)
    key = Keys(config).district
    with progress_bars(console, 34) as progress:
        written = write_all(out, month, fetch_parts(api, key, month, progress), names_of(config),
                            progress)
    console.print(f"The circular of {month}: {len(written)} files under {Path(out).resolve()}")
    for path in written:
        console.print(f"  {path}")

