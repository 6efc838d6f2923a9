"""`pkarena qb …`: import questions from Excel/CSV, export the bank, write the import template."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from tqdm import tqdm

from question_bank.importer import ImportReport
from question_bank.tabular import Problem

qb = AppGroup("qb", help="题库：导入、导出和模板。Question bank: import, export, template.")

PHASES = {"read": "读取", "save": "写入"}


class _Bar:
    """A tqdm progress bar on stderr per import phase (read, save)."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        """Advance the bar of ``phase``, opening a new bar when the phase changes."""
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = tqdm(desc=PHASES.get(phase, phase), unit="行", file=sys.stderr, leave=False)
        assert self.bar is not None
        self.bar.total = max(total, done)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        """Close the current bar, if any."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _problem_line(p: Problem) -> str:
    where = " · ".join(part for part in (p.file, p.sheet, f"第 {p.row} 行" if p.row else "",
                                         f"「{p.column}」列" if p.column else "") if part)
    value = f"（值：{p.value}）" if p.value not in (None, "") else ""
    return f"  [{p.code}] {where}\n      {p.message}{value}"


def render_report(report: ImportReport, limit: int = 200) -> str:
    """A readable Chinese summary of an import report: outcome, counts, then every error and warning."""
    if report.ok:
        head = "校验通过（试运行，未写入）" if report.dry_run else "导入成功"
        lines = [f"{head}：{report.file}",
                 f"新增 {report.created} 题，更新 {report.updated} 题，跳过（已存在）{report.skipped} 题"]
    else:
        lines = [f"导入被拒绝：{report.file} 有 {len(report.errors)} 个错误，题库未做任何改动",
                 "请按下列位置修改后重新导入："]
    for title, problems in (("错误", report.errors), ("警告", report.warnings)):
        if not problems:
            continue
        lines.append(f"{title}（{len(problems)}）：")
        lines.extend(_problem_line(p) for p in problems[:limit])
        if len(problems) > limit:
            lines.append(f"  … 另有 {len(problems) - limit} 条{title}未列出（使用 --json 查看全部）")
    return "\n".join(lines)


@qb.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只校验，不写入题库。Validate only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出报告（无进度条）。Print the report as JSON.")
def import_command(file: Path, dry_run: bool, as_json: bool) -> None:
    """Import questions from FILE (.xlsx, .csv, .tsv), all or nothing; exit 1 when rejected."""
    from pkarena.extensions import db
    from question_bank.importer import DEFAULT_MAX_ROWS, import_file

    bar = None if as_json else _Bar()
    max_rows = int(current_app.config.get("IMPORT_MAX_ROWS") or DEFAULT_MAX_ROWS)
    try:
        with db.new_session() as session:
            report = import_file(session, file, file.name, dry_run=dry_run, max_rows=max_rows, on_progress=bar)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_report(report))
    if not report.ok:
        sys.exit(1)


@qb.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(file: Path) -> None:
    """Write every question not retired to FILE.xlsx in the import template's layout."""
    from pkarena.extensions import db
    from question_bank.export import export_bank

    with db.new_session() as session:
        count = export_bank(session, file)
    click.echo(f"已导出 {count} 道题到 {file} / exported {count} questions")


@qb.command("template", with_appcontext=False)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def template_command(file: Path) -> None:
    """Write the empty import template (with dropdowns and one example of each type) to FILE.xlsx."""
    from question_bank.export import write_template

    write_template(file)
    click.echo(f"已生成导入模板 {file} / template written")
