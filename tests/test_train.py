"""Training: the loss goes down, objectives are recorded, cancel never leaves a partial file."""

from __future__ import annotations

import json
import math

import pytest
import torch

from mmexplorer.cli import main
from mmexplorer.engine.recipes import TrainSettings, recipe
from mmexplorer.engine.train import learning_rate, train, training
from mmexplorer.models.checkpoint import load_checkpoint, read_checkpoint

TINY = {"width": 32, "depth": 1, "unimodal_depth": 1, "heads": 2, "image_size": 64, "patch_size": 8}


def tiny(fusion: str = "early", **changes) -> TrainSettings:
    base = dict(fusion=fusion, steps=40, batch_scenes=8, lr=3e-3, threads=1, model=TINY, checkpoint_every=1000)
    base.update(changes)
    return TrainSettings(**base)


def _mean(values) -> float:
    return sum(values) / len(values)


def test_short_run_lowers_the_loss(tmp_path):
    result = train(tiny(steps=60), tmp_path / "m.safetensors")
    losses = [p.loss for p in result.history]
    assert len(losses) == 60 and not result.cancelled
    assert _mean(losses[-10:]) < _mean(losses[:10]) - 0.2
    grounding = [p.losses["grounding"] for p in result.history]
    assert _mean(grounding[-10:]) < _mean(grounding[:10])
    model = load_checkpoint(result.path)
    assert model.cfg.width == 32 and "grounding" in model.cfg.objectives


def test_progress_reports_every_step(tmp_path):
    seen = list(training(tiny(steps=5), tmp_path / "m.safetensors"))
    assert [p.step for p in seen] == [1, 2, 3, 4, 5]
    assert all(p.total == 5 and 0 <= p.accuracy <= 1 and p.eta >= 0 and p.elapsed > 0 for p in seen)
    assert seen[-1].eta == 0 and seen[-1].checkpoint is not None


def test_cancel_before_any_checkpoint_leaves_nothing(tmp_path):
    out = tmp_path / "m.safetensors"
    calls = []
    result = train(tiny(steps=50), out, on_progress=calls.append, should_stop=lambda: len(calls) >= 3)
    assert result.cancelled and result.steps == 3 and result.path is None
    assert list(tmp_path.iterdir()) == [], "no checkpoint, no temporary file"


def test_cancel_keeps_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "m.safetensors"
    calls = []
    result = train(tiny(steps=50, checkpoint_every=4), out, on_progress=calls.append, should_stop=lambda: len(calls) >= 7)
    assert result.cancelled and result.steps == 7 and result.path == str(out)
    # the checkpoint and its training state (for --resume), nothing partial
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors", "m.train-state.json", "m.train-state.safetensors"]
    _, _, extra = read_checkpoint(out)
    assert extra["steps_done"] == 4, "the checkpoint is the one of step 4, untouched by the cancel"
    assert json.loads((tmp_path / "m.train-state.json").read_text())["step"] == 4
    load_checkpoint(out)


def test_a_failing_save_leaves_the_previous_file(tmp_path, monkeypatch):
    import errno
    import os

    from mmexplorer.data.files import OutputError

    out = tmp_path / "m.safetensors"
    train(tiny(steps=2), out)
    before = out.read_bytes()
    real_write = os.write

    def disk_full(fd, data):  # the disk fills up as soon as a checkpoint is written
        if len(data) > 1000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(OutputError, match="disk is full"):
        train(tiny(steps=2, seed=3), out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors", "m.train-state.json", "m.train-state.safetensors"]


def test_no_grounding_and_mlm_are_recorded(tmp_path):
    result = train(tiny(steps=3, grounding=False, mlm=True), tmp_path / "m.safetensors")
    cfg = load_checkpoint(result.path).cfg
    assert "grounding" not in cfg.objectives and cfg.objectives["mlm"]
    assert "mlm" in result.history[-1].losses and "grounding" not in result.history[-1].losses


@pytest.mark.parametrize("fusion", ["cross", "hybrid", "contrastive", "late"])
def test_every_fusion_trains(tmp_path, fusion):
    result = train(tiny(fusion, steps=2), tmp_path / "m.safetensors")
    model = load_checkpoint(result.path)
    assert model.cfg.fusion == fusion
    assert ("grounding" in result.history[-1].losses) == (fusion != "late")


def test_hard_sharing_multitask(tmp_path):
    result = train(tiny(steps=3, tasks=("itm", "vqa")), tmp_path / "m.safetensors")
    model = load_checkpoint(result.path)
    assert model.cfg.tasks == ("itm", "vqa") and model.cfg.sharing == "hard" and model.vqa_head is not None
    assert "vqa" in result.history[-1].losses and "tie" not in result.history[-1].losses
    assert [p.name for p in (tmp_path).iterdir() if ".train-state." not in p.name] == ["m.safetensors"]


def test_soft_sharing_ties_two_backbones(tmp_path):
    result = train(tiny(steps=3, tasks=("itm", "vqa"), sharing="soft"), tmp_path / "m.safetensors")
    assert result.history[-1].losses["tie"] > 0
    model = load_checkpoint(result.path)
    assert model.cfg.sharing == "soft" and model.cfg.objectives["vqa"]["sharing"] == "soft"
    companion = load_checkpoint(tmp_path / "m-vqa.safetensors")
    assert companion.cfg == model.cfg
    differs = any(not torch.equal(a, b) for a, b in zip(model.state_dict().values(), companion.state_dict().values()))
    assert differs, "two backbones, not one"


def test_schedule_warms_up_then_decays():
    s = TrainSettings(steps=100, lr=1e-3, warmup=0.1, min_lr_ratio=0.1)
    lrs = [learning_rate(s, i) for i in range(100)]
    assert lrs[0] < lrs[5] < lrs[9] == pytest.approx(1e-3)
    assert lrs[50] < lrs[10] and lrs[-1] == pytest.approx(1e-4, rel=0.05)
    assert all(not math.isnan(v) for v in lrs)


def test_recipes():
    assert recipe("quick", "early").steps < recipe("default", "early").steps
    assert recipe("no-grounding", "cross").grounding is False
    assert recipe("default", "early", lr=None, steps=7).steps == 7
    with pytest.raises(ValueError):
        recipe("nope", "early")
    with pytest.raises(ValueError):
        TrainSettings(sharing="soft")  # soft sharing needs a second task


def test_cli_refuses_to_overwrite_and_bad_input(tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    out.write_bytes(b"keep me")
    assert main(["train", "--fusion", "early", "--out", str(out), "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "--force" in err[0]
    assert out.read_bytes() == b"keep me"
    assert main(["train", "--fusion", "nope", "--out", str(tmp_path / "x.safetensors")]) == 2
    assert main(["train", "--fusion", "early", "--out", str(tmp_path / "x.safetensors"), "--steps", "0"]) == 2
    assert main(["train", "--fusion", "early", "--out", str(tmp_path / "x.pt")]) == 2
    assert main(["train", "--fusion", "early", "--out", str(tmp_path / "x.safetensors"), "--tasks", "vqa"]) == 2
    assert main(["train", "--fusion", "early", "--out", str(tmp_path / "x.safetensors"), "--sharing", "soft"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 5 and all(line.startswith("error:") for line in err)
    assert not (tmp_path / "x.safetensors").exists()


def test_cli_trains_with_a_progress_line(tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    code = main(["train", "--fusion", "late", "--out", str(out), "--steps", "2", "--batch-size", "2", "--seed", "3", "--device", "cpu"])
    assert code == 0
    captured = capsys.readouterr()
    assert "2/2" in captured.err and "loss" in captured.err and "eta" in captured.err
    assert str(out) in captured.out
    _, _, extra = read_checkpoint(out)
    assert extra["settings"]["seed"] == 3 and json.dumps(extra)


def test_continue_from_a_checkpoint(tmp_path):
    first = train(tiny(steps=3), tmp_path / "a.safetensors").path
    before = load_checkpoint(first).state_dict()
    second = train(tiny(steps=1, lr=1e-9, warmup=0.0, init_from=first), tmp_path / "b.safetensors").path
    after = load_checkpoint(second).state_dict()
    assert all(torch.allclose(before[k], after[k], atol=1e-5) for k in before), "starts from the given weights"
    with pytest.raises(ValueError):
        train(tiny("cross", steps=1, init_from=first), tmp_path / "c.safetensors")


def test_training_leaves_torch_threads_and_global_rng_as_it_found_them(tmp_path):
    threads = torch.get_num_threads()
    wanted = 1 if threads != 1 else 2  # a thread count different from the caller's
    rng_before = torch.get_rng_state()
    seen_between_steps = []
    for _ in training(tiny(steps=3, threads=wanted), tmp_path / "m.safetensors"):
        # between steps, the consumer (the explorer's other work, the next test) runs with its own settings
        seen_between_steps.append((torch.get_num_threads(), torch.equal(torch.get_rng_state(), rng_before)))
    assert seen_between_steps == [(threads, True)] * 3
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), rng_before)


def test_training_is_reproducible_whatever_the_caller_did_to_the_global_rng(tmp_path):
    torch.manual_seed(123)
    first = train(tiny(steps=3), tmp_path / "a.safetensors")
    torch.manual_seed(456)
    torch.rand(10)
    second = train(tiny(steps=3), tmp_path / "b.safetensors")
    assert [p.loss for p in first.history] == [p.loss for p in second.history]


def test_bilingual_training_records_the_vocabulary_and_grounds_chinese_words(tmp_path):
    from mmexplorer.data.vocab import ZH_WORDS
    from mmexplorer.engine.batches import make_batch

    result = train(tiny(steps=2, languages=("en", "zh")), tmp_path / "bi.safetensors")
    model = load_checkpoint(result.path)
    assert set(ZH_WORDS) <= set(model.cfg.vocab) and model.cfg.objectives["itm"]["languages"] == ["en", "zh"]
    assert model.tokenizer.encode("一个红色圆形").ids == [model.tokenizer.index["一个"], model.tokenizer.index["红色"],
                                                       model.tokenizer.index["圆形"]]
    batch = make_batch(model.cfg, model.tokenizer, 0, 0, 4, 0.5, languages=("en", "zh"))
    words = [model.tokenizer.words[int(batch.ids[r, t])] for r, t in zip(batch.ground_rows, batch.ground_tokens)]
    colours_and_shapes = {"red", "green", "blue", "yellow", "circle", "square", "triangle"}
    assert {w for w, r in zip(words, batch.ground_rows) if int(r) % 2 == 0} <= colours_and_shapes
    assert {w for w, r in zip(words, batch.ground_rows) if int(r) % 2 == 1} <= set(ZH_WORDS) - {"一个", "和"}
    # the English-only default keeps the first vocabulary
    assert "红色" not in load_checkpoint(train(tiny(steps=1), tmp_path / "en.safetensors").path).cfg.vocab
    with pytest.raises(ValueError):
        tiny(languages=("en", "fr"))


def _weights(path):
    return read_checkpoint(path)[1]


@pytest.mark.parametrize("changes", [{}, {"mlm": True, "languages": ("en", "zh")}])
def test_a_resumed_run_ends_exactly_where_an_uninterrupted_one_does(tmp_path, changes):
    settings = tiny(steps=6, batch_scenes=4, checkpoint_every=2, **changes)
    whole = train(settings, tmp_path / "whole.safetensors")
    part = tmp_path / "part.safetensors"
    seen = []
    cut = train(settings, part, on_progress=seen.append, should_stop=lambda: len(seen) >= 3)
    assert cut.cancelled and cut.steps == 3 and read_checkpoint(part)[2]["steps_done"] == 2
    state_files = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("part."))
    assert state_files == ["part.safetensors", "part.train-state.json", "part.train-state.safetensors"]
    resumed = train(settings, part, resume=True)  # the same threads: the same float reduction order
    assert [p.step for p in resumed.history] == [3, 4, 5, 6] and not resumed.cancelled
    a, b = _weights(whole.path), _weights(part)
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)
    assert [p.loss for p in resumed.history] == [p.loss for p in whole.history[2:]]


def test_resume_refuses_other_settings_or_missing_state(tmp_path):
    from mmexplorer.engine.train_state import ResumeError

    out = tmp_path / "m.safetensors"
    train(tiny(steps=2, checkpoint_every=1), out)
    with pytest.raises(ResumeError, match="settings differ.*lr"):
        train(tiny(steps=2, checkpoint_every=1, lr=1e-2), out, resume=True)
    (tmp_path / "m.train-state.safetensors").write_bytes(b"not this one")
    with pytest.raises(ResumeError, match="does not belong"):
        train(tiny(steps=2, checkpoint_every=1), out, resume=True)
    (tmp_path / "m.train-state.json").unlink()
    with pytest.raises(ResumeError):
        train(tiny(steps=2, checkpoint_every=1), out, resume=True)


def test_cli_resume(tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    base = ["train", "--fusion", "late", "--out", str(out), "--steps", "2", "--batch-size", "2", "--device", "cpu", "--quiet"]
    assert main(base + ["--resume"]) == 2  # nothing to continue
    assert main(base) == 0
    assert main(base + ["--resume"]) == 0  # already at the last step: nothing more to do, the checkpoint stays
    assert main(base + ["--resume", "--seed", "9"]) == 2
    assert main(base + ["--resume", "--force"]) == 2
    err = [line for line in capsys.readouterr().err.strip().splitlines() if line]
    assert len(err) == 3 and all(line.startswith("error:") for line in err) and "seed" in err[1]


def test_swap_negatives_in_batches_and_the_binding_recipe():
    from collections import Counter

    from mmexplorer.config import load_variant
    from mmexplorer.data.tokenizer import Tokenizer
    from mmexplorer.engine.batches import make_batch

    cfg = load_variant("early").replace(**TINY)
    tok = Tokenizer(cfg.vocab)
    batch = make_batch(cfg, tok, 0, 0, 6, 1.0, binding_prob=1.0, swap_share=1.0)
    for row in range(6):
        true, negative = (tuple(int(i) for i in batch.ids[r][batch.mask[r]]) for r in (row, row + 6))
        assert Counter(true) == Counter(negative) and true != negative  # the same words, bound to other objects
    settings = recipe("binding", "hybrid")
    assert settings.languages == ("en", "zh") and settings.swap_share > 0 and settings.binding_prob > 0
