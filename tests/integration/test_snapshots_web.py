"""`GET /api/v1/snapshots/<month>` and the organizers' /admin/snapshots page (checksums, exports, verify)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from pkarena.models import LedgerEntry, MonthlySnapshot, SnapshotRow
from pkarena.services import ledger
from pkarena.services.monthly import freeze

OCT = "2026-10"
EARLY_OCTOBER = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
MID_OCTOBER = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
LATE_NOVEMBER = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@pytest.fixture
def frozen(session, clock, world) -> dict:
    """Two branches of one company with awards in October, frozen in late November."""
    clock.set(EARLY_OCTOBER)
    company = world.org("甲公司")
    branch_a, branch_b = world.org("一支部", company), world.org("二支部", company)
    alice, bob = world.member(branch_a, "alice"), world.member(branch_b, "bob")
    host = world.member(branch_a, "host", role="organizer")
    clock.set(MID_OCTOBER)
    for person, points, note in ((alice, 4, "学习笔记"), (bob, 2, "值班")):
        ledger.award(session, clock, member_id=person.id, source="manual", source_ref=f"oct-{person.id}",
                     outcome={"points": points}, category="思想学习", note=note)
    clock.set(LATE_NOVEMBER)
    scopes = freeze.freeze_month(session, clock, OCT)
    return {"alice": alice, "bob": bob, "host": host, "scopes": scopes}


def test_a_member_reads_a_frozen_month_with_its_checksums(client, login, frozen):
    login(frozen["alice"])
    response = client.get(f"/api/v1/snapshots/{OCT}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["month"] == OCT and body["corrections"] == []
    by_scope = {(s["scope_kind"], s["scope_id"]): s for s in body["snapshots"]}
    assert {key: s["checksum"] for key, s in by_scope.items()} == {
        (s.scope_kind, s.scope_id): s.checksum for s in frozen["scopes"]}
    top = by_scope[("members_all", 0)]["rows"][0]
    assert (top["subject_id"], top["points"], top["rank"]) == (frozen["alice"].id, 4, 1)


def test_a_month_not_frozen_is_a_json_404_and_a_bad_month_a_400(client, login, frozen):
    login(frozen["alice"])
    missing = client.get("/api/v1/snapshots/2026-09")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "NOT_FROZEN"
    bad = client.get("/api/v1/snapshots/2026-9")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "INVALID_MONTH"


def test_snapshots_need_a_login(client, frozen):
    assert client.get(f"/api/v1/snapshots/{OCT}").status_code == 401


def test_the_api_lists_a_later_correction_of_the_frozen_month(client, login, session, clock, frozen):
    entry = session.execute(select(LedgerEntry).where(
        LedgerEntry.member_id == frozen["bob"].id)).scalar_one()
    ledger.issue_correction(session, clock, actor_id=frozen["host"].id, entry_id=entry.id, points=-1, reason="多计",
                            request_id="c1")
    login(frozen["alice"])
    body = client.get(f"/api/v1/snapshots/{OCT}").get_json()
    assert [(c["member_id"], c["points"], c["month"]) for c in body["corrections"]] == [
        (frozen["bob"].id, -1, "2026-11")]


def test_the_organizer_page_lists_frozen_months_with_short_checksums(client, login, frozen):
    login(frozen["host"])
    page = client.get("/admin/snapshots")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-month="{OCT}"' in html
    assert all(s.checksum[:12] in html for s in frozen["scopes"])
    assert "/admin/snapshots/export?month=2026-10&amp;format=xlsx" in html
    assert 'href="/admin/snapshots"' in html  # the nav link
    # Scopes by name, in the freeze's order: the members' boards first, the orgs' ranking after them.
    listed = html.split('data-testid="snapshot-table"', 1)[1]
    assert "组织成员榜：一支部" in listed and "组织成员榜：二支部" in listed and "#" not in listed.split("</table>")[0]
    assert listed.index("成员总榜") < listed.index("组织成员榜：甲公司") < listed.index("组织排名")


def test_verify_passes_then_reports_a_tampered_row(client, login, session, frozen):
    login(frozen["host"])
    passed = client.post(f"/admin/snapshots/{OCT}/verify").get_data(as_text=True)
    assert "校验通过" in passed
    snapshot_id = session.execute(select(MonthlySnapshot.id).where(
        MonthlySnapshot.month == OCT, MonthlySnapshot.scope_kind == "orgs")).scalar_one()
    session.execute(update(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot_id).values(points=0))
    session.commit()
    failed = client.post(f"/admin/snapshots/{OCT}/verify").get_data(as_text=True)
    assert "校验未通过" in failed and 'data-problem="rows_altered"' in failed


def test_the_xlsx_export_carries_checksums_and_only_the_managed_subtrees_ledger(client, login, frozen):
    login(frozen["host"])
    response = client.get(f"/admin/snapshots/export?month={OCT}&format=xlsx")
    assert response.status_code == 200
    assert "pkarena-ledger-2026-10.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    checksums = {s.checksum for s in frozen["scopes"]}
    for name in book.sheetnames:
        assert next(book[name].values)[3] in checksums, name
    ledger_lines = list(book["台账"].values)[2:]
    assert [(line[3], line[5], line[8]) for line in ledger_lines] == [("alice", 4, "学习笔记")]


def test_the_csv_export_and_a_malformed_month(client, login, frozen):
    login(frozen["host"])
    response = client.get(f"/admin/snapshots/export?month={OCT}&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][0] == "时间（北京时间）" and [line[3] for line in lines[1:]] == ["alice"]
    assert client.get("/admin/snapshots/export?month=2026-1&format=csv").status_code == 404
    assert client.get(f"/admin/snapshots/export?month={OCT}&format=pdf").status_code == 404
