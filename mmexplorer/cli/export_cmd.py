"""`mmexplorer export`: run a model on an image + text and save one view as a publication figure.

    mmexplorer export --model M --image P --text T --view V --out FIG.{png,svg,pdf}
                      [--token K] [--layer L] [--head H|mean|max] [--method raw|rollout|relevancy]
                      [--kind KIND] [--patch N] [--dpi D] [--bundle DIR] [--force] [--device D]
    mmexplorer export --from-bundle DIR --out FIG [any flag above, to change that setting]

A bundle (--bundle DIR) holds the figure, the probe npz, a copy of the image
and settings.json; each settings key is the flag of the same name, the
figure format is the --out suffix. --from-bundle runs the same model on the
same input with the same settings again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mmexplorer.cli.errors import UserInputError

VIEW_NAMES = ("overlay", "matrix", "heads", "positions", "patches")  # mmexplorer.export.VIEWS, kept light to import
KIND_NAMES = ("joint", "text", "image", "text_to_image", "image_to_text")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export",
        help="save a view as a figure (PNG, SVG, PDF), optionally with its npz and settings",
        description="Run a model on an image and text and save one view as a publication figure. "
        "The format follows the --out suffix (.png, .svg, .pdf).",
        epilog="A bundle (--bundle DIR) holds figure.<fmt>, record.npz (the probe), input.<ext> (the image) and "
        "settings.json. Each settings key is the flag of the same name (model, image, text, view, token, layer, "
        "head, method, kind, patch, dpi, device); format is the --out suffix. "
        "`mmexplorer export --from-bundle DIR --out FIG` makes the figure again; flags given with it change that setting.",
    )
    p.add_argument("--model", help="model name (see `mmexplorer models`) or checkpoint path; default: the default model")
    p.add_argument("--image", help="image file")
    p.add_argument("--text", help="the sentence")
    p.add_argument("--view", choices=VIEW_NAMES, help="which view to draw (default: overlay)")
    p.add_argument("--out", required=True, help="figure file: .png, .svg or .pdf")
    p.add_argument("--token", help="the word to show: its index (0 = first word) or the word itself (default: the first word)")
    p.add_argument("--layer", type=int, help="layer of the attention shown (default: the last)")
    p.add_argument("--head", help="head index, 'mean' or 'max' (default: mean)")
    p.add_argument("--method", choices=("raw", "rollout", "relevancy"), help="overlay map: raw attention, rollout or relevancy (default: raw)")
    p.add_argument("--kind", choices=KIND_NAMES, help="matrix view: which attention set (default: the cross-modal one)")
    p.add_argument("--patch", type=int, help="positions view: the patch compared with all others (default: centre); patches view: highlight it")
    p.add_argument("--dpi", type=int, help="resolution of PNG output and of images inside SVG/PDF (default: 300)")
    p.add_argument("--bundle", help="also write a bundle folder: figure, record.npz, input image, settings.json")
    p.add_argument("--from-bundle", dest="from_bundle", metavar="DIR", help="take every setting from a bundle's settings.json")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N, mps (default: auto)")
    p.add_argument("--force", action="store_true", help="overwrite an existing figure file or bundle folder")


def _settings_from_args(args, base):
    """FigureSettings: the bundle's (or the defaults) with every flag the user gave on top."""
    from mmexplorer.export.settings import parse_head

    changes = {}
    for name in ("view", "token", "layer", "method", "kind", "patch", "dpi"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.head is not None:
        changes["head"] = parse_head(args.head)
    return dataclasses.replace(base, **changes)


def _check_outputs(out: Path, bundle: Path | None, force: bool) -> str:
    from mmexplorer.export.save import format_of

    from mmexplorer.data.files import check_output_file, check_output_folder

    fmt = format_of(out)
    if out.is_dir():
        raise UserInputError(f"{out} is a folder; --out must be a figure file")
    check_output_file(out, force)  # exists, a file where a folder should be, read-only, special files
    if bundle is not None:
        if bundle.exists() and not bundle.is_dir():
            raise UserInputError(f"--bundle {bundle} exists and is not a folder")
        if bundle.is_dir() and any(bundle.iterdir()) and not force:
            raise FileExistsError(f"{bundle} exists; pass --force to overwrite")
        check_output_folder(bundle)
    return fmt


def run(args) -> int:
    from mmexplorer.export.errors import ExportError

    try:
        return _run(args)
    except ExportError as exc:
        raise UserInputError(str(exc)) from None


def _run(args) -> int:
    from mmexplorer.export import BundleInputs, FigureSettings, read_bundle, render_figure, write_bundle
    from mmexplorer.export.save import figure_bytes, write_atomic
    from mmexplorer.export.settings import resolve_settings

    out = Path(args.out)
    bundle = Path(args.bundle) if args.bundle else None
    if args.from_bundle:
        inputs, base, stored = read_bundle(args.from_bundle)
        if args.text is not None and args.token is None and stored.get("token_text"):
            base = dataclasses.replace(base, token=stored["token_text"])  # a new text: find the same word in it
        inputs = BundleInputs(
            model=args.model or inputs.model,
            image=args.image or inputs.image,
            text=inputs.text if args.text is None else args.text,
            device=args.device or inputs.device,
            relevancy=inputs.relevancy,
        )
    else:
        if not args.image or args.text is None:
            raise UserInputError("give --image and --text (or --from-bundle DIR)")
        inputs = BundleInputs(model=args.model, image=args.image, text=args.text, device=args.device or "auto")
        base = FigureSettings()
    settings = _settings_from_args(args, base)
    fmt = _check_outputs(out, bundle, args.force)

    # the slow part, only after every cheap check has passed
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model, probe

    try:
        model, entry = load_model(inputs.model, inputs.device)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    loaded = load_image(inputs.image)
    record = probe(model, Sample(loaded, model.tokenizer.encode(inputs.text)), relevancy=inputs.relevancy)
    resolved = resolve_settings(record, settings)
    data = figure_bytes(render_figure(record, loaded.pixels, resolved), fmt, resolved.dpi)
    write_atomic(out, data)
    message = f"wrote {out} ({resolved.view}, {record.fusion}, {fmt.upper()}"
    message += f", {resolved.dpi} dpi)" if fmt == "png" else ")"
    if bundle is not None:
        device = str(next(model.parameters()).device)
        inputs = BundleInputs(
            model=inputs.model or entry.name,
            image=str(Path(inputs.image).resolve()),
            text=inputs.text,
            model_path=str(Path(entry.path).resolve()),
            device=device,
            relevancy=inputs.relevancy,
        )
        write_bundle(bundle, data, record, resolved, inputs, fmt=fmt, force=args.force)
        message += f" and bundle {bundle}"
    print(message)
    return 0
