"""The lock files in requirements/ match pyproject.toml: every requirement there (the dependencies,
the test and postgres extras, and what building the portal needs) has a pinned, hashed entry whose
version it accepts, every package those entries need is locked too, the lock holds nothing that no
requirement pulls in, and production gets the very files the tests ran on.

What each locked package needs is read from its installed metadata, so these tests run in an
environment installed from requirements/dev.txt (`make venv`). They need no network and no
conftest (`make venv` runs them with --noconftest, before the portal's own imports are tried).

After changing a dependency in pyproject.toml: `make lock`, then `make venv` installs it.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = ROOT / "requirements"
BUILD_REQUIRES = ROOT / "scripts" / "build-requires"
# What each lock is resolved from (the Makefile's `lock` target): the extras added to the
# dependencies, and whether what building the portal needs is in it (scripts/build-requires).
LOCKS = {
    "dev.txt": (("test", "postgres"), True),
    "production.txt": (("postgres",), False),
}
# Production must install what the tests ran on.
SUBSET_OF = {"production.txt": "dev.txt"}
HASH_RE = re.compile(r"sha256:[0-9a-f]{64}")

# The lock is one universal resolution for Python 3.12 and newer: a requirement counts when its
# marker holds on any of these platforms, interpreters and versions.
PLATFORMS = tuple(
    {
        "sys_platform": platform,
        "platform_system": system,
        "os_name": os,
        "platform_machine": machine,
    }
    for platform, system, os, machine in (
        ("linux", "Linux", "posix", "x86_64"),
        ("linux", "Linux", "posix", "aarch64"),
        ("darwin", "Darwin", "posix", "arm64"),
        ("win32", "Windows", "nt", "AMD64"),
    )
)
INTERPRETERS = (
    {"implementation_name": "cpython", "platform_python_implementation": "CPython"},
    {"implementation_name": "pypy", "platform_python_implementation": "PyPy"},
)
PYTHONS = ("3.12", "3.13", "3.14", "3.15")
ENVIRONMENTS = [
    {
        **default_environment(),
        **platform,
        **interpreter,
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_version": f"{python}.0",
    }
    for platform, interpreter, python in itertools.product(PLATFORMS, INTERPRETERS, PYTHONS)
]


@dataclass(frozen=True)
class Pin:
    """One entry of a lock file: `name==version ; marker --hash=sha256:...`."""

    requirement: Requirement
    hashes: tuple[str, ...]
    line: int

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def version(self) -> Version | None:
        """The pinned version, or None when the entry is not pinned with a plain ==."""
        specifiers = list(self.requirement.specifier)
        if (
            len(specifiers) == 1
            and specifiers[0].operator == "=="
            and "*" not in specifiers[0].version
        ):
            return Version(specifiers[0].version)
        return None


def read_lock(path: Path) -> tuple[dict[str, Pin], list[str]]:
    """The entries of a lock file by canonical name, and what is wrong with its shape."""
    pins: dict[str, Pin] = {}
    problems = []
    logical, start = "", 0
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, raw in enumerate([*lines, ""], start=1):
        text = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not logical:
            start = number
        logical += " " + text.removesuffix("\\")
        if text.endswith("\\"):
            continue
        entry, logical = logical.strip(), ""
        if not entry:
            continue
        where = f"{path.name}:{start}"
        if entry.startswith("-"):
            problems.append(f"{where}: an option in the lock ({entry.split()[0]})")
            continue
        spec, *hashes = entry.split(" --hash=")
        spec = spec.strip()
        pin = Pin(Requirement(spec), tuple(h.strip() for h in hashes), start)
        if pin.version is None:
            problems.append(f"{where}: {spec} is not pinned to one version with ==")
        if not pin.hashes or not all(HASH_RE.fullmatch(h) for h in pin.hashes):
            problems.append(f"{where}: {pin.name} has no sha256 hash for every file")
        if pin.name in pins:
            problems.append(f"{where}: {pin.name} is locked twice")
        pins[pin.name] = pin
    return pins, problems


def requirements_of(pyproject: Path, extras: tuple[str, ...], build: bool) -> list[Requirement]:
    """What pyproject.toml asks for: the dependencies, these extras and maybe what building needs
    (asked of the installed build backend, in pyproject's folder)."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    wanted = list(data["project"].get("dependencies", []))
    optional = data["project"].get("optional-dependencies", {})
    for extra in extras:
        wanted += optional[extra]
    if build:
        asked = subprocess.run(
            [sys.executable, BUILD_REQUIRES],
            cwd=pyproject.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        assert asked.returncode == 0, f"scripts/build-requires failed:\n{asked.stderr}"
        wanted += asked.stdout.split("\n")
    return [Requirement(text) for text in wanted if text.strip()]


def applies(marker: Marker | None, extras: frozenset[str]) -> bool:
    """Whether a requirement with this marker is wanted on some platform the lock covers."""
    if marker is None:
        return True
    return any(
        marker.evaluate({**environment, "extra": extra})
        for environment in ENVIRONMENTS
        for extra in (extras or {""})
    )


def installed_requirements(pin: Pin) -> list[Requirement] | None:
    """What a locked package needs, from its installed metadata; None when it is not installed
    here because its marker leaves this platform out (colorama on Windows, say)."""
    try:
        dist = importlib.metadata.distribution(pin.name)
    except importlib.metadata.PackageNotFoundError:
        if pin.requirement.marker is not None and not pin.requirement.marker.evaluate():
            return None
        raise AssertionError(
            f"{pin.name} is locked for this platform but not installed: run `make venv`"
        ) from None
    if Version(dist.version) != pin.version:
        raise AssertionError(
            f"{pin.name} {dist.version} is installed, the lock says {pin.version}: run `make venv`"
        )
    return [Requirement(text) for text in dist.requires or ()]


def lock_problems(pyproject: Path, lock: Path, extras: tuple[str, ...], build: bool) -> list[str]:
    """Every way the lock and pyproject.toml disagree, as sentences; empty when they agree."""
    pins, problems = read_lock(lock)
    reached: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [
        ("pyproject.toml", r)
        for r in requirements_of(pyproject, extras, build)
        if applies(r.marker, frozenset())
    ]
    while todo:
        wanted_by, requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        pin = pins.get(name)
        if pin is None:
            problems.append(f"{requirement} (wanted by {wanted_by}) is not in {lock.name}")
            continue
        reached.add(name)
        if pin.version is not None and not requirement.specifier.contains(
            pin.version, prereleases=True
        ):
            problems.append(
                f"{lock.name} locks {name}=={pin.version}, but {wanted_by} wants {requirement}"
            )
        key = (name, frozenset(requirement.extras))
        if key in seen or pin.version is None:
            continue
        seen.add(key)
        for needed in installed_requirements(pin) or ():
            if applies(needed.marker, frozenset(requirement.extras)):
                todo.append((name, needed))
    problems += [
        f"{lock.name}:{pins[name].line}: {name} is locked, but no requirement pulls it in"
        for name in sorted(set(pins) - reached)
    ]
    return problems


# --- The lock files as they are -----------------------------------------------------------------


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_lock_matches_pyproject(lock):
    extras, build = LOCKS[lock]
    problems = lock_problems(PYPROJECT, REQUIREMENTS / lock, extras, build)
    assert not problems, (
        f"requirements/{lock} does not match pyproject.toml; run `make lock`:\n  "
        + "\n  ".join(problems)
    )


def test_every_lock_file_pins_and_hashes_every_package():
    files = sorted(REQUIREMENTS.glob("*.txt"))
    assert {f.name for f in files} >= set(LOCKS), f"lock files missing from {REQUIREMENTS}"
    problems = [problem for path in files for problem in read_lock(path)[1]]
    assert not problems, "\n  ".join(
        ["lock files that pip --require-hashes would refuse:", *problems]
    )


@pytest.mark.parametrize("lock, whole", sorted(SUBSET_OF.items()))
def test_production_installs_the_files_the_tests_ran_on(lock, whole):
    part, _ = read_lock(REQUIREMENTS / lock)
    everything, _ = read_lock(REQUIREMENTS / whole)
    differ = [
        f"{name}: {pin.version} in {lock}, "
        + (f"{everything[name].version} in {whole}" if name in everything else f"not in {whole}")
        for name, pin in sorted(part.items())
        if name not in everything
        or (everything[name].version, set(everything[name].hashes))
        != (pin.version, set(pin.hashes))
    ]
    assert not differ, f"{lock} and {whole} lock different files:\n  " + "\n  ".join(differ)


# --- The check fails when pyproject.toml changes and the lock does not --------------------------


@pytest.fixture
def scratch(tmp_path):
    """A copy of pyproject.toml (with the build hook it names) and the dev lock to change."""
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    shutil.copy(ROOT / "hatch_build.py", tmp_path / "hatch_build.py")
    shutil.copy(REQUIREMENTS / "dev.txt", tmp_path / "dev.txt")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}: update this test"
    path.write_text(text.replace(old, new), encoding="utf-8")


def dev_problems(folder: Path) -> list[str]:
    return lock_problems(folder / "pyproject.toml", folder / "dev.txt", *LOCKS["dev.txt"])


def test_the_scratch_copy_agrees_before_it_is_changed(scratch):
    assert dev_problems(scratch) == []


# (what changes in pyproject.toml, into what, words the problem found must contain)
CHANGES = {
    "floor-raised": ('"Babel>=2.15"', '"Babel>=99"', ("locks babel==", "wants Babel>=99")),
    "dependency-added": (
        '"PyYAML>=6.0",',
        '"PyYAML>=6.0", "Flask-Caching>=2",',
        ("Flask-Caching>=2 (wanted by pyproject.toml) is not in dev.txt",),
    ),
    "dependency-dropped": ('"zxcvbn>=4.4.28",', "", ("zxcvbn is locked, but no requirement",)),
    # a test tool dropped: what only it needs goes too
    "test-tool-dropped": (
        '"pip-audit>=2.7",',
        "",
        ("cyclonedx-python-lib is locked, but no requirement",),
    ),
    "extra-added": (
        '"psycopg[binary]>=3.1"]',
        '"psycopg[binary,pool]>=3.1"]',
        ("psycopg-pool", "(wanted by psycopg) is not in dev.txt"),
    ),
    "backend-changed": (
        'requires = ["hatchling>=1.25"]',
        'requires = ["flit_core>=3.9"]',
        ("flit_core>=3.9 (wanted by pyproject.toml) is not in dev.txt",),
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_to_pyproject_alone_is_caught(scratch, change):
    old, new, words = CHANGES[change]
    edit(scratch / "pyproject.toml", old, new)
    problems = dev_problems(scratch)
    assert any(all(w in problem for w in words) for problem in problems), problems


def test_an_unpinned_or_unhashed_entry_is_caught(scratch):
    lock = scratch / "dev.txt"
    text = lock.read_text(encoding="utf-8")
    # zxcvbn==X becomes zxcvbn>=X; polib loses its hashes.
    text = re.sub(r"^zxcvbn==", "zxcvbn>=", text, count=1, flags=re.MULTILINE)
    polib = re.search(r"^(polib==\S+) \\\n(?:    --hash=\S+(?: \\)?\n)+", text, re.MULTILINE)
    lock.write_text(text.replace(polib[0], f"{polib[1]}\n"), encoding="utf-8")
    problems = dev_problems(scratch)
    assert any(re.search(r"zxcvbn>=\S+ is not pinned", p) for p in problems), problems
    assert any("polib has no sha256 hash" in p for p in problems), problems
