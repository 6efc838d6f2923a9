"""The demo world of DESIGN §8: two paired orgs of different companies, their people, a few 积分制 awards."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pkarena.clock import Clock, FrozenClock
from pkarena.models import JointGroup, Member, Org, Pairing
from pkarena.services import ledger
from pkarena.services.demo import contests as demo_contests
from pkarena.services.demo import history as demo_history
from pkarena.services.demo.bank import load_demo_bank
from pkarena.services.people import members, orgs

DEMO_PASSWORD = "pkarena-demo"

# Fictional companies and branches, written for this project.
COMPANY_A = ("华瑞金属制品有限公司", ["第一生产党支部", "第二生产党支部", "机关党支部"])
COMPANY_B = ("星联通信技术有限公司", ["网络运维党支部", "市场服务党支部"])
PAIRING_NAME = "华瑞 × 星联 结对共建"
GROUP_NAME = "华瑞星联联合党委"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "晓燕", "志强", "丽华", "海涛", "秀英", "伟", "静", "磊", "婷",
         "军", "敏", "洋", "艳", "勇", "霞", "杰", "娟", "涛", "芳"]


def is_seeded(session: Session) -> bool:
    """True when the demo accounts already exist (the demo reuses its SQLite file)."""
    return session.execute(select(Member.id).where(Member.username == "admin")).first() is not None


def seed(session: Session, clock: Clock, on_commit=None) -> dict[str, object]:
    """Create the demo orgs, pairing, joint group, accounts, a few manual awards, six weeks of play, contests."""
    # The demo world is set up before its simulated six weeks, so members belong to last month's freeze.
    now_clock, clock = clock, FrozenClock(clock.now() - timedelta(days=demo_history.DAYS + 14), clock.zone.key)
    company_a = orgs.create_org(session, clock, COMPANY_A[0])
    branches_a = [orgs.create_org(session, clock, name, company_a) for name in COMPANY_A[1]]
    company_b = orgs.create_org(session, clock, COMPANY_B[0])
    branches_b = [orgs.create_org(session, clock, name, company_b) for name in COMPANY_B[1]]
    # Every demo account has the same published password: one scrypt hash for all 43 (4 s less at start).
    shared = {"password": DEMO_PASSWORD, "password_hash": members.hash_password(DEMO_PASSWORD)}
    admin = members.create_member(session, clock, username="admin", display_name="系统管理员", org=company_a,
                                  role="admin", **shared)
    host_a = members.create_member(session, clock, username="host-a", display_name="陈书记", org=branches_a[0],
                                   role="organizer", scope_org=company_a, **shared)
    host_b = members.create_member(session, clock, username="host-b", display_name="林书记", org=branches_b[0],
                                   role="organizer", scope_org=company_b, **shared)
    people: dict[str, Member] = {}
    for prefix, branches in (("a", branches_a), ("b", branches_b)):
        for i in range(1, 21):
            name = SURNAMES[(i * 7 + (0 if prefix == "a" else 3)) % len(SURNAMES)] + GIVEN[(i * 3 + len(prefix)) % 20]
            username = f"{prefix}{i:02d}"
            people[username] = members.create_member(
                session, clock, username=username, display_name=name, org=branches[(i - 1) % len(branches)],
                phone=f"1390000{0 if prefix == 'a' else 1}{i:03d}", **shared)
    pairing = orgs.create_pairing(session, clock, PAIRING_NAME, branches_a[0], branches_b[0],
                                  clock.local().date().replace(day=1) - timedelta(days=60))
    group = orgs.create_joint_group(session, clock, GROUP_NAME, [company_a, company_b])
    session.commit()
    bank = load_demo_bank(session, now=clock.now())
    # A few 积分制 entries through the real award path, so boards and the audit log start non-empty.
    awards = [(host_a, ["a01", "a02", "a05"], 3, "思想学习", "参加支部主题党日集中学习"),
              (host_a, ["a03"], 2, "履职尽责", "安全生产月隐患排查表现突出"),
              (host_b, ["b01", "b04"], 3, "攻坚克难", "5G 基站割接夜间保障")]
    for number, (actor, usernames, points, category, reason) in enumerate(awards, start=1):
        ledger.manual_award(session, now_clock, actor_id=actor.id, member_ids=[people[u].id for u in usernames],
                            points=points, category=category, reason=reason, request_id=f"demo-seed-{number}",
                            on_commit=on_commit)
    history = demo_history.simulate(session, now_clock, actor_ids=[host_a.id, host_b.id], on_commit=on_commit)
    frozen = demo_history.freeze_last_month(session, now_clock)
    return {"admin": admin, "host_a": host_a, "host_b": host_b, "pairing": pairing, "joint_group": group,
            "companies": [company_a, company_b], "question_bank": bank, "history": history, "frozen": frozen,
            "contests": seed_contests(session, now_clock)}


def seed_contests(session: Session, clock: Clock) -> demo_contests.DemoContests:
    """The demo's PK赛 (see `services/demo/contests.py`), created by `host-a`; idempotent, run at every start."""
    host = session.execute(select(Member).where(Member.username == "host-a")).scalar_one()
    pairing = session.execute(select(Pairing).where(Pairing.name == PAIRING_NAME)).scalars().first()
    group = session.execute(select(JointGroup).where(JointGroup.name == GROUP_NAME)).scalar_one()
    return demo_contests.seed_contests(session, clock, host, pairing, group)


BOT_COUNT = 3  # enough to fill a 4-player match around one waiting member


def ensure_bots(session: Session, clock: Clock) -> list[Member]:
    """The demo's bot members `bot-1`…`bot-3` (陪练机器人), created on first use; commits if it creates any."""
    found = {m.username: m for m in session.scalars(select(Member).where(Member.is_bot.is_(True)))}
    home = session.scalars(select(Org).order_by(Org.path)).first()
    created = False
    for i in range(1, BOT_COUNT + 1):
        if f"bot-{i}" not in found and home is not None:
            # A random password nobody knows: bots play on the server, they never log in.
            found[f"bot-{i}"] = members.create_member(session, clock, username=f"bot-{i}", display_name=f"陪练机器人{i}",
                                                      org=home, password=secrets.token_urlsafe(24), is_bot=True)
            created = True
    if created:
        session.commit()
    return [found[f"bot-{i}"] for i in range(1, BOT_COUNT + 1) if f"bot-{i}" in found]


def demo_orgs(session: Session) -> list[Org]:
    """The orgs of the demo world, in tree order."""
    return orgs.subtree(session, "")
