"""The batch probe's torch.distributed backend and each rank's device, from the launcher's variables and the GPU count."""

import pytest

from mmexplorer.engine.bulk.dist import DistError, Launch, Ranks, from_environment, launch_from, plan

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
    # ranks that would share a GPU are left to gloo under auto (nccl refuses them)
    assert plan(Launch(2, 4, 2, 4), "auto", "auto", gpus=2) == ("gloo", 0)
    assert plan(launch, "auto", "cuda:0", gpus=2) == ("gloo", 0)
    assert plan(Launch(1, 2, 0, 1), "auto", "cuda:1", gpus=2) == ("nccl", 1)  # one process per node may pick its GPU


def test_an_explicit_backend_is_used_or_refused_with_the_reason():
    launch = launch_from(TORCHRUN)
    assert plan(launch, "gloo", "auto", gpus=2) == ("gloo", 1)  # still one GPU per rank
    assert plan(launch, "nccl", "auto", gpus=2) == ("nccl", 1)
    for args, reason in [((launch, "nccl", "auto", 0), "none is visible"),
                         ((Launch(3, 4, None, None), "nccl", "auto", 2), "needs LOCAL_RANK"),
                         ((launch, "nccl", "cpu", 2), "--device cpu is not one"),
                         ((launch, "nccl", "cuda:0", 2), "every rank of a node on one GPU"),
                         ((Launch(2, 4, 2, 4), "nccl", "auto", 2), "at most 2 processes per node")]:
        with pytest.raises(DistError, match=reason):
            plan(*args)


def test_each_rank_probes_on_its_own_gpu():
    ranks = Ranks(rank=3, world=4, local_rank=1, backend="nccl", gpu=1)
    assert ranks.device("auto") == "cuda:1" and ranks.device("cuda") == "cuda:1"
    assert ranks.device("cuda:0") == "cuda:0"  # an explicit device is the user's
    assert Ranks().device("auto") == "auto"  # one process: the usual choice (engine/device.py)
