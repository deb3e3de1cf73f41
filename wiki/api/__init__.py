"""The JSON API under /api/v1. (Being built.)"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
