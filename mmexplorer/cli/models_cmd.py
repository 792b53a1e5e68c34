"""`mmexplorer models [--json]`: bundled and user models."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list bundled and user models")
    p.add_argument("--json", action="store_true", help='print {"default": NAME, "models": [...]}')


def run(args) -> int:
    from mmexplorer.engine.catalog import USER_PREFIX, default_model_name, list_models

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
    renamed = [m.name for m in models if m.name.startswith(USER_PREFIX)]
    if renamed:
        print(f"note: {', '.join(renamed)}: your model(s) share a bundled model's name; pick them by the name shown")
    return 0
