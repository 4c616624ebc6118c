"""Built front-end assets, named by content hash in static/dist/manifest.json."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask, url_for


class AssetsMissing(RuntimeError):
    pass


def init_app(app: Flask) -> None:
    manifest_file = Path(app.static_folder) / "dist" / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text())
    except FileNotFoundError:
        raise AssetsMissing(
            f"{manifest_file} is missing: the front-end assets are not built. Run `make assets`."
        ) from None

    def asset_url(name: str) -> str:
        return url_for("static", filename=f"dist/{manifest[name]}")

    app.jinja_env.globals["asset_url"] = asset_url
