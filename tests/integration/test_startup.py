"""A broken catalog or configuration stops start-up with one clear line naming the problem."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.catalog import CatalogError

SERVICES = Path(__file__).resolve().parents[2] / "portal" / "catalog" / "services"
CLI = Path(sys.executable).parent / "civic-portal"


def broken_catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    shutil.copytree(SERVICES, folder)
    pothole = folder / "pothole.yaml"
    pothole.write_text(pothole.read_text().replace("datatype: address", "datatype: adress", 1))
    return folder


def test_create_app_names_the_file_and_field(tmp_path, app_settings):
    with pytest.raises(CatalogError, match=r"pothole\.yaml: questions\[0\]\.datatype: 'adress'"):
        create_app({**app_settings, "CATALOG_DIR": str(broken_catalog(tmp_path))})


def test_command_line_start_up_error_is_one_clear_line(tmp_path):
    env = {**os.environ, "CATALOG_DIR": str(broken_catalog(tmp_path)), "INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([str(CLI), "migrate"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "Civic Portal cannot start:" in result.stderr and "pothole.yaml: questions[0].datatype" in result.stderr


@pytest.mark.parametrize("name", ["UPLOAD_RATE_LIMIT", "TRACK_RATE_LIMIT"])
def test_a_rate_limit_that_does_not_parse_stops_start_up(monkeypatch, app_settings, name):
    from portal.config import ConfigError

    monkeypatch.setenv(name, "as many as you like")
    with pytest.raises(ConfigError, match=name):
        create_app(app_settings)
