"""From a pretraining checkpoint to a backbone a researcher can use: export and load.

``export_encoder`` writes ``encoder.pt`` (the backbone's state dict and a card) and, beside it,
``encoder.json`` (the same card, for people). The backbone is the task's ``encoder``, or its
whole U-Net for the restorative methods that train one (Models Genesis, context restoration,
global/local contrast), since those papers fine-tune the decoder too. The card holds
method, paper, backbone class, input size, channels, intensity normalisation, steps, data
and the full config. ``load_encoder(path)``
rebuilds the backbone from the card and returns it ready (``eval()`` mode, weights loaded):
any ``nn.Module`` with ``features(x) -> (B, F)``.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from runnable_refs.errors import UsageError
from runnable_refs.harness.networks import UNet
from runnable_refs.harness.recipe import Recipe
from runnable_refs.harness.training import TrainingConfig, load_checkpoint
from runnable_refs.registry import get_reference

NORMALISATION = {
    2: "intensities in [0, 1]: X-ray-like images as they are, other images by their 0.5/99.5 percentiles",
    3: "intensities in [0, 1]: CT by the HU window [-1000, 1000], other volumes by their 0.5/99.5 "
    "percentiles; RAS, resampled to 1.5 x 1.5 x 2.0 mm, axes (D, H, W) = (S->I, A->P, R->L)",
}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def config_from_card(recipe: Recipe[Any], fields: dict[str, Any]) -> TrainingConfig:
    """The method's config from JSON-ready ``fields`` (lists back to tuples where the default is one)."""
    base = recipe.config
    values = {
        name: tuple(value) if isinstance(getattr(base, name), tuple) and isinstance(value, list) else value
        for name, value in fields.items()
    }
    return dataclasses.replace(base, **values)


def exported_backbone(task: nn.Module) -> nn.Module:
    """What a method hands on: its whole U-Net when it trains one, else its encoder."""
    unet = getattr(task, "unet", None)
    return unet if isinstance(unet, UNet) else task.encoder


def export_encoder(recipe: Recipe[Any], checkpoint: Path, output: Path) -> tuple[Path, Path]:
    """Write the pretrained backbone of ``checkpoint`` to ``output`` and its card to ``.json``."""
    checkpoint, output = Path(checkpoint), Path(output)
    if not checkpoint.exists():
        raise UsageError(
            f"no checkpoint at {checkpoint}; run `medssl refs run {recipe.name}` first or pass --checkpoint PATH"
        )
    saved = load_checkpoint(checkpoint)
    if saved.get("reference") != recipe.name:
        raise UsageError(f"{checkpoint} holds {saved.get('reference')!r}, not {recipe.name!r}")
    config = config_from_card(recipe, {k: _plain(v) for k, v in saved["config"].items()})
    task = recipe.build_task(config)
    task.load_state_dict(saved["state_dict"])
    encoder = exported_backbone(task)
    input_shape = tuple(config.input_shape)
    with torch.no_grad():
        width = encoder.eval().features(torch.zeros(1, *input_shape)).shape[1]
    card = {
        "method": recipe.name,
        "paper": get_reference(recipe.name).paper,
        "backbone": f"{type(encoder).__module__}.{type(encoder).__qualname__}",
        "input_size": list(input_shape[1:]),
        "channels": input_shape[0],
        "feature_dim": int(width),
        "normalisation": NORMALISATION[len(input_shape) - 1],
        "steps": len(saved["losses"]),
        "data": saved["data"],
        "config": {k: _plain(v) for k, v in dataclasses.asdict(config).items()},
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    state = {key: value.detach().cpu() for key, value in encoder.state_dict().items()}
    temporary = output.with_name(output.name + ".tmp")
    torch.save({"state_dict": state, "card": card}, temporary)
    os.replace(temporary, output)
    card_path = output.with_suffix(".json")
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return output, card_path


def read_encoder_file(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The state dict and card of an exported encoder (weights only: no pickled code runs)."""
    if not Path(path).exists():
        raise UsageError(f"no exported encoder at {path}; run `medssl refs export NAME -o {path}` first")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    return payload["state_dict"], payload["card"]


def build_encoder(card: dict[str, Any], seed: int | None = None) -> nn.Module:
    """The card's backbone with fresh weights: the same random init pretraining started from
    (the config's seed) unless another ``seed`` is given."""
    recipe = importlib.import_module(get_reference(card["method"]).module).RECIPE
    config = config_from_card(recipe, card["config"])
    torch.manual_seed(config.seed if seed is None else seed)
    return exported_backbone(recipe.build_task(config))


def load_encoder(path: str | Path) -> nn.Module:
    """An exported backbone, weights loaded, in ``eval()`` mode: ``features(x) -> (B, F)``."""
    state, card = read_encoder_file(Path(path))
    encoder = build_encoder(card)
    encoder.load_state_dict(state)
    encoder.card = card  # what it is and how to feed it
    return encoder.eval()
