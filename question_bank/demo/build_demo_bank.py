"""Build demo_bank.xlsx from questions.py: `python -m question_bank.demo.build_demo_bank [OUT.xlsx]`."""

from __future__ import annotations

import os
import sys
from typing import IO, Any

from question_bank.demo import DEMO_BANK
from question_bank.demo.questions import QUESTIONS
from question_bank.export import write_rows
from question_bank.types import LETTERS

SOURCE = "PK Arena 原创演示题"


def demo_row(q: dict[str, Any]) -> list[Any]:
    """One question of questions.py as a row in the template's column order."""
    options = list(q.get("options", []))
    padded = options + [None] * (len(LETTERS) - len(options))
    return [q["type"], q["stem"], *padded, q["answer"], q["explanation"], q["difficulty"], q["category"],
            "、".join(q["tags"]), q["id"], SOURCE]


def build(out: str | os.PathLike | IO[bytes] = DEMO_BANK) -> int:
    """Write the demo bank xlsx; returns the number of questions."""
    write_rows([demo_row(q) for q in QUESTIONS], out)
    return len(QUESTIONS)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else DEMO_BANK
    print(f"wrote {build(target)} questions to {target}")
