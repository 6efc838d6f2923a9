"""The one QR-code helper of the web layer (invite links, screen URLs, the kiosk's join code)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, *, scale: int = 4, border: int | None = None, omitsize: bool = False) -> Markup:
    """An inline SVG QR code of `url` (segno output is markup we generate, safe to embed).

    `omitsize` leaves width and height to the page's CSS (the kiosk scales it to the screen).
    """
    return Markup(segno.make(url, error="m").svg_inline(scale=scale, border=border, title=url, omitsize=omitsize))
