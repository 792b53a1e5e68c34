"""What every generative vision-language family shares: prompt, answer, capture of each answer token's row.

A family (hf_smolvlm, ...) supplies its network, its processor, the regions
its processor cut the photo into, and its language model's attention modules;
this module asks the question and builds the record:

1. the prompt: the question in the processor's chat template (the user's turn
   holding the image, then the question; the generation prompt added) when
   the folder has one, else, or with raw_prompt, the question as is;
2. the answer: the model's own greedy `generate`, or the forced answer's tokens;
3. one forward pass over prompt + answer (without its last token) with eager
   attention, a forward hook on every decoder attention module taking, as the
   layer runs, the rows of the positions that produced the answer tokens
   ([heads, A, P + A - 1]), the head mean for the rollout ([S, S]), the
   question's rows over the image tokens (last layer) and, within the prompt
   budget, the full prompt matrix; nothing else of the [heads, S, S] weights
   is kept.
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import torch

from mmexplorer.attention.generation import Generation, ImageRegions, photo_weights, to_photo
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.attention.reductions import rollout_rows
from mmexplorer.data.tokenizer import Encoding
from mmexplorer.data.words import word_spans
from mmexplorer.engine.asking import Ask, AskError
from mmexplorer.engine.external.base import ExternalModel
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.hf_tokens import ModelToken
from mmexplorer.engine.external.record_builder import Captured, build_record, ignored_size_note
from mmexplorer.engine.external.record_parts import to_pil

ANSWER_MAP_LABEL = "answer token's attention on the image tokens, mean over layers and heads"
QUESTION_MAP_LABEL = "question word's attention on the image tokens, last layer ({layer}), mean over heads"


class _AttentionHooks:
    """Forward hooks on attention modules that return (output, weights): each layer's weights go to `_take`;
    a module that returns none (another attention implementation ran) stops the forward with `missing`."""

    missing = "an attention module returned no weights"
    modules: list
    _handles: list

    def __enter__(self):
        self._handles = [m.register_forward_hook(self._hook(i)) for i, m in enumerate(self.modules)]
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _hook(self, layer: int):
        def hook(module, args, output):
            weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
            if weights is None:
                raise ExternalModelError(self.missing)
            self._take(layer, weights)
        return hook

    def _take(self, layer: int, weights: torch.Tensor) -> None:
        raise NotImplementedError


class AnswerCapture(_AttentionHooks):
    """Forward hooks on the decoder's attention modules keeping, per layer, only what the record needs."""

    missing = ("the language model returned no attention weights (an attention implementation other than eager "
               "ran); cannot show where the answer looked")

    def __init__(self, modules: Sequence[torch.nn.Module], prompt_len: int, question: np.ndarray,
                 image: np.ndarray, keep_prompt: Sequence[int], keep_graph: bool = False) -> None:
        self.modules = list(modules)
        self.p = prompt_len
        self.question, self.image = torch.as_tensor(question), torch.as_tensor(image)
        self.keep_prompt = set(keep_prompt)
        self.rows: list = [None] * len(self.modules)  # [H, A, S] per layer
        self.means: list = [None] * len(self.modules)  # float64 numpy [S, S] per layer (head mean, for rollout)
        self.prompt: dict = {}  # layer -> [H, P, P]
        self.question_rows = None  # [T, image tokens] of the last layer, head mean
        self.graph: list = [None] * len(self.modules) if keep_graph else []  # [H, S, S] per layer, in the graph
        self._handles: list = []

    def _take(self, layer: int, weights: torch.Tensor) -> None:
        if self.graph:
            self.graph[layer] = weights  # [1, H, S, S] itself (a view of it is on no path to the logits)
        w = weights[0].detach().float()  # [H, S, S]
        self.rows[layer] = w[:, self.p - 1:, :].cpu().numpy().copy()  # [H, A, S]
        self.means[layer] = w.mean(0).double().cpu().numpy()
        if layer in self.keep_prompt:
            self.prompt[layer] = w[:, :self.p, :self.p].cpu().numpy().copy()
        if layer == len(self.modules) - 1:
            q = w.mean(0)[self.question.to(w.device)]  # [T, S]
            self.question_rows = q[:, self.image.to(w.device)].cpu().numpy()


class VisionCapture(_AttentionHooks):
    """Forward hooks on the vision tower's attention modules keeping the last layers whose weights
    [images, H, N, N] fit the budget (the top-level forward does not return them), in the same forward pass."""

    missing = "the vision tower returned no attention weights (an attention implementation other than eager ran)"

    def __init__(self, modules: Sequence[torch.nn.Module], budget: int) -> None:
        self.modules, self.budget = list(modules), budget
        self.kept: dict = {}  # layer -> float32 numpy [images, H, N, N]
        self.seen = 0  # layers that ran
        self.layer_bytes = 0
        self._handles: list = []

    def _take(self, layer: int, weights: torch.Tensor) -> None:
        self.seen += 1
        self.layer_bytes = weights.numel() * 4
        first_kept = len(self.modules) - min(len(self.modules), self.budget // max(self.layer_bytes, 1))
        if layer >= first_kept:
            self.kept[layer] = weights.detach().float().cpu().numpy().copy()

    def meta(self, budget: int) -> dict:
        return {"layers": sorted(self.kept), "budget_bytes": budget, "layer_bytes": self.layer_bytes,
                "kept": f"the vision tower's attention of {len(self.kept)} of {len(self.modules)} layers"}


def answer_relevancy(logits: torch.Tensor, weights: Sequence[torch.Tensor], answer: Sequence[int],
                     prompt_len: int) -> np.ndarray:
    """Each answer token's gradient relevancy row (Chefer et al. 2021, rules 5-7 for self-attention).

    logits [A, vocabulary]: the outputs of positions P - 1 .. P + A - 2; weights: per layer [1, H, S, S] in the graph.
    For answer token a, the target is its own logit; per layer Ā = E_h[(∇A ⊙ A)⁺], R = (I + Ā_L) ... (I + Ā_1)
    (R starts as I, each layer adds Ā R), and the row is that of position P - 1 + a. float32 [A, S].
    """
    from mmexplorer.attention.reductions import propagate_row

    rows = []
    for a, token in enumerate(answer):
        grads = torch.autograd.grad(logits[a, int(token)], list(weights), retain_graph=True, allow_unused=True)
        layers = [np.zeros(tuple(w.shape[2:])) if g is None else
                  (g[0] * w[0]).clamp(min=0).mean(0).detach().double().cpu().numpy() for g, w in zip(grads, weights)]
        rows.append(propagate_row(layers, prompt_len - 1 + a, "relevancy"))
    return np.asarray(rows, np.float32)


def kept_prompt_layers(layers: int, heads: int, prompt_len: int, budget: int) -> list[int]:
    """The last layers whose [heads, P, P] float32 prompt matrices fit in `budget` bytes."""
    per_layer = heads * prompt_len * prompt_len * 4
    n = min(layers, budget // per_layer) if per_layer else layers
    return list(range(layers - n, layers))


def find_run(ids: Sequence[int], run: Sequence[int], start: int = 0) -> int:
    """The last position >= start where `run` occurs contiguously in `ids`, or -1."""
    n = len(run)
    for i in range(len(ids) - n, start - 1, -1):
        if n and list(ids[i:i + n]) == list(run):
            return i
    return -1


class GenerativeModel(ExternalModel):
    """A vision-language model answering questions; subclasses name their processor's regions and decoder."""

    bidirectional_prefix = False  # PaliGemma: the image and the prefix attend both ways

    def __init__(self, net, processor, cfg, tokenizer, path: str = "") -> None:
        super().__init__(net, cfg, tokenizer, path)
        self.processor = processor
        self.hf_tokenizer = processor.tokenizer

    # -- what a family supplies ----------------------------------------------
    def decoder_attention(self) -> list[torch.nn.Module]:
        """The language model's self-attention modules, first layer to last."""
        raise NotImplementedError

    def regions(self, inputs, prompt_ids: list[int], image_size: tuple[int, int]) -> tuple[ImageRegions, tuple, tuple]:
        """The photo's regions for the processor's `inputs`, the photo's grid (rows, cols) the maps use and the
        box [x0, y0, x1, y1] of the photo that grid covers."""
        raise NotImplementedError

    def vision_attention(self) -> list[torch.nn.Module]:
        """The vision tower's self-attention modules, first layer to last."""
        raise NotImplementedError

    def image_token_id(self) -> int:
        return int(self.net.config.image_token_id)

    def raw_prompt(self, question: str) -> str:
        """The question as is (the processor adds its image tokens where it needs them)."""
        return question

    # -- the shared path -------------------------------------------------------
    def prompt(self, question: str, raw: bool) -> tuple[str, bool]:
        """(the text the processor gets, whether the chat template made it)."""
        if not raw and getattr(self.processor, "chat_template", None):
            turn = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
            return self.processor.apply_chat_template(turn, add_generation_prompt=True), True
        return self.raw_prompt(question), False

    def model_inputs(self, text: str, image) -> dict:
        out = self.processor(text=text, images=[to_pil(image)], return_tensors="pt")
        return {k: (v.to(self.device) if torch.is_tensor(v) else v) for k, v in out.items()
                if k in ("input_ids", "attention_mask", "pixel_values", "pixel_attention_mask", "token_type_ids",
                         "image_sizes")}

    def capture(self, sample, relevancy: bool = True, input_size: int | None = None) -> AttentionRecord:
        """Asking with the default options (the question in the chat template, a greedy answer)."""
        return self.ask(sample, Ask(), input_size=input_size)

    def answer_ids(self, inputs: dict, how: Ask) -> list[int]:
        if how.answer is not None:
            ids = self.hf_tokenizer(how.answer, add_special_tokens=False)["input_ids"]
            if not ids:
                raise AskError("the forced answer gives no tokens")
            return list(ids)
        with torch.no_grad():
            out = self.net.generate(**inputs, max_new_tokens=how.max_new_tokens, do_sample=False, num_beams=1)
        return out[0, inputs["input_ids"].shape[1]:].tolist()

    def ask(self, sample, how: Ask, input_size: int | None = None) -> AttentionRecord:
        t0 = time.perf_counter()
        text, templated = self.prompt(sample.text, how.raw_prompt)
        inputs = self.model_inputs(text, sample.image)
        prompt_ids = inputs["input_ids"][0].tolist()
        regions, grid, box = self.regions(inputs, prompt_ids, sample.image.size)
        t1 = time.perf_counter()
        answer = self.answer_ids(inputs, how)
        t2 = time.perf_counter()
        p, a = len(prompt_ids), len(answer)
        if not a:
            raise ExternalModelError(f"{self.name}: the model generated no tokens")
        if self.image_token_id() in answer:  # the forward pass would look for a picture for it
            raise AskError("the answer holds the model's image placeholder token, which only a picture can fill")
        question = self.question_span(prompt_ids, sample.text, regions)
        modules = self.decoder_attention()
        heads = int(self.net.config.get_text_config().num_attention_heads)
        keep = kept_prompt_layers(len(modules), heads, p, how.prompt_budget_bytes)
        fed = torch.tensor([prompt_ids + answer[:-1]], device=self.device)  # [1, P + A - 1]
        forward = dict(inputs, input_ids=fed, attention_mask=torch.ones_like(fed))
        if "token_type_ids" in inputs:  # PaliGemma: 0 for the prefix, 1 for the suffix (the answer)
            forward["token_type_ids"] = torch.cat([inputs["token_type_ids"], torch.ones_like(fed[:, p:])], 1)
        with torch.enable_grad() if how.relevancy else torch.no_grad(), \
                VisionCapture(self.vision_attention(), how.vision_budget_bytes) as vision, \
                AnswerCapture(modules, p, np.arange(*question), regions.positions(), keep, how.relevancy) as cap:
            out = self.net(**forward, use_cache=False, logits_to_keep=a if how.relevancy else 1)
            if any(r is None for r in cap.rows) or vision.seen != len(vision.modules):
                raise ExternalModelError(f"{self.name}: a decoder or vision layer did not run; cannot show every "
                                         "layer's attention")
            relevancy = answer_relevancy(out.logits[0], cap.graph, answer, p) if how.relevancy else None
        del out, cap.graph
        t3 = time.perf_counter()
        rollout = rollout_rows(cap.means, [p - 1 + i for i in range(a)]).astype(np.float32)  # [A, S]
        del cap.means
        weights = photo_weights(regions, grid, box)  # [image tokens, cells]
        image_pos = regions.positions()
        mean_rows = np.mean([r.mean(0) for r in cap.rows], axis=0)  # [A, S]
        generation = Generation(
            prompt_tokens=self.prompt_names(prompt_ids, regions),
            prompt_ids=np.asarray(prompt_ids),
            prompt_segments=self.segments(prompt_ids, regions, question),
            answer_tokens=tuple(self.surface(i) for i in answer),
            answer_ids=np.asarray(answer),
            answer_rows=tuple(cap.rows),
            answer_rollout=rollout,
            answer_to_image=to_photo(mean_rows[:, image_pos], weights, grid),
            answer_map_label=ANSWER_MAP_LABEL,
            prompt_attention=cap.prompt,
            forced=how.answer is not None,
            bidirectional_prefix=p if self.bidirectional_prefix else 0,
            answer_relevancy=relevancy,
            vision_attention=vision.kept,
        )
        encoding = self.question_encoding(prompt_ids, question, sample.text)
        t4 = time.perf_counter()
        per_layer = heads * p * p * 4
        return build_record(self, sample, Captured(
            encoding=encoding,
            grid=grid,
            image_box=tuple(float(v) for v in box),
            attention={},
            layouts={},
            order=(),
            outputs={"answer": self.hf_tokenizer.decode(answer, skip_special_tokens=True),
                     "answer_tokens": len(answer), "forced": how.answer is not None},
            timings={"preprocess_s": t1 - t0, "generate_s": t2 - t1, "forward_s": t3 - t2, "maps_s": t4 - t3},
            regions=regions,
            generation=generation,
            token_to_image=to_photo(cap.question_rows, weights, grid),
            map_label=QUESTION_MAP_LABEL.format(layer=len(modules) - 1),
            family_meta={
                "prompt": text,
                "prompt_seen": self.seen_prompt(prompt_ids),
                "chat_template": templated,
                "decoding": "forced (teacher forcing)" if how.answer is not None else
                            f"greedy, at most {how.max_new_tokens} new tokens",
                "regions": regions.to_dict(),
                "prompt_attention": {"layers": keep, "budget_bytes": how.prompt_budget_bytes,
                                     "layer_bytes": per_layer,
                                     "kept": f"full prompt matrices of {len(keep)} of {len(modules)} layers; the "
                                             "answer rows of every layer"},
                "vision_attention": vision.meta(how.vision_budget_bytes),
                "relevancy": ("each answer token's logit, Chefer et al. 2021 self-attention rules" if how.relevancy
                              else "not computed (ask with relevancy: one backward pass per answer token)"),
                "word_spans": [list(s) for s in word_spans(encoding.tokens)],
            },
            notes=ignored_size_note(input_size),
        ))

    # -- the prompt's pieces -----------------------------------------------------
    def seen_prompt(self, prompt_ids: list[int]) -> str:
        """The prompt as the model gets it, decoded; each run of image placeholders written once with its length."""
        image, out, start = self.image_token_id(), [], 0
        for s, e in image_runs(prompt_ids, image):
            out += [self.hf_tokenizer.decode(prompt_ids[start:s]), f"{self.surface(image)}×{e - s}"]
            start = e
        return "".join(out + [self.hf_tokenizer.decode(prompt_ids[start:])])

    def surface(self, token_id: int) -> str:
        return self.hf_tokenizer.decode([int(token_id)], skip_special_tokens=False)

    def question_span(self, prompt_ids: list[int], question: str, regions: ImageRegions) -> tuple[int, int]:
        """[start, stop) of the question's tokens in the prompt: its own tokens after the image, else the
        positions after the last image token that spell it (a template can merge its first piece)."""
        after = int(regions.spans[:, 1].max()) if regions.count else 0
        ids = self.hf_tokenizer(question, add_special_tokens=False)["input_ids"] if question else []
        at = find_run(prompt_ids, ids, after) if ids else -1
        if at >= 0:
            return at, at + len(ids)
        wanted = question.strip()
        for start in range(after, len(prompt_ids)):
            for stop in range(start + 1, len(prompt_ids) + 1):
                if self.hf_tokenizer.decode(prompt_ids[start:stop]).strip() == wanted:
                    return start, stop
        return after, after  # the question's tokens cannot be told apart: no words shown

    def question_encoding(self, prompt_ids: list[int], span: tuple[int, int], question: str) -> Encoding:
        tokens, at = [], 0
        for i in prompt_ids[span[0]:span[1]]:
            surface = self.surface(i)
            start = question.find(surface.strip(), at) if surface.strip() else -1
            begin, end = (start, start + len(surface.strip())) if start >= 0 else (0, 0)
            at = end if start >= 0 else at
            raw = self.hf_tokenizer.convert_ids_to_tokens(int(i))
            tokens.append(ModelToken(surface.strip() or surface, raw, int(i), begin, end,
                                     bool(i == self.hf_tokenizer.unk_token_id)))
        return Encoding(question, tuple(tokens), False, 0)

    def prompt_names(self, prompt_ids: list[int], regions: ImageRegions) -> tuple[str, ...]:
        names = [self.surface(i) for i in prompt_ids]
        for name, (start, stop) in zip(regions.names, regions.spans):
            for k in range(start, stop):
                names[k] = f"<image {name} #{k - start}>"
        return tuple(names)

    def segments(self, prompt_ids: list[int], regions: ImageRegions, question: tuple[int, int]) -> tuple:
        kinds = ["template"] * len(prompt_ids)
        for start, stop in regions.spans:
            kinds[start:stop] = ["image"] * (stop - start)
        kinds[question[0]:question[1]] = ["text"] * (question[1] - question[0])
        out: list = []
        for i, kind in enumerate(kinds):
            if out and out[-1][0] == kind:
                out[-1][2] = i + 1
            else:
                out.append([kind, i, i + 1])
        return tuple(tuple(s) for s in out)


def image_runs(prompt_ids: Sequence[int], image_id: int) -> list[tuple[int, int]]:
    """[start, stop) of every run of image placeholder tokens in the prompt, in order."""
    runs, start = [], None
    for i, t in enumerate(list(prompt_ids) + [None]):
        if t == image_id and start is None:
            start = i
        elif t != image_id and start is not None:
            runs.append((start, i))
            start = None
    return runs
