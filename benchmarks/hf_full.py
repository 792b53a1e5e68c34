"""Every pretrained family at full size with random weights, for the benchmarks: nothing is downloaded.

Each builder returns a Full: the adapter (an ExplorableModel, built in memory
from a config written here), and how to call the network itself on the
inputs the adapter prepares (the model's own eager forward with
output_attentions=True). The tokenizers are small vocabularies written by the
tests' helpers (tests/hf_tiny.py); the configs keep the real vocabulary sizes
except SigLIP 2's (256k rows, 0.8 GB) — a row lookup, so the attention work
is the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

TEXT = "a cat sitting on the couch"


@dataclass
class Full:
    label: str  # e.g. "ViLT-B/32 at 384 px"
    model: object  # the ExplorableModel
    inputs: Callable  # (sample) -> the keyword arguments of the network's own forward
    own: Callable  # (inputs) -> the network's own eager forward with output_attentions=True


def _clip_tokenizer(folder: Path):
    """CLIP's byte-level BPE over every byte and a few merged words."""
    import transformers as tf

    from tests.hf_tiny import byte_level_alphabet

    chars = byte_level_alphabet()
    words = ["cat", "sitting", "on", "the", "couch"]
    merges, tokens = [], chars + [c + "</w>" for c in chars]
    for w in words:
        for i in range(2, len(w) + 1):
            left, right = w[: i - 1], w[i - 1] + ("</w>" if i == len(w) else "")
            merges.append(f"{left} {right}")
            tokens.append(left + right)
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(dict.fromkeys(merges)) + "\n")
    return tf.CLIPTokenizer.from_pretrained(str(folder))


def _ids(model, sample) -> tuple:
    import torch

    text = model.tokenizer.text_ids(sample.text)
    return text, torch.tensor([text.ids])


def vilt(folder: Path) -> Full:
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_vilt import HFVilt
    from tests.hf_tiny import write_bert_tokenizer

    tok = write_bert_tokenizer(folder, 40)
    torch.manual_seed(0)
    net = tf.ViltForImageAndTextRetrieval(tf.ViltConfig(attn_implementation="eager")).eval()  # ViLT-B/32
    images = tf.ViltImageProcessor(size={"shortest_edge": 384}, size_divisor=32)
    model = HFVilt(net, tf.ViltProcessor(image_processor=images, tokenizer=tok), "random ViLT-B/32", "")

    def inputs(sample):
        pre, (_, ids) = model.preprocess(sample.image), _ids(model, sample)
        return dict(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids),
                    pixel_values=pre.pixels, pixel_mask=pre.extras["pixel_mask"])

    return Full("ViLT-B/32, 384 px shorter edge", model, inputs, lambda x: net(**x, output_attentions=True))


def blip(folder: Path) -> Full:
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_blip import HFBlipITM
    from tests.hf_tiny import write_bert_tokenizer

    tok = write_bert_tokenizer(folder, 40)
    torch.manual_seed(0)
    cfg = tf.BlipConfig(vision_config={"image_size": 384}, attn_implementation="eager")  # BLIP-base: ViT-B/16, BERT-base
    net = tf.BlipForImageTextRetrieval(cfg).eval()
    processor = tf.BlipProcessor(image_processor=tf.BlipImageProcessor(size={"height": 384, "width": 384}), tokenizer=tok)
    model = HFBlipITM(net, processor, "random BLIP-base (ITM)", "")

    def inputs(sample):
        _, ids = _ids(model, sample)
        return dict(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=model.preprocess(sample.image).pixels,
                    use_itm_head=True)

    # the model's own call; its text attentions are computed in it and dropped by the model
    return Full("BLIP-base ITM, 384 px", model, inputs, lambda x: net(**x, output_attentions=True))


def flava(folder: Path) -> Full:
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_flava import HFFlava
    from tests.hf_tiny import write_bert_tokenizer

    tok = write_bert_tokenizer(folder, 40)
    torch.manual_seed(0)
    # FLAVA-full's encoders (ViT-B/16, BERT-base, a 6-layer multimodal encoder); no image codebook (pre-training only)
    net = tf.FlavaForPreTraining(tf.FlavaConfig(init_codebook=False, attn_implementation="eager")).eval()
    size = {"height": 224, "width": 224}
    processor = tf.FlavaProcessor(image_processor=tf.FlavaImageProcessor(size=size, crop_size=size), tokenizer=tok)
    model = HFFlava(net, processor, "random FLAVA-full", "")

    def inputs(sample):
        _, ids = _ids(model, sample)
        return dict(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids),
                    pixel_values=model.preprocess(sample.image).pixels)

    def own(x):  # FlavaModel's forward, then the ITM head the probe scores with
        out = net.flava(**x, output_attentions=True)
        return net.itm_head(out.multimodal_embeddings)

    return Full("FLAVA-full, 224 px", model, inputs, own)


def clip(folder: Path) -> Full:
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_clip import HFClip

    tok = _clip_tokenizer(folder)
    torch.manual_seed(0)
    cfg = tf.CLIPConfig(vision_config={"patch_size": 16}, text_config={"bos_token_id": tok.bos_token_id,
                        "eos_token_id": tok.eos_token_id, "pad_token_id": tok.eos_token_id}, attn_implementation="eager")
    net = tf.CLIPModel(cfg).eval()  # ViT-B/16 at 224 px, CLIP's 12-layer text transformer
    images = tf.CLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
    model = HFClip(net, tf.CLIPProcessor(image_processor=images, tokenizer=tok), "random CLIP ViT-B/16", "")

    def inputs(sample):
        return dict(input_ids=_ids(model, sample)[1], pixel_values=model.preprocess(sample.image).pixels)

    return Full("CLIP ViT-B/16, 224 px", model, inputs, lambda x: net(**x, output_attentions=True))


def siglip(folder: Path) -> Full:
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_siglip import HFSiglip
    from tests.hf_tiny import write_sentencepiece

    write_sentencepiece(folder)
    tok = tf.SiglipTokenizer(vocab_file=str(folder / "spiece.model"), model_max_length=64)
    torch.manual_seed(0)
    text = {"pad_token_id": tok.pad_token_id, "eos_token_id": tok.eos_token_id, "bos_token_id": None}
    net = tf.SiglipModel(tf.SiglipConfig(text_config=text, attn_implementation="eager")).eval()  # base, patch 16, 224
    model = HFSiglip(net, tf.SiglipImageProcessor(size={"height": 224, "width": 224}), tok, "random SigLIP-base/16", "")

    def inputs(sample):
        return dict(input_ids=_ids(model, sample)[1], pixel_values=model.preprocess(sample.image).pixels)

    return Full("SigLIP-base/16, 224 px, text padded to 64", model, inputs, lambda x: net(**x, output_attentions=True))


def siglip2(folder: Path) -> Full:
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_siglip2 import HFSiglip2
    from tests.hf_tiny import write_gemma_bpe

    tok = write_gemma_bpe(folder, 64)
    torch.manual_seed(0)
    text = {"vocab_size": 32000, "pad_token_id": tok.pad_token_id, "eos_token_id": tok.eos_token_id,
            "bos_token_id": tok.bos_token_id}
    net = tf.Siglip2Model(tf.Siglip2Config(text_config=text, attn_implementation="eager")).eval()  # base, 256 patches
    images = tf.Siglip2ImageProcessor(patch_size=16, max_num_patches=256)
    model = HFSiglip2(net, images, tok, "random SigLIP2-base/16 NaFlex", "")

    def inputs(sample):
        text, ids = _ids(model, sample)
        return dict(input_ids=ids, attention_mask=torch.tensor([text.attention_mask]),
                    **model.pixel_inputs(model.preprocess(sample.image)))

    return Full("SigLIP2-base/16 NaFlex, 256 patches", model, inputs, lambda x: net(**x, output_attentions=True))


def chinese_clip(folder: Path) -> Full:
    import torch
    import transformers as tf

    from mmexplorer.engine.external.hf_chinese_clip import HFChineseClip
    from tests.hf_tiny import write_bert_tokenizer

    tok = write_bert_tokenizer(folder, 40)
    torch.manual_seed(0)
    cfg = tf.ChineseCLIPConfig(vision_config={"patch_size": 16}, attn_implementation="eager")  # ViT-B/16, RoBERTa-base
    net = tf.ChineseCLIPModel(cfg).eval()
    images = tf.ChineseCLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})
    model = HFChineseClip(net, tf.ChineseCLIPProcessor(image_processor=images, tokenizer=tok), "random Chinese-CLIP ViT-B/16", "")

    def inputs(sample):
        _, ids = _ids(model, sample)
        return dict(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=model.preprocess(sample.image).pixels)

    return Full("Chinese-CLIP ViT-B/16, 224 px", model, inputs, lambda x: net(**x, output_attentions=True))


BUILDERS = {"hf-vilt": vilt, "hf-blip-itm": blip, "hf-flava": flava, "hf-clip": clip, "hf-siglip": siglip,
            "hf-siglip2": siglip2, "hf-chinese-clip": chinese_clip}
