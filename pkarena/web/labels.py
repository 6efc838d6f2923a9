"""Display names of ledger sources and award reasons: one table for every page (msgids in Chinese)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

SOURCE_LABELS = {
    "daily": _l("每日答题"), "challenge": _l("挑战答题"), "pk1v1": _l("双人对战"), "pk4": _l("四人赛"),
    "live": _l("现场PK"), "manual": _l("积分制"), "adjustment": _l("积分更正"),
}
REASON_LABELS = {
    "daily_cap": _l("今日该项积分已达上限"), "match_limit": _l("今日对战积分已达上限"),
    "bot": _l("与机器人对战不计分"), "forfeited": _l("中途退出，本场不计分"),
}


def register_label_globals(app: Flask) -> None:
    """Expose the tables to every template as `source_labels` and `reason_labels`."""

    @app.context_processor
    def _labels() -> dict:
        return {"source_labels": SOURCE_LABELS, "reason_labels": REASON_LABELS}
