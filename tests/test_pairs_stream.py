"""The pairs file is read as it goes, one record at a time; an over-long line is an error row, not a memory spike."""

import json

from mmexplorer.engine.bulk import pairs as pairs_mod
from mmexplorer.engine.bulk.pairs import iter_pairs


def test_records_are_read_as_they_are_needed(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"image": "a.png", "text": "one"}) + "\n")
    stream = iter_pairs(path)
    first = next(stream)
    assert (first.index, first.line, first.text, first.error) == (0, 1, "one", None)
    with path.open("a") as f:  # written after the first record was handed out: a reader that had read the file whole would miss it
        f.write("\n" + json.dumps({"image": "b.png", "text": "two"}) + "\n")
    second = next(stream)
    assert (second.index, second.line, second.text) == (1, 3, "two")
    assert list(stream) == []


def test_an_over_long_line_becomes_an_error_and_the_next_line_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(pairs_mod, "MAX_LINE", 1000)
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"image": "a.png", "text": "x" * 5000}) + "\n" + json.dumps({"image": "b.png", "text": "ok"}) + "\n")
    specs = list(iter_pairs(path))
    assert [s.index for s in specs] == [0, 1]
    assert "longer than 1000 bytes" in specs[0].error
    assert specs[1].error is None and specs[1].text == "ok" and specs[1].line == 2
