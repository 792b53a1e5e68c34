"""Save a screenshot of the cell panel explaining one cross-attention weight (offscreen, no display needed).

The bundled cross model, a sample picture and caption; the focused word's
brightest patch is clicked in the cross-modal view, and the window is grabbed
once the panel shows the explanation.
Usage: python scripts/cell_screenshot.py [--out PNG] [--model NAME] [--token WORD] [--size WxH]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PICTURE = ROOT / "mmexplorer" / "resources" / "samples" / "three-shapes.png"
TEXT = "a green triangle, a yellow circle and a red square"
PAINT_MS = 600  # time for the panel's plots to paint before the grab
TIMEOUT_MS = 300_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "cell.png"))
    parser.add_argument("--model", default="cross", help="a model with cross-modal attention (default: cross)")
    parser.add_argument("--token", default="yellow")
    parser.add_argument("--head", type=int, default=0)
    parser.add_argument("--size", default="1600x1150")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.TemporaryDirectory()  # settings go here; the models come from MMEXPLORER_HOME as given
    os.environ.setdefault("MMEXPLORER_HOME", home.name)  # unset: an empty user folder, the bundled models only

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from mmexplorer.gui.app import Explorer, Options
    from mmexplorer.gui.settings import Settings

    app = QApplication.instance() or QApplication([])
    settings = Settings(QSettings(str(Path(home.name) / "explorer.ini"), QSettings.Format.IniFormat))
    explorer = Explorer(Options(model=args.model, image=str(PICTURE), text=TEXT, token=args.token, persist=False),
                        settings=settings)
    window, state = explorer.window, explorer.state
    window.resize(*(int(v) for v in args.size.lower().split("x")))
    window.show_view("cross")
    outcome = {"code": 1}

    def click() -> None:
        state.select(reduction="head", head=args.head)
        view = window.views["cross"]
        view.redraw()
        view.image.patch_clicked.emit(int(view.shown_patch()))  # the word's brightest patch

    def grab(_result=None) -> None:
        def save() -> None:
            ok = window.grab().save(args.out, "PNG")
            print(f"{args.out}: {'ok' if ok else 'could not write'}")
            outcome["code"] = 0 if ok else 2
            window.close()
            app.quit()
        QTimer.singleShot(PAINT_MS, save)

    def give_up(message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        outcome["code"] = 2
        window.close()
        app.quit()

    explorer.first_probe_drawn.connect(lambda: QTimer.singleShot(100, click))
    explorer.cells.client.explained.connect(grab)
    explorer.cells.client.failed.connect(give_up)
    explorer.client.failed.connect(give_up)
    QTimer.singleShot(TIMEOUT_MS, lambda: give_up("no explanation after 300 s"))
    explorer.start()
    app.exec()
    explorer.client.shutdown()
    return outcome["code"]


if __name__ == "__main__":
    sys.exit(main())
