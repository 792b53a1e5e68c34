"""`mmexplorer models [--json]`: bundled and user models."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list bundled and user models")
    p.add_argument("--json", action="store_true", help='print {"default": NAME, "models": [...]}')


def run(args) -> int:
    from mmexplorer.engine.catalog import default_model_name, list_models

    models = list_models()
    default = default_model_name()
    if args.json:
        print(json.dumps({"default": default, "models": [m.to_dict() for m in models]}))
        return 0
    if not models:
        print("no models installed (run `make models` or `mmexplorer train`)")
        return 0
    width = max(len(m.name) for m in models)
    for m in models:
        mark = "*" if m.name == default else " "
        print(f"{mark} {m.name:<{width}}  {m.fusion:<12} {m.source:<8} {m.path}")
    return 0
