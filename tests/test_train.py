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
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]
    _, _, extra = read_checkpoint(out)
    assert extra["steps_done"] == 4, "the checkpoint is the one of step 4, untouched by the cancel"
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
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


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
    assert [p.name for p in (tmp_path).iterdir()] == ["m.safetensors"]


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
