"""The demo question bank: questions.py (source), build_demo_bank.py, and the committed demo_bank.xlsx."""

from __future__ import annotations

from pathlib import Path

DEMO_BANK = Path(__file__).with_name("demo_bank.xlsx")
