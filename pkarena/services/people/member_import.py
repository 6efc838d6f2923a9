"""Bulk member import from .xlsx/.csv: validate every row first, then create all members in one transaction."""

from __future__ import annotations

import csv
import io
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from pkarena.authz import managed_path
from pkarena.clock import Clock
from pkarena.database import begin_write
from pkarena.models import Member, Org
from pkarena.services import audit
from pkarena.services.people import members
from pkarena.services.transaction import use_case
from question_bank.safe_cells import safe_csv_row
from question_bank.tabular import (
    HEADER_DUPLICATE,
    HEADER_MISSING,
    Field,
    Problem,
    Row,
    Table,
    match_key,
    read_table,
)

FIELDS = [
    Field("display_name", ("姓名", "name", "display_name", "名字"), required=True),
    Field("username", ("用户名", "username", "账号", "登录名", "login"), required=True),
    Field("phone", ("手机号", "phone", "mobile", "手机", "手机号码")),
    Field("org", ("组织", "org", "organization", "所属组织", "支部"), required=True),
    Field("password", ("初始密码", "password", "密码")),
    # Recognized only to refuse it: imported accounts are always plain members.
    Field("role", ("角色", "role")),
]
TEMPLATE_HEADERS = ["姓名*", "用户名*", "手机号", "组织*", "初始密码"]
TEMPLATE_NOTES = [
    "第一个工作表「成员名单」的第 1 行是表头，从第 2 行起每行一名成员；带 * 的列必填。",
    "姓名*：成员的真实姓名，不超过 64 个字。",
    "用户名*：2–64 位字母、数字、下划线、点或横线，不能与已有账号重复。",
    "手机号：11 位数字，以 1 开头；可留空，不能与已有账号重复。",
    "组织*：组织名称，或完整路径如「公司/支部」；必须在您的管理范围内。",
    "初始密码：至少 8 位；留空则由系统生成 10 位随机密码，导入完成后可下载一次。",
    "导入的账号都是普通成员；组织者由管理员在成员页面设置。",
    "文件中任何一行有错误时，不会导入任何成员；请按错误报告修改后重新上传。",
]
PLAIN_MEMBER = {"", "成员", "member", "普通成员", "党员"}
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I
GENERATED_LENGTH = 10
MAX_NAME = 64
CHUNK = 500
HASH_BATCH = 16  # passwords hashed between two progress reports (≈1 s on 2 cores)


class ImportRefused(Exception):
    """create_members() was given a plan that still has errors."""


@dataclass(frozen=True)
class PlannedMember:
    """One valid row, ready to become a member."""

    row: int
    display_name: str
    username: str
    phone: str | None
    org_id: int
    org_label: str
    password: str
    generated: bool


@dataclass
class ImportPlan:
    """The outcome of validating a table: the members to create and every problem found."""

    table: Table
    members: list[PlannedMember] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that block the import (warnings do not)."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        """True when every row is valid and the import may be committed."""
        return not self.errors


def read(source: str | Path | bytes | IO[bytes], filename: str, *, max_rows: int = 20000) -> Table:
    """Read a member sheet (raises question_bank.tabular.TableError when the file cannot be read)."""
    return read_table(source, filename, FIELDS, preferred_sheet="成员名单", max_rows=max_rows)


def generate_password() -> str:
    """A random 10-character initial password without look-alike characters."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_LENGTH))


def _norm(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _phone(value: str) -> str:
    phone = "".join(ch for ch in _norm(value) if ch not in " -")
    return phone[3:] if phone.startswith("+86") else phone


def _existing(session: Session, column, values: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        found.update(session.execute(select(column).where(column.in_(ordered[start:start + CHUNK]))).scalars())
    return found


class _OrgIndex:
    """Org lookup by name or name path ("公司/支部"), remembering which orgs the actor may manage."""

    def __init__(self, session: Session, prefix: str) -> None:
        all_orgs = list(session.execute(select(Org).order_by(Org.path)).scalars())
        names = {o.id: match_key(o.name) for o in all_orgs}
        self.prefix = prefix
        self.paths = [(o, tuple(names[i] for i in o.ancestor_ids)) for o in all_orgs]
        by_id = {o.id: o.name for o in all_orgs}
        self.labels = {o.id: "/".join(by_id[i] for i in o.ancestor_ids) for o in all_orgs}
        self.cache: dict[str, tuple[str, Org | None]] = {}

    def find(self, text: str) -> tuple[str, Org | None]:
        """("", org) when found in scope, else (problem code, None)."""
        if text not in self.cache:
            parts = tuple(p.strip() for p in match_key(text).split("/") if p.strip())
            found = [o for o, path in self.paths if parts and path[-len(parts):] == parts]
            inside = [o for o in found if o.path.startswith(self.prefix)]
            if not found:
                self.cache[text] = ("ORG_UNKNOWN", None)
            elif not inside:
                self.cache[text] = ("ORG_OUT_OF_SCOPE", None)
            elif len(inside) > 1:
                self.cache[text] = ("ORG_AMBIGUOUS", None)
            else:
                self.cache[text] = ("", inside[0])
        return self.cache[text]


ORG_MESSAGES = {
    "ORG_UNKNOWN": "找不到该组织，请填写组织名称或完整路径（如 公司/支部）",
    "ORG_OUT_OF_SCOPE": "该组织不在您的管理范围内",
    "ORG_AMBIGUOUS": "有多个同名组织，请填写完整路径（如 公司/支部）",
}


def validate(session: Session, table: Table, actor: Member) -> ImportPlan:
    """Check every row (required values, formats, duplicates in the file and the database, org scope)."""
    plan = ImportPlan(table, problems=list(table.problems))
    if any(p.code in (HEADER_MISSING, HEADER_DUPLICATE) for p in plan.problems):
        return plan  # every row would repeat the header's problem
    orgs = _OrgIndex(session, managed_path(actor))
    usernames = {_norm(r.get("username")) for r in table.rows} - {""}
    phones = {_phone(r.get("phone")) for r in table.rows} - {""}
    taken_names = _existing(session, Member.username, usernames)
    taken_phones = _existing(session, Member.phone, phones)
    seen_names: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    for row in table.rows:
        problems: list[Problem] = []
        add = problems.append
        for name in ("display_name", "username", "org"):
            if not row.get(name):
                add(row.problem("VALUE_MISSING", name, "必填项为空"))
        display_name, username, phone = row.get("display_name"), _norm(row.get("username")), _phone(row.get("phone"))
        if len(display_name) > MAX_NAME:
            add(row.problem("VALUE_TOO_LONG", "display_name", f"姓名不能超过 {MAX_NAME} 个字", display_name))
        if username:
            _check_unique(row, "username", username, members.USERNAME_RE.match(username) is not None,
                          ("USERNAME_INVALID", "用户名须为 2–64 位字母、数字、下划线、点或横线"),
                          ("USERNAME_TAKEN", "用户名已被使用"), taken_names, seen_names, add)
        if phone:
            _check_unique(row, "phone", phone, members.PHONE_RE.match(phone) is not None,
                          ("PHONE_INVALID", "手机号须为 11 位数字，以 1 开头"),
                          ("PHONE_TAKEN", "手机号已被其他账号使用"), taken_phones, seen_phones, add)
        password = row.get("password")
        if password and len(password) < members.MIN_PASSWORD:
            add(row.problem("PASSWORD_TOO_SHORT", "password", f"初始密码至少 {members.MIN_PASSWORD} 位"))
        if _norm(row.get("role")).casefold() not in PLAIN_MEMBER:
            add(row.problem("ROLE_NOT_IMPORTABLE", "role", "导入的账号均为普通成员；组织者请由管理员在成员页面设置",
                            row.get("role")))
        code, org = orgs.find(row.get("org")) if row.get("org") else ("", None)
        if code:
            add(row.problem(code, "org", ORG_MESSAGES[code], row.get("org")))
        plan.problems.extend(problems)
        if not problems and org is not None:
            plan.members.append(PlannedMember(row.number, display_name, username, phone or None, org.id,
                                              orgs.labels[org.id], password or generate_password(), not password))
    return plan


def _check_unique(row: Row, name: str, value: str, well_formed: bool, invalid: tuple[str, str],
                  taken: tuple[str, str], existing: set[str], seen: dict[str, int], add) -> None:
    if not well_formed:
        add(row.problem(invalid[0], name, invalid[1], value))
    elif value in existing:
        add(row.problem(taken[0], name, taken[1], value))
    elif value in seen:
        add(row.problem("DUPLICATE_IN_FILE", name, f"与第 {seen[value]} 行重复", value))
    else:
        seen[value] = row.number


def hash_initial_passwords(plan: ImportPlan, progress: Callable[[int, int], None] | None = None) -> list[str]:
    """The planned members' password hashes, in order: the slow part of an import (scrypt, 0.1 s each).

    Done before the import's transaction, so no write lock waits on it; `progress(done, total)` hears it.
    """
    passwords = [planned.password for planned in plan.members]
    hashes: list[str] = []
    for start in range(0, len(passwords), HASH_BATCH):  # each batch on every core at once
        hashes += members.hash_passwords(passwords[start:start + HASH_BATCH])
        if progress:
            progress(len(hashes), len(passwords))
    return hashes


def create_members(session: Session, clock: Clock, plan: ImportPlan, actor_id: int,
                   hashes: list[str] | None = None) -> list[Member]:
    """Create every planned member (each audited) plus one summary audit row, all in one committed transaction.

    All or nothing: a username or phone that someone took since the plan was checked is a MemberError
    naming it, and no member is created. `hashes`: what `hash_initial_passwords(plan)` returned (computed
    here when not given, before the transaction so no write lock waits on scrypt).
    """
    if not plan.ok:
        raise ImportRefused(f"{len(plan.errors)} problems")
    created: list[Member] = []
    hashes = hashes if hashes is not None else hash_initial_passwords(plan)
    with use_case(session, lambda: _first_clash(session, plan)):
        begin_write(session)  # SQLite: the write lock up front, not a failing upgrade mid-way
        for planned, password_hash in zip(plan.members, hashes, strict=True):
            org = session.get(Org, planned.org_id)
            created.append(members.add_member(
                session, clock, username=planned.username, display_name=planned.display_name, org=org,
                password=planned.password, password_hash=password_hash, phone=planned.phone, actor_id=actor_id))
        audit.record(session, clock, actor_id, "member.import", "import", None, file=plan.table.file,
                     sheet=plan.table.sheet, created=len(created),
                     generated_passwords=sum(p.generated for p in plan.members))
    return created


def _first_clash(session: Session, plan: ImportPlan) -> members.MemberError:
    """The refusal for the first planned username or phone that another member uses now."""
    for planned in plan.members:
        clash = members.find_clash(session, planned.username, planned.phone)
        if clash is not None:
            return members.MemberError(f"第 {planned.row} 行：{clash.message}", clash.field)
    return members.MemberError("用户名或手机号已被使用", "username")


def result_csv(accounts: list[PlannedMember]) -> str:
    """The committed accounts as CSV (UTF-8 with BOM for Excel), with generated initial passwords."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["行号", "姓名", "用户名", "手机号", "组织", "初始密码"])
    for p in accounts:
        writer.writerow(safe_csv_row([p.row, p.display_name, p.username, p.phone or "", p.org_label,
                                      p.password if p.generated else "（使用导入文件中的密码）"]))
    return out.getvalue()
