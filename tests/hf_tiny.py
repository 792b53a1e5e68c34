"""Tiny randomly initialised Hugging Face models of every family, saved with save_pretrained.

Everything is built from small configs (2 layers, 2 heads, width 32, 32-pixel
images) with tokenizers written here; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

SIDE, PATCH = 32, 8
PHOTO_W, PHOTO_H = 140, 90  # the tests' photo: non-square, so a crop box is not the whole picture
WIDTH, LAYERS, HEADS = 32, 2, 2
WORDS = ["a", "cat", "dog", "sitting", "on", "the", "couch", "and", "red", "sit", "##ting", "##s"]


def tower(**extra) -> dict:
    return dict(hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                **extra)


def byte_level_alphabet() -> list[str]:
    """The byte -> printable character table of byte-level BPE (GPT-2 / CLIP): 256 characters, byte order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, extra = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return [chr(c) for c in cs]


def write_bert_tokenizer(folder: Path, max_len: int = 32):
    """A WordPiece vocabulary, loaded back with from_pretrained (BertTokenizer(vocab_file=...) is ignored in 5.x)."""
    import transformers as tf

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tok = tf.BertTokenizerFast.from_pretrained(str(folder), model_max_length=max_len)
    assert len(tok) == len(vocab)
    return tok


def write_sentencepiece(folder: Path):
    """A tiny unigram sentencepiece model (spiece.model) trained on a few sentences."""
    import sentencepiece as spm

    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(["a cat sitting on the couch", "a dog and a red cat", "the cat sits"] * 20))
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(folder / "spiece"), vocab_size=22, hard_vocab_limit=False,
                                   model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                                   pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>", minloglevel=2)
    corpus.unlink()
    (folder / "spiece.vocab").unlink()
    return folder / "spiece.model"


def write_gemma_bpe(folder: Path, max_len: int = 16):
    """SigLIP 2's tokenizer (Gemma BPE: "▁" marks a space, lowercased, left padding) over a tiny vocabulary
    whose merges spell a few words; built from vocab and merges, saved with save_pretrained."""
    import transformers as tf

    words = ["a", "▁cat", "▁sitting", "▁on", "▁the", "▁couch", "▁a", "▁dog"]
    tokens = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"] + sorted({c for w in words for c in w})
    merges = []
    for w in words:
        for i in range(2, len(w) + 1):
            left, right = w[: i - 1], w[i - 1]
            if (left, right) not in merges:
                merges.append((left, right))
            if w[:i] not in tokens:
                tokens.append(w[:i])
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = tf.Siglip2Tokenizer(vocab=vocab, merges=merges, model_max_length=max_len)
    tok.save_pretrained(str(folder))
    return tok


# -- one builder per family: (folder) -> saved model folder -----------------------------

def build_blip(folder: Path) -> Path:
    import torch
    import transformers as tf

    tok = write_bert_tokenizer(folder)
    ids = dict(pad_token_id=tok.pad_token_id, bos_token_id=tok.cls_token_id, sep_token_id=tok.sep_token_id)
    cfg = tf.BlipConfig(text_config=tower(vocab_size=len(tok), encoder_hidden_size=WIDTH, max_position_embeddings=32, **ids),
                        vision_config=tower(image_size=SIDE, patch_size=PATCH), projection_dim=16)
    torch.manual_seed(0)
    tf.BlipForImageTextRetrieval(cfg).eval().save_pretrained(str(folder))
    images = tf.BlipImageProcessor(size={"height": SIDE, "width": SIDE})
    tf.BlipProcessor(image_processor=images, tokenizer=tok).save_pretrained(str(folder))
    return folder


def build_vilt(folder: Path) -> Path:
    import torch
    import transformers as tf

    tok = write_bert_tokenizer(folder)
    cfg = tf.ViltConfig(vocab_size=len(tok), max_position_embeddings=32, image_size=SIDE, patch_size=PATCH, **tower())
    torch.manual_seed(1)
    tf.ViltForImageAndTextRetrieval(cfg).eval().save_pretrained(str(folder))
    images = tf.ViltImageProcessor(size={"shortest_edge": SIDE}, size_divisor=PATCH)
    tf.ViltProcessor(image_processor=images, tokenizer=tok).save_pretrained(str(folder))
    return folder


VQA_ANSWERS = ["yes", "no", "2", "cat", "couch", "red", "dog"]


def build_vilt_vqa(folder: Path) -> Path:
    import torch
    import transformers as tf

    tok = write_bert_tokenizer(folder)
    labels = dict(enumerate(VQA_ANSWERS))
    cfg = tf.ViltConfig(vocab_size=len(tok), max_position_embeddings=32, image_size=SIDE, patch_size=PATCH,
                        num_labels=len(labels), id2label=labels, label2id={v: k for k, v in labels.items()}, **tower())
    torch.manual_seed(6)
    tf.ViltForQuestionAnswering(cfg).eval().save_pretrained(str(folder))
    images = tf.ViltImageProcessor(size={"shortest_edge": SIDE}, size_divisor=PATCH)
    tf.ViltProcessor(image_processor=images, tokenizer=tok).save_pretrained(str(folder))
    return folder


def build_flava(folder: Path) -> Path:
    import torch
    import transformers as tf

    tok = write_bert_tokenizer(folder)
    codebook = dict(hidden_size=8, num_groups=1, num_blocks_per_group=1, vocab_size=16)
    cfg = tf.FlavaConfig(image_config=tower(image_size=SIDE, patch_size=PATCH),
                         text_config=tower(vocab_size=len(tok), max_position_embeddings=32),
                         multimodal_config=tower(), image_codebook_config=codebook, hidden_size=WIDTH, projection_dim=16)
    torch.manual_seed(2)
    tf.FlavaForPreTraining(cfg).eval().save_pretrained(str(folder))
    size = {"height": SIDE, "width": SIDE}
    tf.FlavaProcessor(image_processor=tf.FlavaImageProcessor(size=size, crop_size=size), tokenizer=tok).save_pretrained(str(folder))
    return folder


def build_chinese_clip(folder: Path) -> Path:
    import torch
    import transformers as tf

    tok = write_bert_tokenizer(folder)
    cfg = tf.ChineseCLIPConfig(text_config=tower(vocab_size=len(tok), max_position_embeddings=32),
                               vision_config=tower(image_size=SIDE, patch_size=PATCH), projection_dim=16)
    torch.manual_seed(3)
    tf.ChineseCLIPModel(cfg).eval().save_pretrained(str(folder))
    images = tf.ChineseCLIPImageProcessor(size={"shortest_edge": SIDE}, crop_size={"height": SIDE, "width": SIDE})
    tf.ChineseCLIPProcessor(image_processor=images, tokenizer=tok).save_pretrained(str(folder))
    return folder


def build_siglip(folder: Path) -> Path:
    import torch
    import transformers as tf

    write_sentencepiece(folder)
    tok = tf.SiglipTokenizer(vocab_file=str(folder / "spiece.model"), model_max_length=16)
    text = tower(vocab_size=len(tok), max_position_embeddings=16, pad_token_id=tok.pad_token_id,
                 eos_token_id=tok.eos_token_id, bos_token_id=None)
    cfg = tf.SiglipConfig(text_config=text, vision_config=tower(image_size=SIDE, patch_size=PATCH))
    torch.manual_seed(4)
    tf.SiglipModel(cfg).eval().save_pretrained(str(folder))
    images = tf.SiglipImageProcessor(size={"height": SIDE, "width": SIDE})
    tf.SiglipProcessor(image_processor=images, tokenizer=tok).save_pretrained(str(folder))
    return folder


MAX_PATCHES = 26  # saved in the image processor; the processor's call-time default would be 256


def build_siglip2(folder: Path) -> Path:
    import torch
    import transformers as tf

    tok = write_gemma_bpe(folder)
    text = tower(vocab_size=len(tok), max_position_embeddings=16, pad_token_id=tok.pad_token_id,
                 eos_token_id=tok.eos_token_id, bos_token_id=tok.bos_token_id)
    cfg = tf.Siglip2Config(text_config=text, vision_config=tower(num_patches=16, patch_size=PATCH))
    torch.manual_seed(5)
    tf.Siglip2Model(cfg).eval().save_pretrained(str(folder))
    images = tf.Siglip2ImageProcessor(patch_size=PATCH, max_num_patches=MAX_PATCHES)
    tf.Siglip2Processor(image_processor=images, tokenizer=tok).save_pretrained(str(folder))
    return folder


def write_clip_vocab(folder: Path) -> dict:
    """CLIP's byte-level BPE: every byte as a token (alone and word-final), two merged words, the two specials."""
    import json

    chars = byte_level_alphabet()
    merges = ["c a", "ca t</w>", "d o", "do g</w>"]
    tokens = chars + [c + "</w>" for c in chars] + ["ca", "cat</w>", "do", "dog</w>", "<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(tokens)}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    return vocab


def build_clip(folder: Path) -> Path:
    import torch
    import transformers as tf

    vocab = write_clip_vocab(folder)
    tokenizer = tf.CLIPTokenizer.from_pretrained(str(folder))
    text = tower(vocab_size=len(vocab), max_position_embeddings=16, bos_token_id=vocab["<|startoftext|>"],
                 eos_token_id=vocab["<|endoftext|>"], pad_token_id=vocab["<|endoftext|>"])
    torch.manual_seed(7)
    model = tf.CLIPModel(tf.CLIPConfig(text_config=text, vision_config=tower(image_size=SIDE, patch_size=PATCH),
                                       projection_dim=16))
    model.eval().save_pretrained(str(folder))
    images = tf.CLIPImageProcessor(size={"shortest_edge": SIDE}, crop_size={"height": SIDE, "width": SIDE})
    tf.CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(str(folder))
    return folder


BUILDERS = {"hf-blip-itm": build_blip, "hf-vilt": build_vilt, "hf-vilt-vqa": build_vilt_vqa, "hf-flava": build_flava,
            "hf-chinese-clip": build_chinese_clip, "hf-siglip": build_siglip, "hf-siglip2": build_siglip2}


def write_photo(path: Path) -> Path:
    """A PHOTO_W x PHOTO_H gradient with a diagonal texture, saved as PNG at `path`."""
    import numpy as np
    from PIL import Image

    yy, xx = np.mgrid[0:PHOTO_H, 0:PHOTO_W]
    pixels = np.stack([xx * 255 // PHOTO_W, yy * 255 // PHOTO_H, ((xx + yy) % 32) * 8], -1).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    return path


def build_every_family(mktemp) -> dict:
    """family -> a saved tiny model folder, each in its own `mktemp(family)` folder (SigLIP needs sentencepiece)."""
    import pytest

    out = {}
    for family, build in BUILDERS.items():
        if family == "hf-siglip":
            pytest.importorskip("sentencepiece")
        out[family] = build(mktemp(family))
    return out
