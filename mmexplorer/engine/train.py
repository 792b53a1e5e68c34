"""train(...): train a model on the shapes world, reporting progress through plain callbacks.

No Qt here: the explorer runs this same function in an engine process. The run
can be cancelled between steps (should_stop); checkpoints are written
atomically (with the training state, as one unit), so a cancelled or crashed run leaves the last
good checkpoint, or nothing, and never a partial file.

    for progress in training(settings, out):   # a generator, one Progress per step
        ...
    result = train(settings, out, on_progress=print, should_stop=event.is_set)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

import torch

from mmexplorer.config import load_variant
from mmexplorer.engine.batches import EncodingCache, make_batch
from mmexplorer.engine.grounding import supports_grounding
from mmexplorer.engine.multitask import Trainee
from mmexplorer.engine.objectives import compute_losses
from mmexplorer.engine.recipes import TrainSettings
from mmexplorer.data.files import atomic_write_set, check_output_folder
from mmexplorer.output_lock import output_lock
from mmexplorer.engine.scoped import PrivateRandom, torch_threads
from mmexplorer.engine.train_state import ResumeError, load_train_state, train_state_files
from mmexplorer.models import fusion_spec
from mmexplorer.models.budget import check_training_memory
from mmexplorer.models.checkpoint import checkpoint_bytes, checkpoint_data


class TrainingDiverged(ValueError):
    """The loss or the weights became NaN or infinite; the run stopped, keeping its last finite checkpoint."""


@dataclass(frozen=True)
class Progress:
    step: int  # steps done, 1..total
    total: int
    loss: float  # total loss of this step
    accuracy: float  # matching accuracy of this step's pairs (true captions and negatives)
    hard_accuracy: float  # accuracy on this step's hard negatives (NaN when it had none)
    elapsed: float  # seconds since the run started
    eta: float  # estimated seconds left
    lr: float
    losses: dict = field(default_factory=dict)  # each named loss of this step
    checkpoint: Optional[str] = None  # path written at this step, if any


@dataclass(frozen=True)
class TrainResult:
    path: Optional[str]  # the last good checkpoint; None when a cancelled run had not written one
    steps: int  # steps completed
    cancelled: bool
    history: tuple[Progress, ...]  # every step's progress


def model_config(settings: TrainSettings, name: Optional[str] = None):
    """The model config for a run, with the objectives recorded in it."""
    grounding = settings.grounding and supports_grounding(settings.fusion)
    objectives: dict = {
        "itm": {"negatives": "hard (one attribute of one object) + easy", "hard_share": [settings.hard_start, settings.hard_end]},
    }
    contrastive = fusion_spec(settings.fusion).contrastive
    if contrastive:
        objectives["contrastive"] = {"loss": "InfoNCE over true pairs"}
    if grounding:
        target = "token-patch similarity" if contrastive else "last cross-modal attention layer"
        objectives["grounding"] = {
            "map": target,
            "heads": settings.grounding_heads,
            "words": "colour words and shape nouns",
            "loss": "cross-entropy to a box-uniform distribution",
            "weight": settings.grounding_weight,
        }
    if settings.mlm:
        objectives["mlm"] = {"mask_prob": settings.mlm_prob, "weight": settings.mlm_weight}
    if "vqa" in settings.tasks:
        objectives["vqa"] = {"weight": settings.vqa_weight, "sharing": settings.sharing}
        if settings.sharing == "soft":
            objectives["vqa"]["l2_tie"] = settings.soft_tie
    cfg = load_variant(settings.fusion)
    if settings.languages != ("en",):
        from mmexplorer.data.vocab import BILINGUAL_WORDS

        objectives["itm"]["languages"] = list(settings.languages)
        cfg = cfg.replace(vocab=tuple(BILINGUAL_WORDS))  # recorded in the checkpoint: its tokenizer segments Chinese
    cfg = cfg.replace(**settings.model)
    return cfg.replace(name=name or settings.fusion, tasks=tuple(settings.tasks), sharing=settings.sharing, objectives=objectives)


def learning_rate(settings: TrainSettings, step: int) -> float:
    """Linear warm-up, then cosine decay to lr * min_lr_ratio. `step` counts from 0."""
    warm = max(1, int(settings.warmup * settings.steps))
    if step < warm:
        return settings.lr * (step + 1) / warm
    t = (step - warm) / max(1, settings.steps - warm)
    floor = settings.lr * settings.min_lr_ratio
    return floor + (settings.lr - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))


def _initialise(trainee: Trainee, path: str) -> None:
    """Start from a checkpoint's weights (every backbone of the trainee, when soft sharing)."""
    from mmexplorer.models.checkpoint import read_checkpoint

    _, state, _ = read_checkpoint(path)
    for model in (trainee.itm_model, trainee.vqa_member):
        if model is None:
            continue
        mine = model.state_dict()
        if set(state) != set(mine) or any(state[k].shape != mine[k].shape for k in mine):
            raise ValueError(f"{path} does not have the architecture of this run ({model.cfg.fusion}, its config and tasks)")
        model.load_state_dict(state)


def _checkpoint_steps(settings: TrainSettings) -> int:
    return settings.checkpoint_every or max(1, settings.steps // 10)


def _check_output(trainee: Trainee, out: Path) -> None:
    """Before step 1: the checkpoint's folder can be written and has room for it (and its companion)."""
    models = [trainee.itm_model] + ([trainee.vqa_member] if trainee.companion_path(out) is not None else [])
    # x2: the temp file beside the old one; x3: the weights and, in the training state, AdamW's two moments
    check_output_folder(out.parent, 6 * sum(checkpoint_bytes(m) for m in models))


def _diverged(out: Path, step: int, what: str, last_saved: Optional[int]) -> TrainingDiverged:
    kept = f"the last finite checkpoint (step {last_saved}) is kept at {out}" if last_saved else "no checkpoint was written"
    return TrainingDiverged(f"training stopped at step {step}: {what} became NaN or infinite (try a lower --lr); {kept}")


def _weights_finite(trainee: Trainee) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in trainee.parameters() if p.is_floating_point())


def _resume_settings(settings: TrainSettings) -> dict:
    """The settings a resumed run must share with the interrupted one (threads may change)."""
    d = settings.to_dict()
    d.pop("threads")
    return d


def _resume_weights(trainee: Trainee, out: Path) -> int:
    """Load the interrupted run's checkpoint (and soft-sharing companion) into the trainee; -> its step."""
    from mmexplorer.models.checkpoint import CheckpointError, read_checkpoint

    try:
        members = [(trainee.itm_model, out)]
        companion = trainee.companion_path(out)
        if companion is not None:
            members.append((trainee.vqa_member, companion))
        steps = set()
        for model, path in members:
            _, state, extra = read_checkpoint(path)
            model.load_state_dict(state)
            steps.add(extra.get("steps_done"))
    except (CheckpointError, RuntimeError) as exc:
        raise ResumeError(f"cannot resume from {out}: {exc}") from None
    if len(steps) != 1 or not isinstance(next(iter(steps)), int):
        raise ResumeError(f"cannot resume from {out}: its files were written at different steps")
    return next(iter(steps))


def _checkpoint_files(trainee: Trainee, out: Path, settings: TrainSettings, step: int, metrics: dict) -> list:
    """[(path, bytes)] of the checkpoint (and its soft-sharing companion), written later with the training state."""
    extra = {"settings": settings.to_dict(), "steps_done": step, "metrics": metrics}
    files = []
    companion = trainee.companion_path(out)
    if companion is not None:
        files.append((companion, checkpoint_data(trainee.vqa_member, dict(extra, role="question-answering backbone (soft sharing)"))))
    files.append((out, checkpoint_data(trainee.itm_model, extra)))
    return files


def training(
    settings: TrainSettings,
    out: str | Path,
    should_stop: Optional[Callable[[], bool]] = None,
    device: str | torch.device = "cpu",
    name: Optional[str] = None,
    resume: bool = False,
) -> Iterator[Progress]:
    """Train, yielding one Progress per step. Stops early (saving nothing more) when should_stop() is true.

    With `resume`, continue the interrupted run whose last checkpoint is `out`: its weights, optimiser
    moments and random streams (the side files train_state writes at every checkpoint), from the step after
    that checkpoint, to the same result as an uninterrupted run. ResumeError when that state is missing,
    unreadable or from other settings.
    """
    out = Path(out)
    # Threads and the global RNG (parameter init, dropout) are the run's own only while
    # it computes: between steps, whoever consumes this generator sees their own settings.
    random = PrivateRandom(settings.seed, device)
    generator = torch.Generator().manual_seed(settings.seed)
    with torch_threads(settings.threads), random.active():
        cfg = model_config(settings, name or out.stem)
        trainee = Trainee(cfg)
        if settings.init_from and not resume:
            _initialise(trainee, settings.init_from)
        start_step = _resume_weights(trainee, out) if resume else 0
        trainee = trainee.to(device).train()
        decay = [p for n, p in trainee.named_parameters() if p.ndim >= 2 and "pos" not in n]
        other = [p for n, p in trainee.named_parameters() if not (p.ndim >= 2 and "pos" not in n)]
        optimiser = torch.optim.AdamW(
            [{"params": decay, "weight_decay": settings.weight_decay}, {"params": other, "weight_decay": 0.0}],
            lr=settings.lr,
            betas=(0.9, 0.98),
        )
    if resume:
        saved_step = load_train_state(out, optimiser, random, generator, _resume_settings(settings))
        if saved_step != start_step:
            raise ResumeError(f"cannot resume from {out}: its training state is from step {saved_step}, "
                              f"the checkpoint from step {start_step}")
    every = _checkpoint_steps(settings)
    _check_output(trainee, out)
    check_training_memory(cfg, 2 * settings.batch_scenes)  # each scene gives a true and a negative caption
    with output_lock(out):  # a second run to the same --out is refused, not silently raced
        yield from _steps(settings, out, trainee, cfg, optimiser, generator, random, every, should_stop, device, start_step)


def _steps(settings, out, trainee, cfg, optimiser, generator, random, every, should_stop, device,
           start_step: int = 0) -> Iterator[Progress]:
    questions = "vqa" in settings.tasks
    encode = EncodingCache(trainee.itm_model.tokenizer)
    start = time.perf_counter()
    last_saved: Optional[int] = start_step or None
    for step in range(start_step, settings.steps):
        if should_stop is not None and should_stop():
            return
        with torch_threads(settings.threads), random.active():
            hard = settings.hard_start + (settings.hard_end - settings.hard_start) * step / max(1, settings.steps - 1)
            first = step * settings.batch_scenes
            batch = make_batch(cfg, encode, settings.seed, first, settings.batch_scenes, hard, questions,
                               repeat_prob=settings.repeat_prob, languages=settings.languages,
                               binding_prob=settings.binding_prob, texture_prob=settings.texture_prob,
                               swap_share=settings.swap_share, aspect_prob=settings.aspect_prob)
            batch = batch.to(device)
            lr = learning_rate(settings, step)
            for group in optimiser.param_groups:
                group["lr"] = lr
            losses = compute_losses(trainee, batch, settings, generator)
            if not bool(torch.isfinite(losses["loss"].detach())):
                raise _diverged(out, step + 1, "the loss", last_saved)
            optimiser.zero_grad(set_to_none=True)
            losses["loss"].backward()
            if settings.grad_clip:
                torch.nn.utils.clip_grad_norm_(trainee.parameters(), settings.grad_clip)
            optimiser.step()

            correct = (losses["logits"] > 0).float() == batch.labels
            hard_rows = batch.hard
            hard_acc = float(correct[hard_rows].float().mean()) if bool(hard_rows.any()) else float("nan")
            done = step + 1
            elapsed = time.perf_counter() - start
            named = {k: float(v.detach()) for k, v in losses.items() if k not in ("loss", "logits")}
            saved = None
            if done % every == 0 or done == settings.steps:
                if not _weights_finite(trainee):  # never overwrite a good checkpoint with NaN weights
                    raise _diverged(out, done, "the weights", last_saved)
                checkpoint = _checkpoint_files(trainee, out, settings, done, {"loss": float(losses["loss"].detach()), **named})
                saved = str(out)
        if saved is not None:  # outside the run's random scope: the stream's state between steps is what continues
            # weights and training state as one unit: a full disk leaves the previous pair, both of one step
            atomic_write_set(checkpoint + train_state_files(out, optimiser, random, generator, _resume_settings(settings), done))
            last_saved = done
        yield Progress(
            step=done,
            total=settings.steps,
            loss=float(losses["loss"].detach()),
            accuracy=float(correct.float().mean()),
            hard_accuracy=hard_acc,
            elapsed=elapsed,
            eta=elapsed / (done - start_step) * (settings.steps - done),
            lr=lr,
            losses=named,
            checkpoint=saved,
        )


def train(
    settings: TrainSettings,
    out: str | Path,
    on_progress: Optional[Callable[[Progress], None]] = None,
    should_stop: Optional[Callable[[], bool]] = None,
    device: str | torch.device = "cpu",
    name: Optional[str] = None,
    resume: bool = False,
) -> TrainResult:
    """Run `training` to the end (or until should_stop), calling on_progress after every step."""
    history: list[Progress] = []
    last_saved: Optional[str] = str(out) if resume else None
    for progress in training(settings, out, should_stop, device, name, resume):
        history.append(progress)
        if progress.checkpoint:
            last_saved = progress.checkpoint
        if on_progress is not None:
            on_progress(progress)
    steps = history[-1].step if history else 0
    if resume and not history:  # nothing was left to do (or it was stopped at once): the checkpoint's own step
        from mmexplorer.models.checkpoint import read_checkpoint

        steps = int(read_checkpoint(out)[2].get("steps_done", 0))
    cancelled = steps < settings.steps
    return TrainResult(last_saved, steps, cancelled, tuple(history))
