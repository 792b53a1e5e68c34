"""Downloading a Hugging Face model for File › Open from Hugging Face…, with a cancellable progress dialog.

The download runs on a thread of its own in the window's process: it is
huggingface_hub writing files into the standard cache (no torch), and the
engine then opens the id from that cache as it opens any cached id. Progress
is the bytes written so far against the bytes announced so far (each file
announces its size when it starts), so the bar can step back a little as new
files start.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

MB = 1 << 20


def unreachable_text(repo_id: str, host: str) -> str:
    return QCoreApplication.translate(
        "HubDownload", "{id} is not in the local Hugging Face cache and {host} cannot be reached: connect to the network "
                       "and try again, or copy the model there with `huggingface-cli download {id}` where there is one."
    ).format(id=repo_id, host=host)


class HubDownload(QObject):
    progressed = Signal(int, int)  # bytes written, bytes announced (from the download thread)
    finished = Signal(str, str, bool)  # repo id, error message ("" when it arrived), cancelled

    def __init__(self, parent: QWidget, download: Optional[Callable] = None) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.download = download  # hub_snapshot-like; None: mmexplorer.hub.hub_snapshot
        self.dialog: Optional[QProgressDialog] = None
        self.thread: Optional[threading.Thread] = None
        self._cancel = threading.Event()
        self.progressed.connect(self._show_progress)
        self.finished.connect(self._close)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self, repo_id: str) -> bool:
        """Start downloading `repo_id` (False while another download runs)."""
        if self.running:
            return False
        self._cancel.clear()
        dialog = QProgressDialog(self.tr("Downloading {id} from Hugging Face…").format(id=repo_id), self.tr("Cancel"),
                                 0, 0, self.parent_widget)  # busy until the first file announces its size
        dialog.setWindowTitle(self.tr("Open from Hugging Face"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.show()
        self.dialog, self.repo_id = dialog, repo_id
        self.thread = threading.Thread(target=self._run, args=(repo_id,), name="hub-download", daemon=True)
        self.thread.start()
        return True

    def cancel(self) -> None:
        """Stop at the next chunk; what arrived stays in the cache and resumes next time."""
        self._cancel.set()
        if self.dialog is not None:
            self.dialog.setLabelText(self.tr("Stopping the download of {id}…").format(id=self.repo_id))

    def wait(self, timeout: float = 30.0) -> None:
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self, repo_id: str) -> None:
        from mmexplorer.hub import DownloadCancelled, HubUnreachable, hub_snapshot

        download = self.download or hub_snapshot
        try:
            download(repo_id, True, progress=lambda done, total: self.progressed.emit(done, total),
                     cancelled=self._cancel.is_set)
        except DownloadCancelled as exc:
            self.finished.emit(repo_id, str(exc), True)
        except HubUnreachable as exc:  # no network: said at once, in the interface's language
            self.finished.emit(repo_id, unreachable_text(exc.repo_id, exc.host), False)
        except Exception as exc:  # offline, not found, gated: one message naming the id and how to get it
            self.finished.emit(repo_id, str(exc) or type(exc).__name__, False)
        else:
            self.finished.emit(repo_id, "", False)

    def _show_progress(self, done: int, total: int) -> None:
        dialog = self.dialog
        if dialog is None or total <= 0 or self._cancel.is_set():
            return
        dialog.setMaximum(max(1, total // MB))
        dialog.setValue(min(done, total) // MB)
        dialog.setLabelText(self.tr("Downloading {id} from Hugging Face: {done} of {total} MB").format(
            id=self.repo_id, done=done // MB, total=max(1, total // MB)))

    def _close(self, *_args) -> None:
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
