"""A month's rankings and ledger as an xlsx workbook (a sheet per scope + 台账) or the ledger as CSV.

User text (names, reasons) goes through question_bank.safe_cells: it never becomes a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pkarena.clock import Clock
from pkarena.engine import sources
from pkarena.engine.snapshot import SCOPE_ORDER
from pkarena.models import LedgerEntry, Member, Org
from pkarena.services.monthly import freeze, snapshots
from question_bank.safe_cells import safe_csv_row, safe_row

LEDGER_SHEET = "台账"
SCOPE_LABELS = {"members_all": "成员总榜", "members_org": "成员榜", "orgs": "组织排名", "pairing": "结对",
                "joint_group": "联合组"}
LEDGER_HEADERS = ["时间", "条目ID", "成员", "用户名", "获得时组织", "积分", "来源", "类别", "原因/说明",
                  "更正月份", "更正条目ID"]
RANK_HEADERS = ["名次", "类型", "ID", "名称", "所属组织ID", "积分", "人数", "参与人数", "人均积分", "参与率"]
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(kind: str, scope_id: int, names: dict[tuple[str, int], str], used: set[str]) -> str:
    label = SCOPE_LABELS[kind] if not scope_id else \
        f"{SCOPE_LABELS[kind]}-{scope_id} {names.get((kind, scope_id), '')}"
    title = _FORBIDDEN.sub("_", label).strip()[:31]
    while title in used:  # Excel sheet titles are unique and at most 31 characters
        title = f"{title[:28]}~{len(used)}"
    used.add(title)
    return title


def _rank_line(row: dict) -> list:
    return [row["rank"], "成员" if row["subject_kind"] == "member" else "组织", row["subject_id"], row["name"],
            row["org_id"], row["points"], row["members"], row["participants"], row["per_member"],
            row["participation"]]


def ledger_headers(clock: Clock) -> list[str]:
    """The 台账 header row; the time column names the zone its times are in."""
    zone = "北京时间" if clock.zone.key == "Asia/Shanghai" else clock.zone.key
    return [f"时间（{zone}）", *LEDGER_HEADERS[1:]]


def ledger_rows(session: Session, clock: Clock, month: str, path_prefix: str = "") -> Iterator[list]:
    """Every ledger entry of `month` (of orgs under `path_prefix`) as a 台账 line, oldest first, local times."""
    org = aliased(Org)
    query = (
        select(LedgerEntry, Member.display_name, Member.username, org.name)
        .join(Member, Member.id == LedgerEntry.member_id).join(org, org.id == LedgerEntry.org_id)
        .where(LedgerEntry.month == month, org.path.startswith(path_prefix)).order_by(LedgerEntry.awarded_at, LedgerEntry.id)
        .execution_options(yield_per=2000)
    )
    for entry, display_name, username, org_name in session.execute(query):
        yield [clock.local(entry.awarded_at).strftime("%Y-%m-%d %H:%M:%S"), entry.id, display_name, username,
               org_name, entry.points, sources.label(entry.source), entry.category or "",
               entry.note or entry.reason or "", entry.adjusts_month or "", entry.corrects_entry_id or ""]


def _scopes(session: Session, clock: Clock, month: str) -> tuple[list[tuple[str, int, str | None, list[dict]]], bool]:
    views = snapshots.all_for_month(session, month)
    if views:
        order = {kind: i for i, kind in enumerate(SCOPE_ORDER)}
        views.sort(key=lambda v: (order[v.scope_kind], v.scope_id))
        return [(v.scope_kind, v.scope_id, v.checksum, v.rows) for v in views], True
    # Not frozen (the current month, say): the rankings as the ledger gives them now, without a checksum.
    return [(s.kind, s.scope_id, None, s.rows) for s in freeze.compute(session, clock, month)], False


def write_xlsx(session: Session, clock: Clock, month: str, target: str | IO[bytes], path_prefix: str = "") -> dict:
    """Write `month` as a workbook: one rankings sheet per scope, then the 台账 (of orgs under `path_prefix`)."""
    month = freeze.parse_month(month)
    scopes, frozen = _scopes(session, clock, month)
    names = snapshots.scope_names(session)
    book = Workbook(write_only=True)  # streams rows: a month of a big company is millions of cells
    used: set[str] = set()
    members_all = next((checksum for kind, _id, checksum, _rows in scopes if kind == "members_all"), None)
    for kind, scope_id, checksum, rows in scopes:
        sheet = book.create_sheet(_sheet_title(kind, scope_id, names, used))
        sheet.append(_first_row(month, checksum))
        sheet.append(RANK_HEADERS)
        for row in rows:
            sheet.append(safe_row(sheet, _rank_line(row)))
    ledger_sheet = book.create_sheet(LEDGER_SHEET)
    ledger_sheet.append(_first_row(month, members_all, "（成员总榜）"))
    ledger_sheet.append(ledger_headers(clock))
    count = 0
    for count, line in enumerate(ledger_rows(session, clock, month, path_prefix), start=1):  # noqa: B007
        ledger_sheet.append(safe_row(ledger_sheet, line))
    book.save(target)
    session.rollback()
    return {"month": month, "frozen": frozen, "sheets": len(scopes) + 1, "entries": count}


def _first_row(month: str, checksum: str | None, suffix: str = "") -> list[str]:
    if checksum is None:
        return ["月份", month, "未冻结：按台账实时计算，无校验码"]
    return ["月份", month, f"快照校验码 SHA-256{suffix}", checksum]


def write_csv(session: Session, clock: Clock, month: str, target: IO[str], path_prefix: str = "") -> int:
    """Write `month`'s 台账 as CSV (UTF-8 with BOM so Excel on Chinese Windows opens it); returns entries."""
    month = freeze.parse_month(month)
    writer = csv.writer(target)
    target.write("\ufeff")
    writer.writerow(ledger_headers(clock))
    count = 0
    for count, line in enumerate(ledger_rows(session, clock, month, path_prefix), start=1):  # noqa: B007
        writer.writerow(safe_csv_row(line))
    session.rollback()
    return count


def xlsx_bytes(session: Session, clock: Clock, month: str, path_prefix: str = "") -> bytes:
    """The workbook of `month` in memory (for a download)."""
    buffer = io.BytesIO()
    write_xlsx(session, clock, month, buffer, path_prefix)
    return buffer.getvalue()


def csv_text(session: Session, clock: Clock, month: str, path_prefix: str = "") -> str:
    """The 台账 CSV of `month` in memory (for a download)."""
    buffer = io.StringIO()
    write_csv(session, clock, month, buffer, path_prefix)
    return buffer.getvalue()
