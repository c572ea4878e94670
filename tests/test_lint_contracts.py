"""The import-linter contracts name modules by their last part (`guanxi.**.views_admin`): a new
views_*, api_* or services_* module must be named there too, or the contracts would not see it.
`make lint` checks the contracts themselves; this checks that they cover every module."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("views", "api", "services")


def _contract(contract_id: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == contract_id]
    return contract


def _tails(expressions: list[str]) -> set[str]:
    return {e.rsplit(".", 1)[-1] for e in expressions if e.startswith("guanxi.**.")}


def _modules_named(*prefixes: str) -> set[str]:
    return {
        path.stem if path.name != "__init__.py" else path.parent.name
        for path in (ROOT / "guanxi").rglob("*.py")
        if "migrations" not in path.parts
        and (path.stem if path.name != "__init__.py" else path.parent.name).startswith(prefixes)
    }


def test_every_views_api_and_services_module_is_named_by_the_contracts():
    forbidden_for_models = _tails(_contract("models")["forbidden_modules"])
    forbidden_for_services = _tails(_contract("services")["forbidden_modules"])
    services = _tails(_contract("services")["source_modules"])
    assert _modules_named(*KINDS) - forbidden_for_models == set()
    assert _modules_named("views", "api") - forbidden_for_services == set()
    assert _modules_named("services") - services == set()


def test_every_app_has_its_place_in_the_layers():
    """The layers contract is exhaustive too; this says it before import-linter runs."""
    layers = _contract("layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    apps = {
        path.stem if path.suffix == ".py" else path.name
        for path in (ROOT / "guanxi").iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.name != "__init__.py")
    }
    assert apps - placed == set()
