"""Display names of ledger sources and award reasons for pages: the engine's registry, translated lazily."""

from __future__ import annotations

from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from pkarena.engine import sources

# msgids are the registry's Chinese texts (marked with N_ in engine/sources.py).
SOURCE_LABELS: dict[str, LazyString] = {key: _l(entry.label) for key, entry in sources.SOURCES.items()}
PLAY_LABELS: dict[str, LazyString] = {key: SOURCE_LABELS[key] for key in sources.of_kind("solo", "queue")}


def reason_label(source: str, reason: str | None) -> str:
    """The translated sentence for an award's reason code ("" for none), in the registry's one wording."""
    text = sources.reason_text(source, reason)
    # A code the registry does not word (none today) is left off the page rather than shown raw.
    return str(_l(text)) if text and text != reason else ""


def register_label_globals(app: Flask) -> None:
    """Expose `source_labels` (a table) and `reason_label(source, reason)` to every template."""

    @app.context_processor
    def _labels() -> dict:
        return {"source_labels": SOURCE_LABELS, "reason_label": reason_label}
