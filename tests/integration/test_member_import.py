"""Bulk member import: all-or-nothing, row/column report, 错误原因 download, GB18030 CSV, scope of orgs."""

from __future__ import annotations

import base64
import csv
import io
import re

import pytest
from factories import Person
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from pkarena.models import AuditLog, Member
from pkarena.services.people import member_import, member_import_job, members

HEADERS = ["姓名", "用户名", "手机号", "组织", "初始密码"]


@pytest.fixture
def tree(world):
    """Company A (branches 一支部, 二支部, its organizer), company B whose branch is also called 一支部."""
    return world.two_companies(branches_b=("一支部",),
                               people={"host": Person("a", "host-a", role="organizer", scope="a")})


def xlsx(rows: list[list[object]], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "成员名单"
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str, headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode(encoding)


def upload(client, data: bytes, filename: str):
    return client.post("/admin/members/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def confirm(client):
    """Confirm the staged upload, wait for its background import, and return the result page."""
    response = client.post("/admin/members/import/confirm")
    assert response.status_code == 302, response.get_data(as_text=True)
    token = response.headers["Location"].rsplit("/", 1)[-1]
    member_import_job.wait(token, timeout=60)
    return client.get(f"/admin/members/import/{token}")


def member_count(session) -> int:
    return session.execute(select(func.count(Member.id))).scalar_one()


def test_valid_xlsx_previews_then_creates_every_member_once(client, session, tree, login):
    login(tree["host"])
    before = member_count(session)
    page = upload(client, xlsx([["张三", "zs01", 13800000001, "一支部", "password-1"],
                                ["李四", "ls02", None, "华瑞公司/二支部", "password-2"]]), "名单.xlsx")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "共 2 名成员可以导入" in text
    assert member_count(session) == before  # nothing written before the confirmation
    done = confirm(client)
    assert done.status_code == 200 and "已导入 2 名成员" in done.get_data(as_text=True)
    assert done.headers["Cache-Control"] == "no-store"
    # Every password came from the file: nothing was generated, so nothing is said to be hidden later.
    assert 'data-testid="passwords-shown"' not in client.get(done.request.path).get_data(as_text=True)
    zs = session.execute(select(Member).where(Member.username == "zs01")).scalar_one()
    ls = session.execute(select(Member).where(Member.username == "ls02")).scalar_one()
    assert (zs.org_id, zs.phone, ls.org_id, ls.phone) == (tree["a1"].id, "13800000001", tree["a2"].id, None)
    assert members.authenticate(session, "zs01", "password-1") is not None
    summary = session.execute(select(AuditLog).where(AuditLog.action == "member.import")).scalar_one()
    assert summary.detail["created"] == 2 and summary.actor_id == tree["host"].id
    # the staged file is gone: confirming again imports nothing twice
    client.post("/admin/members/import/confirm")
    assert member_count(session) == before + 2


def test_one_bad_row_creates_nothing_and_the_report_names_row_and_column(client, session, tree, login):
    login(tree["host"])
    before = member_count(session)
    text = upload(client, xlsx([["张三", "zs01", "", "一支部", "password-1"],
                                ["李四", "ls02", "12345", "一支部", "password-2"],
                                ["王五", "ww03", "", "一支部", "password-3"]]), "名单.xlsx").get_data(as_text=True)
    assert "没有导入任何成员" in text and "PHONE_INVALID" in text and "第 3 行「手机号」列" in text
    assert "确认导入" not in text
    assert client.post("/admin/members/import/confirm").status_code == 200
    assert member_count(session) == before


def test_duplicate_usernames_in_the_file_and_in_the_database(client, session, world, tree, login):
    world.member(tree["a1"], "taken")
    login(tree["host"])
    text = upload(client, xlsx([["甲", "dup", "", "一支部", "password-1"],
                                ["乙", "dup", "", "一支部", "password-1"],
                                ["丙", "taken", "", "一支部", "password-1"]]), "m.xlsx").get_data(as_text=True)
    assert "DUPLICATE_IN_FILE" in text and "与第 2 行重复" in text and "USERNAME_TAKEN" in text
    assert session.execute(select(Member).where(Member.username == "dup")).first() is None


def test_every_row_check_has_its_code(client, world, tree, login):
    world.member(tree["a1"], "someone", phone="13900000000")
    login(tree["host"])
    text = upload(client, xlsx([["", "bad name!", "13900000000", "不存在的支部", "short"],
                                ["丁", "ok01", "", "星联公司/一支部", ""],
                                ["戊", "ok02", "", "一支部", ""]]), "m.xlsx").get_data(as_text=True)
    for code in ("VALUE_MISSING", "USERNAME_INVALID", "PHONE_TAKEN", "ORG_UNKNOWN", "PASSWORD_TOO_SHORT",
                 "ORG_OUT_OF_SCOPE"):
        assert code in text, code


def test_org_name_shared_by_two_companies_needs_a_path_for_admins(client, world, tree, login):
    login(world.member(tree["a"], "root", role="admin"))
    text = upload(client, xlsx([["甲", "u1", "", "一支部", "password-1"]]), "m.xlsx").get_data(as_text=True)
    assert "ORG_AMBIGUOUS" in text
    text = upload(client, xlsx([["甲", "u1", "", "星联公司/一支部", "password-1"]]), "m.xlsx").get_data(as_text=True)
    assert "共 1 名成员可以导入" in text


def test_reasons_download_returns_the_sheet_with_an_error_column(client, tree, login):
    login(tree["host"])
    upload(client, xlsx([["张三", "zs01", "", "一支部", "password-1"], ["李四", "x", "", "一支部", "password-2"]]),
           "名单.xlsx")
    response = client.get("/admin/members/import/reasons.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][-1] == "错误原因" and not rows[1][-1] and "用户名" in rows[2][-1]


def test_gb18030_csv_with_rare_characters_imports(client, session, tree, login):
    login(tree["host"])
    data = csv_bytes([["朱镕基", "zrj", "", "一支部", "password-1"], ["王喆", "wz", "", "二支部", ""]], "gb18030")
    text = upload(client, data, "成员.csv").get_data(as_text=True)
    assert "共 2 名成员可以导入" in text
    result = confirm(client)
    done = result.get_data(as_text=True)
    names = set(session.execute(select(Member.display_name).where(Member.username.in_(["zrj", "wz"]))).scalars())
    assert names == {"朱镕基", "王喆"}
    # the generated password is shown once and works
    password = re.search(r"<td>wz</td><td>[^<]*</td><td><code>([^<]+)</code>", done).group(1)
    assert len(password) == 10 and members.authenticate(session, "wz", password) is not None
    uri = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', done).group(1)
    assert password in base64.b64decode(uri).decode("utf-8-sig")
    assert "password-1" not in base64.b64decode(uri).decode("utf-8-sig")  # the file's own passwords stay out
    # Shown once: the page again, and what the Store still holds, have no password any more.
    again = client.get(result.request.path).get_data(as_text=True)
    assert password not in again and 'data-testid="passwords-shown"' in again and "已导入 2 名成员" in again
    token = result.request.path.rsplit("/", 1)[-1]
    assert password not in str(member_import_job.progress(client.application.extensions["pkarena.store"], token))


def test_the_progress_of_an_import_is_json_for_its_organizer_only(client, session, world, tree, login):
    login(tree["host"])
    upload(client, xlsx([["甲", "u1", "", "一支部", ""], ["乙", "u2", "", "二支部", ""]]), "m.xlsx")
    token = confirm(client).request.path.rsplit("/", 1)[-1]
    assert client.get(f"/admin/members/import/{token}/progress").get_json() == {"state": "done", "done": 2,
                                                                               "total": 2}
    login(world.member(tree["a"], "host-a2", role="organizer", scope=tree["a"]))
    assert client.get(f"/admin/members/import/{token}/progress").status_code == 404
    assert client.get(f"/admin/members/import/{token}").status_code == 404
    assert client.get("/admin/members/import/not-a-token/progress").status_code == 404


def test_hashing_the_initial_passwords_reports_its_progress_in_batches() -> None:
    planned = [member_import.PlannedMember(i, f"成员{i}", f"u{i}", None, 1, "一支部", f"password-{i}", False)
               for i in range(20)]
    reports: list[tuple[int, int]] = []
    hashes = member_import.hash_initial_passwords(member_import.ImportPlan(None, planned), lambda *r: reports.append(r))
    assert reports == [(member_import.HASH_BATCH, 20), (20, 20)] and len(hashes) == 20
    assert check_password_hash(hashes[7], "password-7")  # in order


def test_a_username_taken_after_the_check_rejects_the_whole_import(app, session, world, tree, tmp_path):
    table = member_import.read(xlsx([["甲", "u1", "", "一支部", ""], ["乙", "late", "", "一支部", ""]]), "m.xlsx")
    plan = member_import.validate(session, table, tree["host"])
    assert plan.ok
    world.member(tree["a1"], "late")  # someone else took it meanwhile
    marker, store, token = tmp_path / "staged.xlsx", app.extensions["pkarena.store"], "race-token-0123456789"
    marker.write_bytes(b"the staged upload")
    assert member_import_job.start(app, store, token, plan, marker, "m.xlsx", tree["host"].id)
    assert not member_import_job.start(app, store, token, plan, marker, "m.xlsx", tree["host"].id)  # once
    member_import_job.wait(token, timeout=60)
    outcome = member_import_job.progress(store, token)
    assert outcome["state"] == "rejected" and "用户名" in outcome["message"]
    assert session.execute(select(Member).where(Member.username == "u1")).first() is None  # nothing half-done
    assert not marker.exists()  # the task removes the staged file either way


def test_english_headers_are_accepted(client, session, tree, login):
    login(tree["host"])
    data = csv_bytes([["Zhang San", "zs", "", "一支部", "password-1"]], "utf-8",
                     headers=["name", "username", "phone", "org", "password"])
    assert "共 1 名成员可以导入" in upload(client, data, "m.csv").get_data(as_text=True)


def test_missing_required_column_is_reported_once(client, tree, login):
    login(tree["host"])
    text = upload(client, xlsx([["甲", "u1"]], headers=["姓名", "用户名"]), "m.xlsx").get_data(as_text=True)
    assert text.count("HEADER_MISSING") == 1 and "VALUE_MISSING" not in text


def test_role_column_cannot_grant_organizer(client, tree, login):
    login(tree["host"])
    text = upload(client, xlsx([["甲", "u1", "", "一支部", "password-1", "组织者"]], headers=[*HEADERS, "角色"]),
                  "m.xlsx").get_data(as_text=True)
    assert "ROLE_NOT_IMPORTABLE" in text


def test_unreadable_file_is_reported(client, tree, login):
    login(tree["host"])
    text = upload(client, b"\x00\x01garbage", "m.xlsx").get_data(as_text=True)
    assert "没有导入任何成员" in text and "FILE_TYPE" in text


def test_wrong_extension_is_refused_by_the_form(client, tree, login):
    login(tree["host"])
    assert upload(client, b"x", "m.xls").status_code == 400


def test_template_download_has_the_headers(client, tree, login):
    login(tree["host"])
    response = client.get("/admin/members/import/template.xlsx")
    ws = load_workbook(io.BytesIO(response.data))["成员名单"]
    assert [c.value for c in ws[1]] == ["姓名*", "用户名*", "手机号", "组织*", "初始密码"]


def test_confirm_without_an_upload_is_refused(client, tree, login):
    login(tree["host"])
    response = client.post("/admin/members/import/confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/members/import")


def test_another_user_cannot_confirm_the_staged_upload(client, session, world, tree, login):
    login(tree["host"])
    upload(client, xlsx([["甲", "u1", "", "一支部", "password-1"]]), "m.xlsx")
    login(world.member(tree["a"], "host-a2", role="organizer", scope=tree["a"]))
    client.post("/admin/members/import/confirm")
    assert session.execute(select(Member).where(Member.username == "u1")).first() is None
