"""The lock files that `make` installs from pin every dependency pyproject.toml names."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", re.MULTILINE)


def pins(lock_name: str) -> dict[str, str]:
    text = (ROOT / lock_name).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(
    ("lock_name", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")]
)
def test_lock_pins_every_dependency_of_pyproject(lock_name, extra):
    locked = pins(lock_name)
    stale = [
        str(requirement)
        for requirement in declared(extra)
        if locked.get(canonicalize_name(requirement.name), "none") not in requirement.specifier
    ]
    assert not stale, f"{lock_name} lacks {stale}: run `make lock`"


def test_runtime_lock_pins_the_same_versions_as_the_dev_lock():
    dev = pins("requirements-dev.lock")
    differing = {name: v for name, v in pins("requirements.lock").items() if dev.get(name) != v}
    assert not differing, f"run `make lock`: {differing}"
