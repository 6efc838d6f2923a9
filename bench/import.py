"""Question import bench: a 10,000-row .xlsx and .csv through `import_file`, against a bare pass of the reader.

In one run and one process, for each file: `question_bank.tabular.read_table` alone (the baseline),
`question_bank.importer.import_file` into an empty SQLite file and into an empty PostgreSQL database
(a scratch database, migrated, dropped afterwards), and the same import again (every row skipped).
The ratio is import time ÷ bare read time of the same file; the issue's goal is ≤ 3 s and ≤ 2×.

    python bench/import.py
    python bench/import.py --rows 10000 --rounds 3 --postgres postgresql+psycopg://user@host:5432/db
    python bench/import.py --backends postgresql --profile 30   # cProfile of one csv import and re-import
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import preflight  # bench/, the script's own folder
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pkarena.database import make_engine  # noqa: E402
from pkarena.migrate import upgrade  # noqa: E402
from question_bank.export import HEADERS, write_rows  # noqa: E402
from question_bank.importer import import_file  # noqa: E402
from question_bank.rows import FIELDS  # noqa: E402
from question_bank.tabular import read_table  # noqa: E402

DEFAULT_PG = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:55432/pkarena_test")
BENCH_DB = f"pkarena_bench_import_{os.getpid()}"  # two benches on one server never drop each other's database
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

# Material for plausible questions in the demo bank's five subjects (the serial keeps every stem distinct).
SUBJECTS = {
    "安全生产/用电安全": ("配电箱检修前", "临时用电线路", "漏电保护器", "电动工具使用", "高处作业用电"),
    "安全生产/消防": ("干粉灭火器", "消防通道", "电气火灾", "疏散演练", "动火作业审批"),
    "通信基础/5G": ("5G 基站", "毫米波频段", "网络切片", "边缘计算", "大规模天线"),
    "材料科学/金属制品": ("不锈钢", "铝合金型材", "镀锌钢板", "淬火工艺", "焊缝检测"),
    "中国地理与文化": ("长江流域", "二十四节气", "黄土高原", "京杭大运河", "青藏高原"),
}
ASPECTS = ("首要要求", "常见误区", "正确做法", "关键指标", "检查要点", "基本原理", "主要风险", "适用条件")
PHRASES = ("应当先断电并挂牌上锁", "必须由持证人员操作", "需要每月检查一次", "不得超过额定负荷", "应保持畅通无阻",
           "可以提高传输速率", "能够降低时延", "强度随温度升高而下降", "表面需做防腐处理", "属于季风气候区",
           "位于我国西南部", "与农事活动密切相关", "须进行书面登记", "应使用专用工具", "要佩戴绝缘手套")


def make_rows(count: int, seed: int = 7) -> list[list[str]]:
    """`count` rows in the template's column order, the four types in turn, with realistic Chinese text."""
    rng = random.Random(seed)
    rows = []
    subjects = list(SUBJECTS.items())
    for n in range(1, count + 1):
        category, topics = subjects[n % len(subjects)]
        topic, aspect = rng.choice(topics), rng.choice(ASPECTS)
        picks = rng.sample(PHRASES, 6)
        kind = ("单选", "多选", "判断", "填空")[n % 4]
        options = [""] * 8
        if kind == "单选":
            stem = f"关于{topic}的{aspect}，下列说法正确的是（ ）。（第{n}题）"
            options[:4] = picks[:4]
            answer = "ABCD"[n % 4]
        elif kind == "多选":
            stem = f"关于{topic}的{aspect}，下列哪些说法是正确的？（第{n}题）"
            options[:5] = picks[:5]
            answer = ",".join(sorted(rng.sample("ABCDE", rng.randint(2, 4))))
        elif kind == "判断":
            stem = f"{topic}的{aspect}：{picks[0]}。（第{n}题）"
            answer = rng.choice(("对", "错", "正确", "错误", "√", "×"))
        else:
            stem = f"{topic}的{aspect}是__，其次是__。（第{n}题）"
            answer = f"{picks[0][:4]};{picks[0][:3]}|{picks[1][:4]}"
        rows.append([kind, stem, *options, answer, f"依据相关规程，{topic}{picks[5]}。", str(1 + n % 5), category,
                     f"{topic}、{aspect}", f"BENCH-{n:05d}", "班组安全学习题库"])
    return rows


def write_files(rows: list[list[str]], folder: Path) -> dict[str, Path]:
    """The rows as a template-layout .xlsx and as a GB18030 CSV (what Excel on Chinese Windows saves)."""
    xlsx, csv_path = folder / "bench.xlsx", folder / "bench.csv"
    write_rows(rows, xlsx)
    with csv_path.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return {"xlsx": xlsx, "csv": csv_path}


def timed(action: Callable[[], object]) -> tuple[tuple[float, float], object]:
    """((wall seconds, this process's CPU seconds), result): CPU time is what a shared machine's load leaves alone."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    return (time.perf_counter() - start, time.process_time() - cpu), result


class Backend:
    """An empty migrated database per import: a fresh SQLite file, or the scratch PostgreSQL database truncated."""

    def __init__(self, name: str, folder: Path, pg_url: str) -> None:
        self.name, self.folder, self.pg_url = name, folder, pg_url
        self.engine = None
        self.count = 0
        if name == "postgresql":
            self.admin_url = pg_url.rsplit("/", 1)[0] + "/postgres"
            self.url = pg_url.rsplit("/", 1)[0] + "/" + BENCH_DB
            self._admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)', f'CREATE DATABASE "{BENCH_DB}"')
            upgrade(self.url)
        else:
            self.template = folder / "template.sqlite3"
            upgrade(f"sqlite:///{self.template}")

    def _admin(self, *statements: str) -> None:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
        admin.dispose()

    def empty(self) -> sessionmaker[Session]:
        """A session factory on an empty bank (the engine is the app's: make_engine)."""
        if self.engine is not None:
            self.engine.dispose()
        if self.name == "postgresql":
            self.engine = make_engine(self.url)
            with self.engine.begin() as conn:
                conn.execute(text("TRUNCATE qb_answer_log, qb_question_version, qb_question, qb_category "
                                  "RESTART IDENTITY CASCADE"))
        else:
            self.count += 1
            path = self.folder / f"bank{self.count}.sqlite3"
            path.write_bytes(self.template.read_bytes())
            self.engine = make_engine(f"sqlite:///{path}")
        return sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        if self.name == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def run_import(factory: sessionmaker[Session], path: Path, rows: int, *,
               expect_created: bool) -> tuple[float, float]:
    with factory() as session:
        seconds, report = timed(lambda: import_file(session, path, path.name, max_rows=rows + 1, now=NOW))
    assert report.ok, report.errors[:3]
    if expect_created:
        assert report.created == rows, (report.created, report.skipped)
    else:
        assert report.skipped == rows and report.created == report.updated == 0, report.as_json()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="median of this many rounds")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="any database URL on the server to use")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="instead of the table: cProfile one csv import and re-import into the first backend, "
                             "print the top N")
    args = parser.parse_args()
    if "postgresql" in args.backends.split(","):
        preflight.postgres(args.postgres)
    with tempfile.TemporaryDirectory(prefix="pkarena-import-bench-") as tmp:
        folder = Path(tmp)
        rows = make_rows(args.rows)
        files = write_files(rows, folder)
        sizes = {k: p.stat().st_size for k, p in files.items()}
        print(f"{args.rows} rows; xlsx {sizes['xlsx'] / 1e6:.2f} MB, csv (GB18030) {sizes['csv'] / 1e6:.2f} MB; "
              f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        if args.profile:
            backend = Backend(args.backends.split(",")[0], folder, args.postgres)
            try:
                factory = backend.empty()
                for again in (False, True):
                    profiler = cProfile.Profile()
                    profiler.runcall(run_import, factory, files["csv"], args.rows, expect_created=not again)
                    print("re-import" if again else "import", f"into {backend.name}")
                    pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(args.profile)
            finally:
                backend.close()
            return
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        backends = [Backend(name, folder, args.postgres) for name in args.backends.split(",")]
        try:
            for _ in range(args.rounds):
                for kind, path in files.items():
                    seconds, table = timed(lambda p=path: read_table(p, p.name, FIELDS, preferred_sheet="题库",
                                                                     max_rows=args.rows + 1))
                    assert len(table.rows) == args.rows and not table.problems, table.problems[:3]
                    results.setdefault((kind, "read_table (bare)"), []).append(seconds)
                    for backend in backends:
                        factory = backend.empty()
                        results.setdefault((kind, f"import → {backend.name}"), []).append(
                            run_import(factory, path, args.rows, expect_created=True))
                        results.setdefault((kind, f"re-import → {backend.name} (all skipped)"), []).append(
                            run_import(factory, path, args.rows, expect_created=False))
        finally:
            for backend in backends:
                backend.close()
        print_table(results, args.rows)


def print_table(results: dict[tuple[str, str], list[tuple[float, float]]], rows: int) -> None:
    """Median wall seconds (min–max), median CPU seconds, rows/s, the ratios to the same file's bare read, and the
    CPU µs per row the import spends beyond that read (validation, planning, writes: what the importer owns)."""
    print("\n| file | step | wall s, median (min–max) | CPU s | rows/s | ÷ bare read (wall) | ÷ bare read (CPU) "
          "| CPU µs/row beyond the read | goal ≤ 3 s and ≤ 2× |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for (kind, step), values in results.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        bare = results[(kind, "read_table (bare)")]
        ratio = wall / statistics.median(v[0] for v in bare)
        cpu_ratio = cpu / statistics.median(v[1] for v in bare)
        beyond = "—" if step.startswith("read_table") else f"{(cpu - statistics.median(v[1] for v in bare)) / rows * 1e6:,.0f}"
        goal = "—" if step.startswith("read_table") else ("met" if wall <= 3 and ratio <= 2 else "NOT met")
        print(f"| {kind} | {step} | {wall:.2f} ({min(v[0] for v in values):.2f}–{max(v[0] for v in values):.2f}) | "
              f"{cpu:.2f} | {rows / wall:,.0f} | {ratio:.2f}× | {cpu_ratio:.2f}× | {beyond} | {goal} |")


if __name__ == "__main__":
    main()
