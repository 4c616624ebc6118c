"""Wheel build hook: ship the top-level templates, built assets, translations and migrations."""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SHIPPED = {
    "templates": "portal/templates",
    "static/dist": "portal/static/dist",
    "translations": "portal/translations",
    "migrations": "portal/migrations",
}


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        if not (root / "static/dist/manifest.json").is_file():
            raise RuntimeError("static/dist is not built: run `make assets` before building a wheel")
        if not any((root / "translations").glob("*/LC_MESSAGES/messages.mo")):
            raise RuntimeError("translations are not compiled: run `make i18n-compile` before building a wheel")
        for source, target in SHIPPED.items():
            build_data["force_include"][str(root / source)] = target
