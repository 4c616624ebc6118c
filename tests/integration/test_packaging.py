"""The portal as it is deployed: a wheel installed with the locked packages of
requirements/production.txt in a fresh virtual environment, gunicorn in production mode, and
refusing to start without a secret key.

These tests build a wheel, install packages and start server processes, so they are slow; they
need the built assets and compiled translations (`make test` makes both first). Every server
listens on 127.0.0.1 only and is stopped in a finally block.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from portal.config import SETTINGS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT_BIN = Path(sys.executable).parent
LOCALES = ("es", "ar")
STYLESHEET_RE = re.compile(r'<link rel="stylesheet" href="([^"]+)"')

# Variables that would make a child process read the checkout, or another configuration.
INHERITED_OUT = {s.name for s in SETTINGS} | {
    "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "FLASK_APP", "FLASK_DEBUG", "TEST_DATABASE_URL",
}


def clean_env(bin_dir: Path | None = None, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_OUT}
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.update(settings)
    return env


def run(args, *, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_ok(args, **kwargs) -> subprocess.CompletedProcess:
    result = run(args, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10):
    """(status, headers, body) of a GET, without raising on 4xx/5xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def gunicorn(bin_dir: Path, *, cwd: Path, env: dict, workers: int, log: Path):
    """A gunicorn serving create_app() on a free 127.0.0.1 port; yields its base URL once /healthz answers 200."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "5", "portal:create_app()"],
            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
                try:
                    if get(f"{base}/healthz", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer /healthz within 60 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield base
        finally:
            stop(process)


# --- The wheel ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # As `make wheel`: built by the locked build backend installed beside the tests.
    run_ok([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, ROOT],
           cwd=ROOT, env=clean_env())
    built = list(out.glob("civic_portal-*.whl"))
    assert len(built) == 1, built
    return built[0]


def test_wheel_ships_templates_assets_translations_migrations_and_catalog(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        manifest = archive.read("portal/static/dist/manifest.json").decode()
    for required in [
        "portal/__init__.py",
        "portal/templates/layouts/base.html",
        "portal/static/dist/manifest.json",
        "portal/migrations/env.py",
        "portal/catalog/services/pothole.yaml",
        *(f"portal/translations/{locale}/LC_MESSAGES/messages.mo" for locale in LOCALES),
    ]:
        assert required in names, f"{required} is not in {wheel.name}"
    for logical, path in json.loads(manifest).items():
        assert f"portal/static/dist/{path}" in names, f"manifest names {logical} -> {path}, not in the wheel"
    assert not any(n.startswith(("portal/static/src/", "node_modules/", "tests/")) for n in names)


def test_installed_wheel_migrates_and_serves_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    site = tmp_path / "site"  # the working folder: no checkout anywhere near it
    site.mkdir()
    run_ok([sys.executable, "-m", "venv", venv], cwd=tmp_path, env=clean_env())
    bin_dir = venv / "bin"
    env = clean_env(bin_dir)
    # As the README's production install: the locked packages, then the wheel without dependencies.
    run_ok([bin_dir / "python", "-m", "pip", "install", "--quiet", "--require-hashes",
            "-r", ROOT / "requirements" / "production.txt"], cwd=tmp_path, env=env, timeout=600)
    run_ok([bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-deps", wheel],
           cwd=tmp_path, env=env)
    run_ok([bin_dir / "python", "-m", "pip", "check"], cwd=tmp_path, env=env)  # the lock suffices

    where = run_ok([bin_dir / "python", "-c", "import portal; print(portal.__file__)"], cwd=site, env=env)
    installed = Path(where.stdout.strip())
    assert installed.is_relative_to(venv), f"portal imported from {installed}, not from the new venv"
    assert not installed.is_relative_to(ROOT)

    run_ok([bin_dir / "civic-portal", "migrate"], cwd=site, env=env)
    assert (site / "instance" / "portal.db").is_file()
    loaded = run_ok([bin_dir / "civic-portal", "load-catalog"], cwd=site, env=env)
    assert "pothole" in loaded.stdout

    with gunicorn(bin_dir, cwd=site, env=env, workers=1, log=tmp_path / "gunicorn.log") as base:
        status, _headers, body = get(f"{base}/")
        assert status == 200
        status, _headers, body = get(f"{base}/?lang=ar")
        page = body.decode()
        assert status == 200
        assert 'dir="rtl"' in page and 'lang="ar"' in page
        stylesheet = STYLESHEET_RE.search(page)
        assert stylesheet, "no stylesheet on the Arabic home page"
        status, headers, css = get(f"{base}{stylesheet.group(1)}")
        assert status == 200 and headers.get_content_type() == "text/css" and len(css) > 1000


# --- Production mode ----------------------------------------------------------------------------

@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    database = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'production.db'}"
    return clean_env(
        CHECKOUT_BIN,
        PORTAL_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(36),  # 48 characters
        DATABASE_URL=database,
        INSTANCE_PATH=str(tmp_path / "instance"),
    )


def test_gunicorn_in_production_mode_sends_the_security_headers(production_env, tmp_path):
    assert len(production_env["SECRET_KEY"]) == 48
    run_ok([CHECKOUT_BIN / "civic-portal", "migrate"], cwd=tmp_path, env=production_env)
    with gunicorn(CHECKOUT_BIN, cwd=tmp_path, env=production_env, workers=2,
                  log=tmp_path / "gunicorn.log") as base:
        status, headers, body = get(f"{base}/healthz")
        assert status == 200 and b'"ok"' in body
        status, headers, _body = get(f"{base}/")
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        # COOKIE_SECURE defaults to on in production.
        cookies = headers.get_all("Set-Cookie") or []
        assert all("Secure" in cookie for cookie in cookies), cookies


def _without_secret(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != "SECRET_KEY"}


def test_production_refuses_to_start_without_a_secret_key(production_env, tmp_path):
    result = run([CHECKOUT_BIN / "civic-portal", "migrate"], cwd=tmp_path, env=_without_secret(production_env),
                 timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_gunicorn_stops_instead_of_restarting_workers_without_a_secret_key(production_env, tmp_path):
    """A worker that cannot start must stop gunicorn, not be restarted again and again."""
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(CHECKOUT_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{free_port()}", "portal:create_app()"],
            cwd=tmp_path, env=_without_secret(production_env), stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        finally:
            stop(process)
    output = log.read_text()
    boots = output.count("Booting worker")
    assert boots <= 4, f"gunicorn booted {boots} workers, restarting them again and again:\n{output[-1500:]}"
    assert process.returncode not in (0, -signal.SIGTERM), output[-2000:]
    assert "SECRET_KEY" in output
