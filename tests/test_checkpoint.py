import json
import struct

import numpy as np
import pytest
import torch

from conftest import FUSIONS, tiny_model
from corpus import write_code_running_pickle
from mmexplorer.config import ConfigError, ModelConfig
from mmexplorer.models.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mmexplorer.models.preprocess import image_tensor, text_tensor


@pytest.mark.parametrize("fusion", FUSIONS)
def test_round_trip_is_bit_for_bit(fusion, tmp_path, photo):
    model = tiny_model(fusion, pos_embed="sincos" if fusion == "cross" else "learned")
    path = save_checkpoint(model, tmp_path / f"{fusion}.safetensors")
    again = load_checkpoint(path)
    assert again.cfg == model.cfg
    image = image_tensor(photo, model.cfg)
    ids, mask = text_tensor(model.tokenizer.encode("a red circle"), model.tokenizer)
    with torch.no_grad():
        a, b = model(image, ids, mask), again(image, ids, mask)
    assert torch.equal(a.itm_logit, b.itm_logit)
    assert torch.equal(a.text_states, b.text_states)
    assert not list(tmp_path.glob("*.tmp"))


def test_config_json_round_trip_and_validation():
    cfg = tiny_model("early").cfg
    assert ModelConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(ConfigError, match="unknown fusion"):
        cfg.replace(fusion="middle")
    with pytest.raises(ConfigError, match="unknown config field"):
        ModelConfig.from_dict({"fusion": "early", "colour": 3})


def test_garbage_and_truncated_files_are_refused(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(CheckpointError, match="not a valid safetensors"):
        load_checkpoint(junk)
    good = save_checkpoint(tiny_model("early"), tmp_path / "good.safetensors")
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good.read_bytes()[:-100])
    with pytest.raises(CheckpointError):
        load_checkpoint(cut)
    with pytest.raises(CheckpointError, match="folder"):
        load_checkpoint(tmp_path)


def test_header_that_lies_about_sizes_is_refused(tmp_path):
    good = save_checkpoint(tiny_model("early"), tmp_path / "good.safetensors").read_bytes()
    n = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8 : 8 + n])
    key = next(k for k in header if k != "__metadata__")
    header[key]["data_offsets"][1] += 10_000_000
    raw = json.dumps(header).encode()
    bad = tmp_path / "lying.safetensors"
    bad.write_bytes(struct.pack("<Q", len(raw)) + raw + good[8 + n :])
    with pytest.raises(CheckpointError):
        load_checkpoint(bad)


def test_config_that_does_not_match_the_weights(tmp_path):
    from safetensors.torch import save_file

    model = tiny_model("early")
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    wider = model.cfg.replace(width=64)
    path = tmp_path / "mismatch.safetensors"
    save_file(state, str(path), metadata={"config": wider.to_json()})
    with pytest.raises(CheckpointError, match="shape"):
        load_checkpoint(path)


def test_pickle_that_would_run_code_is_refused(tmp_path):
    target = tmp_path / "pwned.txt"
    path = tmp_path / "evil.pt"
    write_code_running_pickle(path, target)
    with pytest.raises(CheckpointError, match="never code"):
        load_checkpoint(path)
    assert not target.exists()
