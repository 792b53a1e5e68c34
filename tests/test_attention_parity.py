"""The explicit softmax path (which records weights) computes exactly what the fused kernel does,
and the captured weights are what torch's reference MultiheadAttention computes."""

import pytest
import torch

from conftest import FUSIONS, tiny_model
from mmexplorer.attention.capture import recording
from mmexplorer.models.attention import Attention
from mmexplorer.models.preprocess import image_tensor, text_tensor


def _inputs(model, photo, texts=("a red circle and a blue square", "two green triangles")):
    encs = [model.tokenizer.encode(t) for t in texts]
    ids, mask = text_tensor(encs, model.tokenizer)  # padded batch: exercises the key mask
    image = image_tensor([photo, photo[::-1].copy()], model.cfg)
    return image, ids, mask


@pytest.mark.parametrize("fusion", FUSIONS)
def test_fused_and_explicit_paths_agree(fusion, photo):
    model = tiny_model(fusion)
    image, ids, mask = _inputs(model, photo)
    with torch.no_grad():
        model.set_fused(True)
        fused = model(image, ids, mask)
        model.set_fused(False)
        explicit = model(image, ids, mask)
    for key in ("itm_logit", "text_states", "patch_states"):
        torch.testing.assert_close(getattr(fused, key), getattr(explicit, key), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("fusion", FUSIONS)
def test_recording_does_not_change_outputs(fusion, photo):
    model = tiny_model(fusion)
    image, ids, mask = _inputs(model, photo)
    with torch.no_grad():
        plain = model(image, ids, mask).itm_logit
        with recording(model) as events:
            recorded = model(image, ids, mask).itm_logit
    assert events, "no attention was recorded"
    torch.testing.assert_close(plain, recorded, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cross", [False, True])
def test_weights_equal_torch_multihead_attention(cross):
    torch.manual_seed(1)
    dim, heads = 16, 4
    attn = Attention(dim, heads, "text_to_image" if cross else "text", 0).eval()
    ref = torch.nn.MultiheadAttention(dim, heads, batch_first=True).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([attn.q.weight, attn.k.weight, attn.v.weight]))
        ref.in_proj_bias.copy_(torch.cat([attn.q.bias, attn.k.bias, attn.v.bias]))
        ref.out_proj.weight.copy_(attn.proj.weight)
        ref.out_proj.bias.copy_(attn.proj.bias)
    x = torch.randn(2, 5, dim)
    ctx = torch.randn(2, 7, dim) if cross else x
    key_mask = torch.ones(2, ctx.shape[1], dtype=torch.bool)
    key_mask[1, -2:] = False  # padding in the second item
    captured = []
    attn.sink = lambda module, w: captured.append(w)
    with torch.no_grad():
        out = attn(x, None if not cross else ctx, key_mask=key_mask)
        ref_out, ref_w = ref(x, ctx, ctx, key_padding_mask=~key_mask, need_weights=True, average_attn_weights=False)
    torch.testing.assert_close(captured[0], ref_w, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(out, ref_out, atol=1e-6, rtol=1e-5)
    assert torch.all(captured[0][1, :, :, -2:] == 0)  # masked keys get no weight


def test_fused_flag_is_per_instance(photo, monkeypatch):
    """Turning one module to the explicit path leaves every other module on the fused kernel."""
    import torch.nn.functional as F

    model = tiny_model("early")
    image, ids, mask = _inputs(model, photo)
    with torch.no_grad():
        model.set_fused(True)
        reference = model(image, ids, mask).itm_logit
        mods = model.attention_modules()
        mods[0].fused = False
        kernel_calls = []
        real_kernel = F.scaled_dot_product_attention
        monkeypatch.setattr(F, "scaled_dot_product_attention", lambda *a, **k: kernel_calls.append(1) or real_kernel(*a, **k))
        mixed = model(image, ids, mask).itm_logit
    assert len(kernel_calls) == len(mods) - 1  # every module but the first ran the fused kernel
    torch.testing.assert_close(mixed, reference, atol=1e-5, rtol=1e-5)
