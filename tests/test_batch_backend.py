"""The batch probe's torch.distributed backend and each rank's device, from the launcher's variables and the GPU count."""

import pytest

from mmexplorer.engine.bulk.dist import DistError, Launch, Ranks, from_environment, launch_from, plan, sharing_note

TORCHRUN = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}  # node 1 of two, 2 processes each


def test_a_single_process_has_no_process_group():
    assert launch_from({}) is None
    assert launch_from({"RANK": "0", "WORLD_SIZE": "1"}) is None
    assert launch_from({"WORLD_SIZE": "2"}) is None  # no RANK: not started by a launcher
    assert from_environment("nccl", "cpu", env={}) == Ranks()  # --backend only matters under a launcher


def test_launcher_variables_are_read_and_checked():
    assert launch_from(TORCHRUN) == Launch(rank=3, world=4, local_rank=1, local_world=2)
    assert launch_from({"RANK": "1", "WORLD_SIZE": "2"}) == Launch(1, 2, None, None)
    with pytest.raises(DistError, match="LOCAL_RANK='x'"):
        launch_from({**TORCHRUN, "LOCAL_RANK": "x"})
    with pytest.raises(DistError, match="--backend must be one of"):
        from_environment("mpi", "auto", env=TORCHRUN)


def test_auto_is_nccl_on_each_ranks_own_gpu_and_gloo_otherwise():
    launch = launch_from(TORCHRUN)
    assert plan(launch, "auto", "auto", gpus=2) == ("nccl", 1)
    assert plan(launch, "auto", "cuda", gpus=2) == ("nccl", 1)
    assert plan(launch, "auto", "auto", gpus=0) == ("gloo", None)  # CPUs
    assert plan(launch, "auto", "cpu", gpus=2) == ("gloo", None)  # GPUs there, but the probe runs on the CPU
    no_local = Launch(3, 4, None, None)  # a launcher that gives no local ranks
    assert plan(no_local, "auto", "auto", gpus=2) == ("gloo", None)
    assert plan(launch, "auto", "cuda:0", gpus=2) == ("gloo", 0)  # every rank on the GPU the user named
    assert plan(Launch(1, 2, 0, 1), "auto", "cuda:1", gpus=2) == ("nccl", 1)  # one process per node may pick its GPU


def test_an_explicit_backend_is_used_or_refused_with_the_reason():
    launch = launch_from(TORCHRUN)
    assert plan(launch, "gloo", "auto", gpus=2) == ("gloo", 1)  # still one GPU per rank
    assert plan(launch, "nccl", "auto", gpus=2) == ("nccl", 1)
    for args, reason in [((launch, "nccl", "auto", 0), "none is visible"),
                         ((Launch(3, 4, None, None), "nccl", "auto", 2), "needs LOCAL_RANK"),
                         ((launch, "nccl", "cpu", 2), "--device cpu is not one"),
                         ((launch, "nccl", "cuda:0", 2), "every rank of a node on one GPU"),
                         ((Launch(2, 4, 2, 4), "nccl", "auto", 2), "start at most 2")]:
        with pytest.raises(DistError, match=reason):
            plan(*args)


def test_each_rank_probes_on_its_own_gpu():
    ranks = Ranks(rank=3, world=4, local_rank=1, backend="nccl", gpu=1)
    assert ranks.device("auto") == "cuda:1" and ranks.device("cuda") == "cuda:1"
    assert ranks.device("cuda:0") == "cuda:0"  # an explicit device is the user's
    assert Ranks().device("auto") == "auto"  # one process: the usual choice (engine/device.py)


def test_more_ranks_than_gpus_are_refused_unless_gloo_shares_them():
    # two processes on a node with one GPU: nccl cannot put two ranks on one GPU, so auto refuses, and so does
    # the rank whose LOCAL_RANK has a GPU (every rank of the node refuses, none waits for the others)
    for local_rank in (0, 1):
        two_on_one = Launch(local_rank, 2, local_rank, 2)
        for backend in ("auto", "nccl"):
            with pytest.raises(DistError, match=r"2 processes on this node but 1 GPU\(s\) visible.*--nproc-per-node 1"):
                plan(two_on_one, backend, "auto", gpus=1)
        assert plan(two_on_one, "gloo", "auto", gpus=1) == ("gloo", 0)  # shared, and said so:
        assert "2 processes share 1 GPU(s)" in sharing_note(two_on_one, "gloo", "auto", 1)
    assert plan(Launch(3, 8, 3, 4), "gloo", "cuda", gpus=2) == ("gloo", 1)  # round robin: rank 3 of the node on GPU 1
    assert sharing_note(Launch(1, 2, 1, 2), "gloo", "auto", 2) is None  # a GPU each: nothing to say
    assert sharing_note(Launch(1, 2, 1, 2), "gloo", "cpu", 1) is None  # not on GPUs at all


def _fake_gpus(monkeypatch, count):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


def test_the_gpu_count_is_checked_before_any_group_is_joined(monkeypatch):
    import torch.distributed as dist

    _fake_gpus(monkeypatch, 1)
    monkeypatch.setattr(dist, "init_process_group", lambda *a, **k: pytest.fail("joined a group before the check"))
    env = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "2"}
    with pytest.raises(DistError, match="2 processes on this node but 1 GPU"):
        from_environment("auto", "auto", env=env)


def test_gloo_ranks_sharing_a_gpu_say_so_once_per_node(monkeypatch):
    import torch.distributed as dist

    _fake_gpus(monkeypatch, 1)
    joined = []
    monkeypatch.setattr(dist, "is_initialized", lambda: bool(joined))
    monkeypatch.setattr(dist, "init_process_group", lambda backend, **k: joined.append(backend))
    monkeypatch.setattr(dist, "get_rank", lambda: 0)
    monkeypatch.setattr(dist, "get_world_size", lambda: 2)
    said = []
    env = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "2"}
    ranks = from_environment("gloo", "auto", env=env, log=said.append)
    assert joined == ["gloo"] and ranks.device("auto") == "cuda:0"
    assert len(said) == 1 and "share 1 GPU(s)" in said[0]
    joined.clear()
    from_environment("gloo", "auto", env={**env, "RANK": "1", "LOCAL_RANK": "1"}, log=said.append)
    assert len(said) == 1  # the node's other ranks stay quiet


def test_cli_refuses_more_ranks_than_gpus_with_one_error_line(monkeypatch, tmp_path, capsys):
    """The probe under a launcher's variables on a node with fewer GPUs: exit 2, one `error:` line, nothing loaded."""
    import torch.distributed as dist

    from mmexplorer.cli import main
    from mmexplorer.engine import probe as probe_module

    _fake_gpus(monkeypatch, 1)
    monkeypatch.setattr(dist, "init_process_group", lambda *a, **k: pytest.fail("joined a group"))
    monkeypatch.setattr(probe_module, "load_model", lambda *a, **k: pytest.fail("loaded a model"))
    for name, value in {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}.items():
        monkeypatch.setenv(name, value)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"image": "a.png", "text": "red"}\n')
    assert main(["probe", "--pairs", str(pairs), "--out-dir", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: 2 processes on this node but 1 GPU(s) visible"), lines
    assert not (tmp_path / "out").exists()
