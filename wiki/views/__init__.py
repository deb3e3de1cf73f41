"""Browser pages: blueprints and the error pages. (Being built: see the UI work.)"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
