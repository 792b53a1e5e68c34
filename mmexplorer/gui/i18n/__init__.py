"""The interface's languages: which one to show, and Qt translators for it.

The app's own strings are translated from `mmexplorer_<lang>.qm` next to this
file (compiled from the `.ts` source by `make translations`); Qt's standard
dialogs (file pickers, message boxes) from Qt's own `qtbase_<lang>.qm` when the
Qt installation ships it. English is the source language: it needs no file.
"""

from __future__ import annotations

from pathlib import Path

I18N_DIR = Path(__file__).resolve().parent
LANGUAGES = ("system", "en", "zh_CN")  # what --lang and the Language menu accept
SETTING = "ui/language"  # where the Language menu keeps the choice
CJK_FONT_PACKAGE = "fonts-noto-cjk"  # the Debian/Ubuntu package with Chinese glyphs

_ALIASES = {
    "system": "system", "auto": "system",
    "en": "en", "en_us": "en", "en_gb": "en", "english": "en", "c": "en",
    "zh": "zh_CN", "zh_cn": "zh_CN", "zh_hans": "zh_CN", "zh_sg": "zh_CN", "cn": "zh_CN", "chinese": "zh_CN",
}


def parse_lang(text: str) -> str:
    """'zh_CN', 'zh-CN', 'zh', 'en', 'system', ... -> one of LANGUAGES; ValueError for anything else."""
    key = str(text).strip().replace("-", "_").lower()
    if key not in _ALIASES:
        raise ValueError(f"unknown language {text!r}; expected one of {', '.join(LANGUAGES)}")
    return _ALIASES[key]


def resolve(lang: str, system_locale: str) -> str:
    """The language to show: `lang` itself, or for 'system' the one matching the locale name (e.g. 'zh_CN')."""
    if lang != "system":
        return lang
    name = system_locale.replace("-", "_").lower()
    # Only Simplified Chinese is translated; traditional-script locales read it more easily than English.
    return "zh_CN" if name.startswith("zh") else "en"


def qm_path(lang: str) -> Path:
    return I18N_DIR / f"mmexplorer_{lang}.qm"


def install(app, lang: str) -> list:
    """Install the translators for `lang` (already resolved) on `app`; returns them (keep them alive).

    An empty list means English: the source strings are shown as written.
    """
    from PySide6.QtCore import QLibraryInfo, QTranslator

    if lang == "en":
        return []
    installed = []
    own = QTranslator(app)
    if own.load(str(qm_path(lang))):
        app.installTranslator(own)
        installed.append(own)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    return installed


def remove(app, translators: list) -> None:
    for translator in translators:
        app.removeTranslator(translator)


def has_font_for(lang: str) -> bool:
    """Whether some installed font can draw `lang` (needs a QGuiApplication)."""
    if lang != "zh_CN":
        return True
    from PySide6.QtGui import QFontDatabase

    return bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
