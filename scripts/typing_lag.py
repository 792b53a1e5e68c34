"""How long the window stalls while a sentence is typed at machine speed (65 characters a second).

Starts the explorer on a bundled model, waits for its first map, then types a
sentence into the caption box one key every 1/65 s, while a 2 ms timer
records how late the event loop answers. Prints the longest and the 95th
percentile stall during the typing and during the second after it (when the
debounced probe's result is drawn). Run:

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python scripts/typing_lag.py [--model hybrid] [--rate 65]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="hybrid")
    parser.add_argument("--rate", type=float, default=65.0, help="characters per second")
    parser.add_argument("--text", default="a green triangle, a yellow circle and a red square on the left of a blue circle")
    args = parser.parse_args()

    from PySide6.QtCore import QElapsedTimer, QTimer, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from mmexplorer.gui.app import Explorer, Options

    app = QApplication(sys.argv)
    explorer = Explorer(Options(model=args.model, persist=False))
    explorer.window.resize(1280, 800)
    explorer.start()
    deadline = time.monotonic() + 120
    while explorer.state.result is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    if explorer.state.result is None:
        print("error: no first probe", file=sys.stderr)
        return 2
    box = explorer.window.inputs.text
    box.setFocus()
    box.clear()
    explorer.state.set_inputs(text="")

    gaps: list[tuple[float, float]] = []  # (time since start, gap) in ms
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append((now, now - last[0]))
        last[0] = now

    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(tick)
    timer.start()
    period = 1.0 / args.rate
    start = time.monotonic()
    for i, ch in enumerate(args.text):
        while time.monotonic() < start + i * period:  # keys are due on schedule, however late the loop is
            app.processEvents()
        QTest.keyClick(box, ch)
        app.processEvents()
    typed_ms = clock.elapsed()
    late = (time.monotonic() - start) - len(args.text) * period
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()

    def summary(values):
        values = sorted(v for v in values)
        return (values[-1], values[int(0.95 * (len(values) - 1))]) if values else (0.0, 0.0)

    during = summary([g for t, g in gaps if t <= typed_ms])
    after = summary([g for t, g in gaps if t > typed_ms])
    print(f"typed {len(args.text)} characters at {args.rate:g}/s; keys finished {late * 1000:.0f} ms behind schedule")
    print(f"event-loop stall while typing: max {during[0]:.0f} ms, 95th percentile {during[1]:.0f} ms")
    print(f"event-loop stall in the 1.5 s after: max {after[0]:.0f} ms, 95th percentile {after[1]:.0f} ms")
    print(f"text in the box matches what was typed: {box.text() == args.text}")
    explorer.client.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
