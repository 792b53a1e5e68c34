"""`mmexplorer export`: run a model on an image + text and save one view as a publication figure.

    mmexplorer export --model M --image P --text T --view V --out FIG.{png,svg,pdf}
                      [--token K] [--layer L] [--head H|mean|max] [--method raw|rollout|relevancy]
                      [--kind KIND] [--patch N] [--dpi D] [--bundle DIR] [--force] [--device D]
                      [--colormap NAME] [--levels LO,HI|auto] [--opacity A] [--picture colour|grey]
    mmexplorer export --from-bundle DIR --out FIG [--rerun] [any flag above, to change that setting]

A bundle (--bundle DIR) holds the figure, the probe npz, the maps as drawn
(figure_data.npz), a copy of the image and settings.json; each settings key
is the flag of the same name, the figure format is the --out suffix.
--from-bundle draws the figure again from the bundle's stored record, without
the model; --rerun (or a new --model, --image, --text or --device) runs the
model again instead.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from mmexplorer.cli.errors import UserInputError

VIEW_NAMES = ("overlay", "matrix", "heads", "positions", "patches")  # mmexplorer.export.VIEWS, kept light to import
KIND_NAMES = ("joint", "text", "image", "text_to_image", "image_to_text")
WORD_VIEWS = ("overlay", "heads")  # the views that map one word onto the picture
COLORMAP_NAMES = ("inferno", "viridis", "plasma", "cividis", "turbo", "grey")  # mmexplorer.colours.COLORMAPS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export",
        help="save a view as a figure (PNG, SVG, PDF), optionally with its npz and settings",
        description="Run a model on an image and text and save one view as a publication figure. "
        "The format follows the --out suffix (.png, .svg, .pdf).",
        epilog="A bundle (--bundle DIR) holds figure.<fmt>, record.npz (the probe), input.<ext> (the image), "
        "figure_data.npz (the maps as drawn) and settings.json. Each settings key is the flag of the same name (model, "
        "image, text, view, token, layer, head, method, kind, patch, dpi, colormap, levels, opacity, picture, device); "
        "format is the --out suffix. `mmexplorer export --from-bundle DIR --out FIG` makes the figure again from the "
        "stored record without the model (--rerun runs the model again); flags given with it change that setting.",
    )
    p.add_argument("--model", help="model name (see `mmexplorer models`) or checkpoint path; default: the default model")
    p.add_argument("--image", help="image file")
    p.add_argument("--text", help="the sentence")
    p.add_argument("--view", choices=VIEW_NAMES, help="which view to draw (default: overlay)")
    p.add_argument("--out", required=True, help="figure file: .png, .svg or .pdf")
    p.add_argument("--token", help="the word to show: its index (0 = first word) or the word itself (default: the first content word, as the explorer starts: 'red' in 'a red circle')")
    p.add_argument("--layer", type=int, help="layer of the attention shown (default: the last)")
    p.add_argument("--head", help="head index, 'mean', 'max' or 'min' (default: mean)")
    p.add_argument("--method", choices=("raw", "rollout", "relevancy"), help="overlay map: raw attention, rollout or relevancy (default: raw)")
    p.add_argument("--kind", choices=KIND_NAMES, help="matrix view: which attention set (default: the cross-modal one); heads view: every head's matrix of this set instead of the word's maps")
    p.add_argument("--patch", type=int, help="positions view: the patch compared with all others (default: centre); patches view: highlight it")
    p.add_argument("--dpi", type=int, help="resolution of PNG output and of images inside SVG/PDF (default: 300)")
    p.add_argument("--colormap", choices=COLORMAP_NAMES, help="colours of the maps, as the explorer offers them (default: inferno)")
    p.add_argument("--levels", metavar="LO,HI|auto", help="the colour scale; auto: the explorer's fixed levels for the view (default)")
    p.add_argument("--opacity", type=float, help="opacity of a map over the picture, 0..1 (default: 0.85, the explorer's)")
    p.add_argument("--picture", choices=("colour", "grey"), help="the picture under a map: in colour as on screen (default) or grey")
    p.add_argument("--bundle", help="also write a bundle folder: figure, record.npz, figure_data.npz, input image, settings.json")
    p.add_argument("--from-bundle", dest="from_bundle", metavar="DIR", help="take every setting from a bundle's settings.json and draw from its record")
    p.add_argument("--rerun", action="store_true", help="with --from-bundle: run the model on the bundle's input again")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N, mps (default: auto)")
    p.add_argument("--force", action="store_true", help="overwrite an existing figure file or bundle folder")


def _settings_from_args(args, base):
    """FigureSettings: the bundle's (or the defaults) with every flag the user gave on top."""
    from mmexplorer.export.settings import parse_head, parse_levels

    changes = {}
    for name in ("view", "token", "layer", "method", "kind", "patch", "dpi", "colormap", "opacity", "picture"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.head is not None:
        changes["head"] = parse_head(args.head)
    if args.levels is not None:
        changes["levels"] = parse_levels(args.levels)
    elif any(getattr(args, name) is not None for name in ("view", "token", "layer", "method", "kind", "head")):
        changes["levels"] = None  # the stored scale belonged to the stored view: take the new one's
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
    from mmexplorer.export import BundleInputs, FigureSettings, read_bundle, write_bundle
    from mmexplorer.export.figures import render_view
    from mmexplorer.export.save import figure_bytes, write_atomic

    out = Path(args.out)
    bundle = Path(args.bundle) if args.bundle else None
    if args.rerun and not args.from_bundle:
        raise UserInputError("--rerun goes with --from-bundle DIR")
    new_inputs = any(getattr(args, name) is not None for name in ("model", "image", "text", "device"))
    if args.from_bundle and not (args.rerun or new_inputs):
        return _redraw_bundle(args, out, bundle)
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
    from mmexplorer.data.words import first_content_word
    from mmexplorer.engine.probe import load_model, probe

    try:
        model, entry = load_model(inputs.model, inputs.device, download=True)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    loaded = load_image(inputs.image)
    from mmexplorer.data.image import user_notes

    for note in user_notes(loaded):
        print(f"note: {inputs.image}: {note}", file=sys.stderr)
    record = probe(model, Sample(loaded, model.tokenizer.encode(inputs.text)), relevancy=inputs.relevancy)
    if settings.token is None and settings.view in WORD_VIEWS:  # as the explorer starts: on the first content word
        settings = dataclasses.replace(settings, token=first_content_word(record.tokens))
    fig, drawn, resolved = render_view(record, loaded.pixels, settings)
    data = figure_bytes(fig, fmt, resolved.dpi)
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
        write_bundle(bundle, data, record, resolved, inputs, fmt=fmt, force=args.force, drawn=drawn)
        message += f" and bundle {bundle}"
    print(message)
    if record.unknown_words:
        from mmexplorer.cli.probe_cmd import unknown_words_note

        print(unknown_words_note(record), file=sys.stderr)
    return 0


def _redraw_bundle(args, out: Path, bundle: Path | None) -> int:
    """--from-bundle without --rerun: the figure from the bundle's record.npz and image copy, no model."""
    from mmexplorer.attention.npz import load_record
    from mmexplorer.export import BundleInputs, read_bundle, write_bundle
    from mmexplorer.export.bundle import RECORD_FILE
    from mmexplorer.export.figures import render_view
    from mmexplorer.export.save import figure_bytes, write_atomic

    folder = Path(args.from_bundle)
    inputs, base, stored = read_bundle(folder)
    settings = _settings_from_args(args, base)
    fmt = _check_outputs(out, bundle, args.force)
    record_path = folder / stored.get("record", RECORD_FILE)
    if not os.path.lexists(record_path):  # a FIFO or a device there is refused by the reader, by name
        raise UserInputError(f"{folder} has no {record_path.name}; pass --rerun to run the model again")
    try:
        record = load_record(record_path)
    except (OSError, ValueError, KeyError) as exc:
        raise UserInputError(f"{record_path} is not a probe file ({exc})") from None
    pixels = _bundle_pixels(inputs.image, record)
    fig, drawn, resolved = render_view(record, pixels, settings)
    data = figure_bytes(fig, fmt, resolved.dpi)
    write_atomic(out, data)
    message = f"wrote {out} ({resolved.view}, {record.fusion}, {fmt.upper()}, from the stored record"
    message += f", {resolved.dpi} dpi)" if fmt == "png" else ")"
    if bundle is not None:
        again = BundleInputs(model=inputs.model, image=inputs.image, text=inputs.text, model_path=inputs.model_path,
                             device=inputs.device, relevancy=inputs.relevancy)
        write_bundle(bundle, data, record, resolved, again, fmt=fmt, force=args.force, drawn=drawn)
        message += f" and bundle {bundle}"
    print(message)
    return 0


def _bundle_pixels(image: str, record):
    """The bundle's picture, or None (the figure is then drawn without one) when it is gone."""
    from mmexplorer.data.image import load_image

    if not Path(image).is_file():
        return None
    pixels = load_image(image).pixels
    return pixels if (pixels.shape[1], pixels.shape[0]) == tuple(record.image_size) else None
