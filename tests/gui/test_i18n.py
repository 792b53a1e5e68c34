"""The interface in Chinese: the compiled translation, the window with zh_CN, and --lang."""

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mmexplorer.gui import i18n

TS = i18n.I18N_DIR / "mmexplorer_zh_CN.ts"
PLACEHOLDERS = re.compile(r"\{\w*\}|%[vmn]")
MNEMONIC = re.compile(r"(?<!&)&(?=[^\s&])")  # "&File"; not "a & b" nor a literal "&&"


def _messages(path: Path):
    """(context, source, translation element) of every current message of a .ts file."""
    for ctx in ET.parse(path).getroot().iter("context"):
        name = ctx.find("name").text
        for m in ctx.iter("message"):
            tr = m.find("translation")
            if tr.get("type") not in ("obsolete", "vanished"):
                yield name, m.find("source").text, tr


@pytest.fixture
def chinese(qapp):
    """zh_CN translators installed on the application for one test."""
    installed = i18n.install(qapp, "zh_CN")
    yield installed
    i18n.remove(qapp, installed)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_qm_translates_menus_and_views_to_chinese(qapp):
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(i18n.qm_path("zh_CN")))
    expected = {
        ("MainWindow", "&File"): "文件(&F)",
        ("MainWindow", "&View"): "视图(&V)",
        ("Tools", "&Edit"): "编辑(&E)",
        ("LanguageMenu", "&Language"): "语言(&L)",
        ("Views", "Cross-modal"): "跨模态",
        ("Views", "Self-attention"): "自注意力",
        ("Summary", "position encoding"): "位置编码",
        ("Summary", "hard parameter sharing"): "硬参数共享",
        ("Kinds", "cross: text → image"): "交叉注意力：文本 → 图像",
    }
    for (context, source), chinese in expected.items():
        assert translator.translate(context, source) == chinese, source
    # the view explanations use the standard terms
    contains = {
        ("Explain", "early"): ["早期融合", "特征级融合"],
        ("Explain", "late"): ["晚期融合", "决策级融合", "跨模态注意力"],
        ("Explain", "hybrid"): ["混合融合"],
        ("Explain", "contrastive"): ["对比学习", "余弦相似度", "不是注意力"],
        ("ViewControls", "Attention rollout (all layers)"): ["注意力展开"],
        ("ViewControls", "Gradient-weighted relevancy"): ["梯度加权相关性"],
    }
    from mmexplorer import families

    for (context, key), words in contains.items():
        source = families.spec(key).note if context == "Explain" else key
        text = translator.translate(context, source)
        assert all(w in text for w in words), (text, words)


def test_every_message_is_translated_and_keeps_its_placeholders(qapp):
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(i18n.qm_path("zh_CN")))
    messages = list(_messages(TS))
    assert len(messages) > 250
    for context, source, tr in messages:
        assert tr.get("type") is None and tr.text, f"untranslated: {context}: {source!r}"
        assert sorted(PLACEHOLDERS.findall(source)) == sorted(PLACEHOLDERS.findall(tr.text)), source
        assert len(MNEMONIC.findall(source)) == len(MNEMONIC.findall(tr.text)), f"menu mnemonic: {source!r}"
        # the shipped .qm is compiled from this .ts
        assert translator.translate(context, source) == tr.text, f"the .qm is older than the .ts: {source!r}"


def _lupdate() -> str | None:
    here = Path(sys.executable).parent / "pyside6-lupdate"
    return str(here) if here.exists() else shutil.which("pyside6-lupdate")


@pytest.mark.skipif(_lupdate() is None, reason="pyside6-lupdate is not installed with this PySide6")
def test_every_string_of_the_code_is_in_the_ts(tmp_path):
    gui = Path(i18n.__file__).resolve().parents[1]
    fresh = tmp_path / "fresh.ts"
    subprocess.run([_lupdate(), *map(str, sorted(gui.rglob("*.py"))), "-locations", "none", "-ts", str(fresh)],
                   check=True, capture_output=True, timeout=120)
    in_code = {(c, s) for c, s, _ in _messages(fresh)}
    in_ts = {(c, s) for c, s, _ in _messages(TS)}
    assert in_code - in_ts == set(), "run `make translations` and translate the new strings"


def test_the_window_in_chinese(make_explorer, chinese, qtbot):
    explorer = make_explorer(model="test-late")
    window = explorer.window
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["文件(&F)", "探测(&P)", "视图(&V)", "编辑(&E)", "语言(&L)", "帮助(&H)"]
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == ["跨模态", "自注意力", "图像块与位置", "注意力头", "模型", "训练", "比较"]
    # the export entries still land in the File menu, found by name rather than by its (translated) title
    file_entries = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "导出图形(&E)…" in file_entries and file_entries[-1] == "退出(&Q)"
    note = window.views["cross"].note.text()
    assert "晚期融合" in note and "没有任何跨模态注意力" in note
    assert _has_cjk(window.views["cross"].label.text())  # the engine's map label, translated where shown
    assert window.model_bar.fusion_buttons["late"].text() == "晚期"


def test_engine_labels_are_translated_where_shown(chinese):
    from mmexplorer.gui.i18n.terms import map_label

    label = "'red': joint attention, word row → patch columns, layer 3, head mean"
    assert map_label(label) == "'red': 联合注意力，词所在行 → 图像块所在列，第 3 层，各头平均"
    assert map_label("p4: cross-attention image→text, layer 0, head 1") == "p4: 交叉注意力 图像→文本，第 0 层，头 1"
    assert map_label("something new") == "something new"  # unknown labels are shown as the engine wrote them


def test_english_labels_stay_as_the_engine_wrote_them(qapp):
    from mmexplorer.gui.i18n.terms import map_label

    label = "'red': joint attention, word row → patch columns, layer 3, head mean"
    assert map_label(label) == label


def test_the_language_menu_remembers_the_choice(make_explorer, settings):
    explorer = make_explorer(model="test-early")
    menu = explorer.language
    assert [a.text() for a in menu.menu.actions()] == ["System", "English", "中文"]
    assert menu.actions["system"].isChecked()
    menu.actions["zh_CN"].trigger()
    assert settings.get(i18n.SETTING) == "zh_CN" and menu.actions["zh_CN"].isChecked()
    assert "Restart" in explorer.window.messages.text and "中文" in explorer.window.messages.text


@pytest.mark.parametrize("text, lang", [("zh_CN", "zh_CN"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("ZH_cn", "zh_CN"),
                                        ("en", "en"), ("en_US", "en"), ("system", "system")])
def test_lang_argument(text, lang):
    from mmexplorer.cli import build_parser

    assert build_parser().parse_args(["gui", "--lang", text]).lang == lang
    assert build_parser().parse_args(["gui"]).lang is None  # then the Language menu's choice, else the system's


def test_an_unknown_lang_is_a_usage_error(capsys):
    from mmexplorer.cli import main

    assert main(["gui", "--lang", "klingon"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "klingon" in err and "zh_CN" in err


@pytest.mark.parametrize("locale, lang", [("zh_CN", "zh_CN"), ("zh_TW", "zh_CN"), ("en_GB", "en"), ("de_DE", "en"), ("C", "en")])
def test_system_language(locale, lang):
    assert i18n.resolve("system", locale) == lang
    assert i18n.resolve("en", "zh_CN") == "en" and i18n.resolve("zh_CN", "en_US") == "zh_CN"


# The wheel's copy of the .qm is checked in tests/test_install.py, which builds the wheel once for every check.


def test_qt_standard_dialogs_are_translated_when_qt_ships_chinese(chinese):
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    qtbase = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)) / "qtbase_zh_CN.qm"
    assert len(chinese) == (2 if qtbase.is_file() else 1)  # ours always; Qt's own where the Qt installation has it
    if qtbase.is_file():
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"


def test_every_family_label_and_note_is_translated(qapp):
    """The .ts is keyed by each family's declared English label and note (mmexplorer/families, read by lupdate):
    every one of them has its Chinese, so no fusion button or view note stays English."""
    from PySide6.QtCore import QTranslator

    from mmexplorer import families

    translator = QTranslator()
    assert translator.load(str(i18n.qm_path("zh_CN")))
    for family in families.families():
        assert translator.translate("Explain", family.spec.note), family.name
        if family.label:
            assert translator.translate("Terms", family.label), family.name
