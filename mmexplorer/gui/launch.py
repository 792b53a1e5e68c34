"""`mmexplorer gui`: check for a display, start Qt, show the window, then load the engine."""

from __future__ import annotations

import json
import sys

from mmexplorer.gui.clock import Stopwatch
from mmexplorer.gui.display import display_problem

TOOL_VIEWS = ("train", "compare")  # tabs added by gui.tools
SCREENSHOT_TIMEOUT_S = 300  # a screenshot run never hangs: it gives up and says so
PAINT_MS = 400  # after the first probe, time for every view to finish painting before the grab


def add_arguments(p) -> None:
    p.add_argument("--model", help="model name (see `mmexplorer models`) or checkpoint path; default: the default model")
    p.add_argument("--image", help="picture to open")
    # A picture given without --image: what a desktop launcher passes for a file dropped on the icon.
    p.add_argument("picture", nargs="?", metavar="IMAGE", help="picture to open (the same as --image)")
    p.add_argument("--text", help="the sentence")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N, mps (default: auto, or the last one used)")
    p.add_argument("--token", help="the word (or its index) to focus first (default: the first word that is not a, the, and, ...)")
    p.add_argument("--probe", metavar="NPZ", help="show a saved probe (mmexplorer probe --out, or a script's record.save) "
                   "in every view; the model controls stay off until you go back to the live model")
    p.add_argument("--results", metavar="DIR", help="open a batch run's output folder (mmexplorer probe --pairs --out-dir) "
                   "as a table of its pairs beside the views")
    from mmexplorer.gui.views.table import NAMES  # no Qt, no pyqtgraph

    p.add_argument("--view", choices=NAMES + TOOL_VIEWS, default="cross", help="the view to show first (default: cross)")
    p.add_argument("--screenshot", metavar="PNG", help="save the window to PNG once the first probe is drawn, then exit")
    p.add_argument("--force", action="store_true", help="overwrite the --screenshot file if it exists")
    p.add_argument("--size", default="1400x860", help="window size WxH for --screenshot (default: 1400x860)")
    p.add_argument("--timings", action="store_true",
                   help="print one JSON line: seconds from process start to window_shown, views_ready, model_ready, first_probe_drawn")
    p.add_argument("--lang", type=_lang_argument, metavar="LANG",
                   help="interface language: zh_CN, en or system (default: the one picked in the Language menu, else system)")


def _lang_argument(text: str) -> str:
    import argparse

    from mmexplorer.gui.i18n import parse_lang

    try:
        return parse_lang(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Screenshot:
    """Grab the window once the first probe is drawn (or once it has failed), then close it."""

    def __init__(self, explorer, path: str) -> None:
        self.explorer, self.path = explorer, path
        self.exit_code = 0
        self.done = False

    def drawn(self) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(PAINT_MS, self.save)

    def failed(self, message: str) -> None:
        from PySide6.QtCore import QTimer

        if self.done or self.exit_code or self.explorer.state.record is not None:
            return
        print(f"error: {message}", file=sys.stderr)
        self.exit_code = 2
        QTimer.singleShot(PAINT_MS, self.save)  # the window shows the message: keep that picture too

    def save(self) -> None:
        if self.done:
            return
        self.done = True
        from mmexplorer.data.files import OutputError, atomic_write_bytes
        from mmexplorer.gui.inputs import qimage_to_png

        try:  # encoded in memory, then written atomically: a full disk leaves no truncated PNG
            atomic_write_bytes(self.path, qimage_to_png(self.explorer.window.grab().toImage()))
        except OutputError as exc:
            if not self.exit_code:
                print(f"error: {exc}", file=sys.stderr)
            self.exit_code = 2
        self.explorer.window.close()


def run(args) -> int:
    clock = Stopwatch()
    if args.screenshot:
        from mmexplorer.data.files import OutputError, check_output_file

        try:  # before the window opens: never overwrite without --force, never fail only at the end
            if not args.screenshot.lower().endswith(".png"):
                raise OutputError(f"--screenshot {args.screenshot} must end in .png")
            check_output_file(args.screenshot, args.force)
        except (OutputError, FileExistsError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    problem = display_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QLocale, QTimer
    from PySide6.QtWidgets import QApplication

    from mmexplorer.gui import i18n
    from mmexplorer.gui.app import Explorer, Options
    from mmexplorer.gui.resources import app_icon
    from mmexplorer.gui.settings import Settings

    _quiet_known_qt_noise()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("mmexplorer")
    app.setOrganizationName("mmexplorer")
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    options = Options(args.model, args.image or args.picture, args.text, args.device, args.token, persist=args.screenshot is None)
    settings = Settings()
    wanted = getattr(args, "lang", None) or (settings.get(i18n.SETTING, "system") if options.persist else "system")
    lang = i18n.resolve(wanted, QLocale.system().name())
    no_font = not i18n.has_font_for(lang)
    translators = [] if no_font else i18n.install(app, lang)  # no glyphs: English beats rows of empty boxes
    explorer = Explorer(options, settings=settings, views_later=True)  # the views come once the window is up
    explorer.translators = translators
    if no_font:
        explorer.state.post_message(
            f"No installed font has Chinese characters, so the interface stays in English; "
            f"install one (Debian/Ubuntu: {i18n.CJK_FONT_PACKAGE}) and start again.", "warning")
    explorer.window.show_view(args.view)
    if not _open_saved_work(explorer, args) and args.screenshot:  # a picture of the error is no screenshot
        print(f"error: {explorer.state.last_message[0]}", file=sys.stderr)
        explorer.client.shutdown()
        return 2
    explorer.views_ready.connect(lambda: clock.mark("views_ready"))
    explorer.state.model_info_changed.connect(lambda: clock.mark("model_ready"))
    explorer.first_probe_drawn.connect(lambda: QTimer.singleShot(0, lambda: clock.mark("first_probe_drawn")))

    shot = None
    if args.screenshot:
        shot = _Screenshot(explorer, args.screenshot)
        explorer.window.resize(*_size(args.size))
        if args.view == "compare":  # the comparison runs after the first probe: wait for it (its panel comes with the views)
            explorer.views_ready.connect(lambda: explorer.tools.compare.compared.connect(shot.drawn))
        else:
            explorer.first_probe_drawn.connect(shot.drawn)
        explorer.client.failed.connect(shot.failed)
        explorer.state.catalog_changed.connect(
            lambda: shot.failed(explorer.state.last_message[0]) if explorer.state.model is None else None
        )
        QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, lambda: shot.failed(f"no probe after {SCREENSHOT_TIMEOUT_S} s"))

    # The engine process first: loading torch and the model is the longest wait, and it runs at a
    # lower priority (gui/engine_client.py), so the window's first paint does not wait for it.
    # Then the window, painted, and on the event loop's first turn the views (pyqtgraph).
    explorer.client.engine.start()
    explorer.window.show()
    app.processEvents()
    clock.mark("window_shown")
    QTimer.singleShot(0, lambda: _after_first_paint(explorer))
    code = app.exec()
    explorer.client.shutdown()
    if args.timings:
        print(json.dumps({k: clock.marks.get(k) for k in ("window_shown", "views_ready", "model_ready", "first_probe_drawn")}))
    return (shot.exit_code if shot else 0) or code


def _open_saved_work(explorer, args) -> bool:
    """--probe and --results: saved work shown before the engine's first probe (which it then never runs)."""
    ok = True
    if getattr(args, "probe", None):
        ok = explorer.window.open_probe(args.probe)
    if getattr(args, "results", None):
        browser = explorer.window.open_results_store(args.results)
        ok = ok and browser is not None and browser.store is not None
    return ok


def _after_first_paint(explorer) -> None:
    """What waits for the window to be on screen: numpy, the picture, the catalog request, the views."""
    from mmexplorer.gui.blas import use_one_blas_thread

    use_one_blas_thread()  # the window's small matrix products must not wait for the engine's busy core
    explorer.client.start()  # the engine runs already; this asks it for the model list
    explorer.build_views()


# Harmless platform-plugin chatter that would bury the one `error:` line of a screenshot run.
QT_NOISE = ("This plugin does not support propagateSizeHints()",)


def _quiet_known_qt_noise() -> None:
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message: str) -> None:
        if message not in QT_NOISE:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        return max(400, w), max(300, h)
    except ValueError:
        return 1400, 860
