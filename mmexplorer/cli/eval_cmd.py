"""`mmexplorer eval`: matching accuracy, pointing game, energy, deletion and insertion on held-out shapes-world scenes."""

from __future__ import annotations

import json

from mmexplorer.cli.errors import UserInputError


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="measure matching and how well word maps localise, on held-out scenes")
    p.add_argument("--model", help="model name (see `mmexplorer models`) or checkpoint path; default: the default model")
    p.add_argument("--scenes", type=int, default=None, help="held-out scenes to evaluate (default 200; 100 with --binding)")
    p.add_argument("--seed", type=int, default=None, help="seed of the held-out scene stream (default 1000; 2000 with --binding)")
    p.add_argument("--device", default="cpu", help="auto, cpu, cuda, cuda:N, mps (default: cpu)")
    p.add_argument("--no-deletion", action="store_true", help="skip the deletion and insertion curves (faster)")
    p.add_argument("--binding", action="store_true",
                   help="evaluate binding instead: three objects sharing colour and shape words, plain and textured, "
                        "square and non-square canvases (default seed 2000, 100 scenes per condition)")
    p.add_argument("--language", choices=("en", "zh", "both"), default="en",
                   help="language of the captions (default en); both: one report per language, keyed by language")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _table(r: dict) -> str:
    m, p, e = r["matching"], r["pointing"], r["energy"]
    lines = [
        f"model {r['model']} ({r['fusion']}), {r['scenes']} held-out scenes, seed {r['seed']}",
        f"map: {r['map']}",
        f"matching accuracy: hard negatives {m['hard_accuracy']:.1%} (pairwise {m['hard_pairwise']:.1%}), easy negatives {m['easy_accuracy']:.1%}",
        f"pointing colour words: hit {p['colour']['hit']:.3f} other {p['colour']['other']:.3f} ({p['colour']['words']} words)",
        f"pointing shape nouns:  hit {p['shape']['hit']:.3f} other {p['shape']['other']:.3f} ({p['shape']['words']} words)",
        f"energy in box: colour {e['colour']:.3f} shape {e['shape']:.3f}",
    ]
    if "deletion" in r:
        d = r["deletion"]
        lines.append(f"deletion AUC (lower is better): map order {d['auc']:.3f}, random order {d['random_auc']:.3f}")
    if "insertion" in r:
        d = r["insertion"]
        lines.append(f"insertion AUC (higher is better): map order {d['auc']:.3f}, random order {d['random_auc']:.3f}")
    return "\n".join(lines)


def run(args) -> int:
    scenes = args.scenes if args.scenes is not None else (100 if args.binding else 200)
    seed = args.seed if args.seed is not None else (2000 if args.binding else 1000)
    from mmexplorer.engine.evaluate import MAX_SCENES

    if not 1 <= scenes <= MAX_SCENES:
        raise UserInputError(f"--scenes must be between 1 and {MAX_SCENES}, not {scenes}")
    from mmexplorer.engine.model_api import EvaluationUnavailable
    from mmexplorer.engine.probe import load_model

    try:
        model, entry = load_model(args.model, args.device)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    import torch

    from mmexplorer.engine.scoped import torch_threads

    languages = ("en", "zh") if args.language == "both" else (args.language,)
    reports, tables = {}, []
    with torch_threads(min(2, torch.get_num_threads())):
        for language in languages:
            try:
                if args.binding:
                    from mmexplorer.engine.evaluate_binding import binding_lines

                    report = model.evaluate_binding(scenes=scenes, seed=seed, language=language)
                    tables.append("\n".join(binding_lines(report)))
                else:
                    report = model.evaluate(scenes=scenes, seed=seed, deletion=not args.no_deletion, language=language)
                    tables.append(f"captions: {language}\n" + _table(report) if len(languages) > 1 else _table(report))
            except EvaluationUnavailable as exc:
                raise UserInputError(str(exc)) from None
            report["path"] = entry.path
            reports[language] = report
    out = reports[languages[0]] if len(languages) == 1 else reports
    print(json.dumps(out) if args.json else "\n\n".join(tables))
    return 0
