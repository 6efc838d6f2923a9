"""`pkarena contests …`: list contests, freeze an ended one, verify a frozen one against the ledger."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

contests = AppGroup("contests", help="竞赛：列出、冻结、核对。Contests: list, freeze, check.")


def _load(session, contest_id: int):
    from pkarena.models import Contest

    contest = session.get(Contest, contest_id)
    if contest is None:
        raise click.ClickException(f"竞赛 {contest_id} 不存在 / no contest {contest_id}")
    return contest


@contests.command("list")
def list_contests() -> None:
    """Every contest with its window, status today and checksum once frozen."""
    from pkarena.extensions import db
    from pkarena.models import Contest
    from pkarena.services.contests import manage as service

    clock = current_app.extensions["pkarena.clock"]
    with db.new_session() as session:
        for contest in session.query(Contest).order_by(Contest.id):
            click.echo(f"{contest.id}\t{service.status_of(contest, clock)}\t{contest.starts_on}…{contest.ends_on}"
                       f"\t{contest.name}\t{contest.checksum or ''}")


@contests.command("freeze")
@click.argument("contest_id", type=int)
def freeze_contest(contest_id: int) -> None:
    """Freeze an ended contest (a second run changes nothing)."""
    from pkarena.extensions import db
    from pkarena.services.contests import standings

    clock = current_app.extensions["pkarena.clock"]
    with db.new_session() as session:
        contest = _load(session, contest_id)
        try:
            created = standings.freeze(session, clock, contest)
        except standings.ContestFreezeError as exc:
            raise click.ClickException(str(exc)) from exc
        session.refresh(contest)
        state = "frozen" if created else "already frozen"
        click.echo(f"contest {contest_id} {state}: sha256 {contest.checksum}")


@contests.command("check")
@click.argument("contest_id", type=int)
def check_contest(contest_id: int) -> None:
    """Verify a frozen contest: its rows hash to the checksum and the ledger still gives them; exit 1 if not."""
    from pkarena.extensions import db
    from pkarena.services.contests import standings

    clock = current_app.extensions["pkarena.clock"]
    with db.new_session() as session:
        contest = _load(session, contest_id)
        problems = standings.verify(session, clock, contest)
        checksum = contest.checksum
    if not problems:
        click.echo(f"contest {contest_id} verified: sha256 {checksum}")
        return
    for problem in problems:
        click.echo(f"MISMATCH contest {contest_id}: {problem}", err=True)
    sys.exit(1)
