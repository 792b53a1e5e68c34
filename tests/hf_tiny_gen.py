"""Tiny randomly initialised generative vision-language models (SmolVLM, LLaVA), saved with save_pretrained.

Each has a byte-level BPE tokenizer written here (every text encodes; the image and chat tokens are special
tokens), a chat template in the model card's shape and a small image processor; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

from hf_tiny import byte_level_alphabet

WIDTH, LAYERS, HEADS = 32, 2, 2
MERGES = [("t", "h"), ("th", "e"), ("Ġ", "c"), ("o", "l"), ("ol", "o"), ("Ġc", "olo"), ("Ġcolo", "u"), ("Ġcolou", "r")]
SMOLVLM_TEMPLATE = ("<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
                    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
                    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
                    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
                    "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}")


def write_byte_bpe(folder: Path, specials: list[str], **named):
    """A byte-level BPE tokenizer: the 256 byte characters, a few merges, then `specials` (one token each)."""
    import transformers as tf
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    alphabet = byte_level_alphabet()
    vocab = {c: i for i, c in enumerate(alphabet)}
    for left, right in MERGES:
        vocab.setdefault(left + right, len(vocab))
    core = Tokenizer(models.BPE(vocab=vocab, merges=MERGES))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    tok = tf.PreTrainedTokenizerFast(tokenizer_object=core, **named)
    tok.add_special_tokens({"additional_special_tokens": specials})
    tok.save_pretrained(str(folder))
    return tf.AutoTokenizer.from_pretrained(str(folder))


def text_tower(vocab: int, **extra) -> dict:
    return dict(vocab_size=vocab, hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=LAYERS,
                num_attention_heads=HEADS, num_key_value_heads=1, max_position_embeddings=512, **extra)


# SmolVLM: 32-pixel tiles of 4 x 4 patches, pixel shuffle 2 -> 2 x 2 tokens a tile; photos resized to a 64-pixel
# longest edge, so a landscape photo is 2 x 2 tiles and the global image (5 regions, 20 image tokens)
SMOL_TILE, SMOL_PATCH, SMOL_SCALE, SMOL_LONGEST = 32, 8, 2, 64


def build_smolvlm(folder: Path, vision_layers: int = LAYERS) -> Path:
    import torch
    import transformers as tf

    specials = ["<|im_start|>", "<end_of_utterance>", "<image>", "<fake_token_around_image>", "<global-img>",
                *(f"<row_{r}_col_{c}>" for r in range(1, 5) for c in range(1, 5))]
    tok = write_byte_bpe(folder, specials, bos_token="<|im_start|>", eos_token="<end_of_utterance>",
                         pad_token="<end_of_utterance>")
    seq = (SMOL_TILE // SMOL_PATCH) ** 2 // SMOL_SCALE ** 2
    vision = dict(hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=vision_layers,
                  num_attention_heads=HEADS, image_size=SMOL_TILE, patch_size=SMOL_PATCH)
    cfg = tf.SmolVLMConfig(vision_config=vision, text_config=text_tower(len(tok), model_type="llama",
                                                                         pad_token_id=tok.pad_token_id,
                                                                         bos_token_id=tok.bos_token_id,
                                                                         eos_token_id=tok.eos_token_id),
                           scale_factor=SMOL_SCALE, image_token_id=tok.convert_tokens_to_ids("<image>"),
                           pad_token_id=tok.pad_token_id)
    torch.manual_seed(7)
    net = tf.SmolVLMForConditionalGeneration(cfg).eval()
    net.generation_config.eos_token_id = tok.eos_token_id
    net.generation_config.pad_token_id = tok.pad_token_id
    net.save_pretrained(str(folder))
    images = tf.SmolVLMImageProcessor(size={"longest_edge": SMOL_LONGEST}, max_image_size={"longest_edge": SMOL_TILE})
    processor = tf.SmolVLMProcessor(image_processor=images, tokenizer=tok, video_processor=tf.SmolVLMVideoProcessor(),
                                    image_seq_len=seq, chat_template=SMOLVLM_TEMPLATE)
    processor.save_pretrained(str(folder))
    return folder


# LLaVA-1.5: a 32-pixel centre crop of 4 x 4 patches of 8 pixels, one token each (16 image tokens)
LLAVA_SIDE, LLAVA_PATCH = 32, 8
LLAVA_TEMPLATE = ("{% for message in messages %}{% if message['role'] == 'user' %}USER: {% else %}ASSISTANT: {% endif %}"
                  "{% for line in message['content'] %}{% if line['type'] == 'image' %}<image>\n"
                  "{% elif line['type'] == 'text' %}{{ line['text'] }}{% endif %}{% endfor %} {% endfor %}"
                  "{% if add_generation_prompt %}ASSISTANT:{% endif %}")


def build_llava(folder: Path) -> Path:
    import torch
    import transformers as tf

    tok = write_byte_bpe(folder, ["<s>", "</s>", "<image>"], bos_token="<s>", eos_token="</s>", pad_token="</s>")
    vision = dict(model_type="clip_vision_model", hidden_size=WIDTH, intermediate_size=2 * WIDTH,
                  num_hidden_layers=LAYERS, num_attention_heads=HEADS, image_size=LLAVA_SIDE, patch_size=LLAVA_PATCH,
                  projection_dim=16)
    cfg = tf.LlavaConfig(vision_config=vision, text_config=text_tower(len(tok), model_type="llama",
                                                                       pad_token_id=tok.pad_token_id,
                                                                       bos_token_id=tok.bos_token_id,
                                                                       eos_token_id=tok.eos_token_id),
                         image_token_index=tok.convert_tokens_to_ids("<image>"), vision_feature_layer=-2,
                         vision_feature_select_strategy="default", projector_hidden_act="gelu")
    torch.manual_seed(8)
    net = tf.LlavaForConditionalGeneration(cfg).eval()
    net.generation_config.eos_token_id = tok.eos_token_id
    net.generation_config.pad_token_id = tok.pad_token_id
    net.save_pretrained(str(folder))
    images = tf.CLIPImageProcessor(size={"shortest_edge": LLAVA_SIDE},
                                   crop_size={"height": LLAVA_SIDE, "width": LLAVA_SIDE})
    tf.LlavaProcessor(image_processor=images, tokenizer=tok, patch_size=LLAVA_PATCH,
                      vision_feature_select_strategy="default", chat_template=LLAVA_TEMPLATE,
                      num_additional_image_tokens=1).save_pretrained(str(folder))
    return folder


# PaliGemma: a 32-pixel square of 4 x 4 SigLIP patches, one token each (16 image tokens), the image and the prompt a
# bidirectional prefix; no chat template (the processor puts the image tokens and <bos> before the text itself)
PALI_SIDE, PALI_PATCH = 32, 8


def build_paligemma(folder: Path) -> Path:
    import torch
    import transformers as tf

    tok = write_byte_bpe(folder, ["<bos>", "<eos>", "<pad>"], bos_token="<bos>", eos_token="<eos>", pad_token="<pad>")
    images = tf.SiglipImageProcessor(size={"height": PALI_SIDE, "width": PALI_SIDE})
    images.image_seq_length = (PALI_SIDE // PALI_PATCH) ** 2
    processor = tf.PaliGemmaProcessor(image_processor=images, tokenizer=tok)  # adds <image> and the loc/seg tokens
    processor.save_pretrained(str(folder))
    vision = dict(hidden_size=WIDTH, intermediate_size=2 * WIDTH, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                  image_size=PALI_SIDE, patch_size=PALI_PATCH, projection_dim=WIDTH)
    text = dict(model_type="gemma", vocab_size=len(tok), hidden_size=WIDTH, intermediate_size=2 * WIDTH,
                num_hidden_layers=LAYERS, num_attention_heads=HEADS, num_key_value_heads=1, head_dim=WIDTH // HEADS,
                max_position_embeddings=512, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                eos_token_id=tok.eos_token_id)
    cfg = tf.PaliGemmaConfig(vision_config=vision, text_config=text, image_token_index=processor.image_token_id,
                             projection_dim=WIDTH, hidden_size=WIDTH)
    torch.manual_seed(9)
    net = tf.PaliGemmaForConditionalGeneration(cfg).eval()
    net.generation_config.eos_token_id = tok.eos_token_id
    net.generation_config.pad_token_id = tok.pad_token_id
    net.save_pretrained(str(folder))
    return folder
