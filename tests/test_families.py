"""One place per family: every strategy and pretrained family is declared once and known everywhere through the
registry alone (the CLI, the fusion buttons' term table, the explainer, batch probing, bundle stages)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mmexplorer import families

PACKAGE = Path(__file__).resolve().parents[1] / "mmexplorer"


def test_the_registry_lists_each_family_once_with_a_consistent_declaration():
    names = families.names()
    assert len(names) == len(set(names))
    assert families.bundled_names() == ("early", "cross", "hybrid", "late", "contrastive")  # the fusion buttons' order
    for family in families.families():
        assert families.get(family.name) is family
        assert family.spec.note and family.origin in ("bundled", "pretrained")
        if family.bundled:
            assert family.network and family.stages, family.name  # builds a network, ships a trained model
        else:
            assert family.architectures or family.file_suffixes, family.name  # recognisable on disk
    with pytest.raises(ValueError, match="unknown fusion 'sideways'"):
        families.get("sideways")


def test_every_bundled_strategy_is_known_to_the_cli_training_and_bundle_through_the_registry():
    from mmexplorer.cli import build_parser
    from mmexplorer.engine.bundle import BUNDLE
    from mmexplorer.engine.recipes import recipe

    parser = build_parser()
    train = next(a for a in parser._subparsers._group_actions[0].choices["train"]._actions if a.dest == "fusion")
    assert tuple(train.choices) == families.bundled_names()
    for family in families.bundled():
        assert BUNDLE[family.name] == [dict(s) for s in family.stages]
        assert recipe("default", family.name).fusion == family.name


def test_every_pretrained_family_is_found_from_its_config_and_explains_cells_where_declared():
    for family in families.pretrained():
        for arch in family.architectures:
            assert families.for_hf_config([arch], None) is family
        for suffix in family.file_suffixes:
            assert families.for_file_suffix(suffix.upper()) is family
    assert families.for_hf_config(["SomethingElse"], "clip") is None  # a named architecture is never guessed
    assert families.for_hf_config([], "clip").name == "hf-clip"


def test_a_family_added_at_run_time_is_found_by_the_loader_and_then_forgotten(tmp_path):
    from mmexplorer.engine.external.loader import is_external
    from mmexplorer.spec import FusionSpec

    extra = families.Family(
        spec=FusionSpec("test-added", "image-only", None, "none", "a family the test adds"),
        origin="pretrained", implementation="mmexplorer.engine.external.hf_vit", architectures=("TestAdded",))
    families.register(extra)
    try:
        assert is_external("test-added") and families.for_hf_config(["TestAdded"], None) is extra
    finally:
        families.unregister("test-added")
    assert families.find("test-added") is None and not is_external("test-added")


def _literal_name_lists(tree: ast.AST, names: set[str]):
    """Tuple, list, set and dict literals naming two or more families: a second list of them."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        else:
            continue
        found = {e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)} & names
        if len(found) >= 2:
            yield node.lineno, sorted(found)


def test_no_module_outside_the_families_keeps_a_list_of_family_names():
    names = set(families.names())
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "families" in path.relative_to(PACKAGE).parts:
            continue
        if path.name == "spec.py":  # the fusion categories the product explains; each family belongs to one
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(PACKAGE)}:{line} {found}" for line, found in _literal_name_lists(tree, names)]
    assert not offenders, "name lists outside mmexplorer/families:\n" + "\n".join(offenders)
