"""The `pkarena` command line (a Flask CLI group): demo, serve, worker, db, boards."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from tqdm import tqdm


@contextmanager
def _progress_bar(description: str, unit: str) -> Iterator[Callable[[int, int], None]]:
    # Opened at the first report, when the total is known: no empty bar before the work starts or
    # before an error message.
    bar: tqdm | None = None

    def report(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(desc=description, unit=unit, total=total, file=sys.stderr)
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield report
    finally:
        if bar is not None:
            bar.close()


def _make_app():
    from pkarena import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_default_commands=False, add_version_option=False,
             help="PK Arena：组织间答题PK赛平台。Answer-PK contests between paired organizations.")
def main() -> None:
    """Entry point of the `pkarena` console script."""


def _store():
    return current_app.extensions["pkarena.store"]


def _serve(app, host: str, port: int) -> None:
    import os

    from pkarena.extensions import socketio

    # FlaskGroup marks the process as CLI-run, which makes app.run() a no-op; this command *is* the server.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False, log_output=False)


def _start_in_process_scheduler(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from pkarena import jobs

    scheduler = BackgroundScheduler(timezone=app.config["PKARENA_TIMEZONE"])
    jobs.schedule_all(scheduler, app)
    scheduler.start()
    return scheduler


from pkarena.qb_cli import qb  # noqa: E402  (the question bank's commands: pkarena qb import|export|template)

main.add_command(qb)
from pkarena.contests_cli import contests  # noqa: E402  (pkarena contests list|freeze|check)

main.add_command(contests)


@main.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--db", "db_file", default="pkarena-demo.sqlite3", show_default=True,
              help="SQLite file to create or reuse.")
@click.option("--no-serve", is_flag=True, help="Only create and seed the database, then exit.")
def demo(host: str, port: int, db_file: str, no_serve: bool) -> None:
    """Run the self-contained demo: SQLite file, in-process store and scheduler, demo accounts."""
    from pkarena import create_app
    from pkarena.config import Config
    from pkarena.extensions import db
    from pkarena.migrate import upgrade
    from pkarena.services.boards import cache as boards
    from pkarena.services.contests import standings as contest_standings
    from pkarena.services.demo import seed as demo_data

    url = f"sqlite:///{Path(db_file).resolve()}"
    config = Config.from_env(DATABASE_URL=url, PKARENA_STORE_URL="memory://", SOCKETIO_MESSAGE_QUEUE=None,
                             DEMO=True, RUN_SCHEDULER_IN_PROCESS=True, INVITE_AUTO_APPROVE=True)
    click.echo(f"数据库 / database: {db_file}")
    upgrade(url)
    app = create_app(config)
    store = app.extensions["pkarena.store"]
    with app.app_context(), db.new_session() as session:
        if demo_data.is_seeded(session):
            click.echo("已有演示数据，继续使用 / reusing existing demo data")
            # Contests added since the file was seeded, or a month that turned since the last start.
            contests = demo_data.seed_contests(session, app.extensions["pkarena.clock"])
        else:
            result = demo_data.seed(session, app.extensions["pkarena.clock"],
                                    on_commit=app.extensions["pkarena.boards"])
            bank = result["question_bank"]
            click.echo("已创建演示数据 / demo data created")
            click.echo(f"演示题库 / demo bank: 导入 {bank.created} 题 / {bank.created} questions loaded")
            history, frozen = result["history"], result["frozen"]
            click.echo(f"已模拟最近六周的答题记录 / simulated six weeks of play: {history.created} entries "
                       f"({history.first_day} … {history.last_day})")
            click.echo(f"已冻结 {frozen.month} 月度排名 / froze {frozen.month}: {frozen.scopes} scopes, "
                       f"checksum {frozen.checksum[:12]}")
            contests = result["contests"]
        if contests.created:
            click.echo(f"已创建演示竞赛 / demo contests created: {contests.created}")
        # The memory store starts empty in every process: rebuild the boards (contests' too) from the ledger.
        count = boards.rebuild(session, store) + contest_standings.rebuild(session, store)
        click.echo(f"排行榜已从积分台账重建 / boards rebuilt from the ledger: {count}")
    accounts = f"""  管理员 / admin:    admin        组织者 / organizers: host-a, host-b
  成员 / members:    a01 … a20, b01 … b20
  密码 / password:   {demo_data.DEMO_PASSWORD}"""
    if no_serve:
        click.echo(f"\n数据库已就绪，未启动服务 / database ready, not serving (pkarena demo --db {db_file})\n{accounts}")
        return
    base = f"http://{host}:{port}"
    click.echo(f"""
PK Arena 演示已启动 / demo running at {base}/
  登录 / login:      {base}/login
  健康检查 / health: {base}/healthz
{accounts}
按 Ctrl+C 停止 / press Ctrl+C to stop
""")
    scheduler = _start_in_process_scheduler(app)
    try:
        _serve(app, host, port)
    finally:
        scheduler.shutdown(wait=False)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the web app and Socket.IO (production: gunicorn with the gevent worker, see README)."""
    app = current_app._get_current_object()
    scheduler = _start_in_process_scheduler(app) if app.config["RUN_SCHEDULER_IN_PROCESS"] else None
    try:
        _serve(app, host, port)
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)


@main.command("worker")
@with_appcontext
def worker() -> None:
    """Run the scheduler process (board checks now; freezes and other jobs as they are added)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from pkarena import jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    jobs.run_startup_jobs(app)
    scheduler = BlockingScheduler(timezone=app.config["PKARENA_TIMEZONE"])
    ids = jobs.schedule_all(scheduler, app)
    click.echo(f"worker started; jobs: {', '.join(ids)}")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("worker stopped")


@main.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    from pkarena.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@main.group("boards")
def boards_group() -> None:
    """Live leaderboard commands (boards are a cache of the ledger)."""


@boards_group.command("rebuild")
@with_appcontext
def boards_rebuild() -> None:
    """Recompute every live board from the ledger and replace it in the store."""
    from pkarena.extensions import db
    from pkarena.services.boards import cache as boards
    from pkarena.services.contests import standings as contest_standings

    with db.new_session() as session, _progress_bar("rebuilding boards", "board") as progress:
        count = boards.rebuild(session, _store(), progress)
        count += contest_standings.rebuild(session, _store())
    click.echo(f"rebuilt {count} boards from the ledger")


@boards_group.command("check")
@click.option("--month", default=None, metavar="YYYY-MM",
              help="Verify that month's frozen snapshots against their checksums and the ledger instead.")
@with_appcontext
def boards_check(month: str | None) -> None:
    """Compare the live boards with the ledger; exit 1 and list the drift if they differ."""
    from pkarena.extensions import db
    from pkarena.services.boards import cache as boards
    from pkarena.services.contests import standings as contest_standings

    if month is not None:
        _check_month(month)
        return
    with db.new_session() as session:
        drift = boards.check(session, _store())
        drift += [boards.Drift(*row) for row in contest_standings.check(session, _store())]
    if not drift:
        click.echo("boards match the ledger")
        return
    for row in drift[:50]:
        click.echo(f"DRIFT {row.key} member={row.member} cached={row.cached} ledger={row.ledger}")
    click.echo(f"{len(drift)} rows drifted; run `pkarena boards rebuild`", err=True)
    sys.exit(1)


@boards_group.command("freeze")
@click.option("--month", required=True, metavar="YYYY-MM", help="The finished month to freeze.")
@with_appcontext
def boards_freeze(month: str) -> None:
    """Freeze a finished month into checksummed snapshots (a second run changes nothing)."""
    from pkarena.extensions import db
    from pkarena.services.monthly import freeze

    clock = current_app.extensions["pkarena.clock"]
    with db.new_session() as session, _progress_bar(f"freezing {month}", "scope") as progress:
        try:
            scopes = freeze.freeze_month(session, clock, month, progress)
        except freeze.FreezeError as exc:
            raise click.ClickException(str(exc)) from exc
    for scope in scopes:
        state = "frozen" if scope.created else "already frozen"
        click.echo(f"{scope.scope_kind}:{scope.scope_id} rows={scope.row_count} sha256={scope.checksum} ({state})")
    click.echo(f"{month}: {sum(s.created for s in scopes)} scopes frozen now, {len(scopes)} in all")


def _check_month(month: str) -> None:
    from pkarena.extensions import db
    from pkarena.services.monthly import freeze, snapshots

    with db.new_session() as session:
        try:
            frozen = snapshots.month_headers(session, freeze.parse_month(month))
            problems = freeze.check_month(session, month, current_app.extensions["pkarena.clock"])
        except freeze.FreezeError as exc:
            raise click.ClickException(str(exc)) from exc
    if not frozen:
        click.echo(f"{month} is not frozen; run `pkarena boards freeze --month {month}`", err=True)
        sys.exit(1)
    if not problems:
        click.echo(f"{month}: {len(frozen)} snapshots match their checksums and the ledger")
        return
    for problem in problems:
        click.echo(f"MISMATCH {problem.scope_kind}:{problem.scope_id} {problem.problem} "
                   f"stored={problem.stored} expected={problem.expected}")
    click.echo(f"{len(problems)} snapshots of {month} do not verify", err=True)
    sys.exit(1)


@main.group("ledger")
def ledger_group() -> None:
    """Points ledger commands (exports)."""


@ledger_group.command("export")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month to export.")
@click.option("--csv", "csv_file", default=None, type=click.Path(dir_okay=False, writable=True),
              help="Also (or only) write the month's ledger entries as CSV to this file.")
@click.argument("xlsx_file", required=False, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def ledger_export(month: str, csv_file: str | None, xlsx_file: str | None) -> None:
    """Export a month's rankings (a sheet per scope, with checksums) and ledger to FILE.xlsx and/or CSV."""
    from pkarena.extensions import db
    from pkarena.services.monthly import freeze
    from pkarena.services.monthly import ledger_export as export

    if not xlsx_file and not csv_file:
        raise click.UsageError("give FILE.xlsx, --csv FILE.csv, or both")
    clock = current_app.extensions["pkarena.clock"]
    with db.new_session() as session:
        try:
            if xlsx_file:
                summary = export.write_xlsx(session, clock, month, xlsx_file)
                state = "frozen" if summary["frozen"] else "not frozen, rankings computed from the ledger"
                click.echo(f"{xlsx_file}: {summary['sheets']} sheets, {summary['entries']} entries ({state})")
            if csv_file:
                with open(csv_file, "w", encoding="utf-8", newline="") as handle:
                    count = export.write_csv(session, clock, month, handle)
                click.echo(f"{csv_file}: {count} entries")
        except freeze.FreezeError as exc:
            raise click.ClickException(str(exc)) from exc
