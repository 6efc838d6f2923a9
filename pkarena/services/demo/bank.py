"""The demo question bank (question_bank/demo/demo_bank.xlsx), loaded through the ordinary importer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from question_bank.demo import DEMO_BANK
from question_bank.importer import ImportReport, import_file


def load_demo_bank(session: Session, now: datetime | None = None) -> ImportReport:
    """Import the demo bank all-or-nothing and commit; a second call skips every question."""
    return import_file(session, DEMO_BANK, DEMO_BANK.name, now=now)
