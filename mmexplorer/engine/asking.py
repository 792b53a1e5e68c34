"""Asking a generative vision-language model a question about the picture: the options and the call.

ask(model, sample, Ask(...)) -> AttentionRecord: the question put into the
model's chat template (or sent as is), the answer generated greedily or given
(teacher forcing), and where each answer token looked (record.generation).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Optional

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.sample import Sample

MAX_NEW_TOKENS = 32  # greedy decoding's default length
LARGEST_NEW_TOKENS = 4096
PROMPT_BUDGET_BYTES = 64 * 2**20  # the full prompt matrices kept per record (the answer rows are always kept)


class AskError(ValueError):
    """Options that cannot be asked (the CLI exits 2 with the message)."""


@dataclass(frozen=True)
class Ask:
    max_new_tokens: int = MAX_NEW_TOKENS  # greedy decoding stops here or at the end-of-answer token
    answer: Optional[str] = None  # force this answer (teacher forcing) instead of generating one
    raw_prompt: bool = False  # send the question as is, not in the model's chat template
    prompt_budget_bytes: int = PROMPT_BUDGET_BYTES  # bytes of full [heads, P, P] prompt matrices to keep
    vision_budget_bytes: int = PROMPT_BUDGET_BYTES  # bytes of the vision tower's [images, heads, N, N] to keep
    # also each answer token's gradient relevancy for its own logit: one backward pass per answer token, with
    # every layer's weights held in the graph until the last
    relevancy: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.max_new_tokens, bool) or not isinstance(self.max_new_tokens, int) \
                or not 1 <= self.max_new_tokens <= LARGEST_NEW_TOKENS:
            raise AskError(f"the number of new tokens must be a whole number from 1 to {LARGEST_NEW_TOKENS}, "
                           f"got {self.max_new_tokens!r}")
        if self.answer is not None and not str(self.answer).strip():
            raise AskError("a forced answer must have some text")
        if self.prompt_budget_bytes < 0 or self.vision_budget_bytes < 0:
            raise AskError("a memory budget cannot be negative")


def is_generative(model) -> bool:
    return bool(getattr(model.spec, "generative", False))


def ask(model, sample: Sample, how: Ask = Ask()) -> AttentionRecord:
    """Ask `model` (a generative family's model) the sample's text about its picture; the record with timings."""
    from mmexplorer.engine.probe import probe_meta

    if not is_generative(model):
        raise AskError(f"{model.name} does not generate answers ({model.spec.category} fusion); "
                       "asking needs a generative vision-language model")
    t0 = time.perf_counter()
    record = model.ask(sample, how)
    return dataclasses.replace(record, meta=probe_meta(model, sample, record, t0))
