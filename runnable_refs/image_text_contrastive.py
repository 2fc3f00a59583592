"""Image-text contrastive pretraining (ConVIRT / CheXzero) with synthetic report sentences.

Tiu, Talius, Patel, Langlotz, Ng, Rajpurkar. "Expert-level detection of pathologies from
unannotated chest X-ray images via self-supervised learning". Nature Biomedical Engineering,
2022 (CheXzero). Catalog id: ``tiu2022-chexzero``. Also: Zhang, Jiang, Miura, Manning, Langlotz.
"Contrastive Learning of Medical Visual Representations from Paired Images and Text" (ConVIRT).
MLHC 2022. https://arxiv.org/abs/2010.00747. Catalog id: ``zhang2022-convirt``.

ConVIRT (Sec. 2): an image encoder and a text encoder each end in a projection to a shared
space; a bidirectional InfoNCE loss makes each image pick its own report among the batch's
reports (image-to-text) and each report pick its image (text-to-image). CheXzero trains the
same way (CLIP) and then classifies *zero-shot*: compare an image with a positive and a
negative prompt ("nodule" vs "no nodule") and softmax the two similarities.
Here reports are written from what the synthetic generator drew (side, zone and size of the
nodule), and the text encoder is a tiny bag-of-words network instead of a transformer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from runnable_refs.harness import (
    Batch,
    ConvEncoder,
    DataUnavailableError,
    ImageSource,
    Recipe,
    SmokeResult,
    SyntheticSource,
    TrainingConfig,
    expect_above_chance,
    expect_shape,
    info_nce,
    reference_main,
    run_smoke_check,
)

NORMAL_REPORTS = ("the lungs are clear", "no focal lung lesion", "no nodule or mass is seen")
FINDING_REPORTS = ("a {size} nodule in the {side} {zone} lung", "{size} {side} {zone} lung nodule")
PROMPTS = ("nodule in the lung", "the lungs are clear")  # CheXzero-style positive / negative
WORDS = sorted(
    {
        word
        for text in (
            *NORMAL_REPORTS,
            *FINDING_REPORTS,
            *PROMPTS,
            "small large left right upper lower",
        )
        for word in text.split()
        if not word.startswith("{")
    }
)
VOCABULARY = {word: index + 1 for index, word in enumerate(WORDS)}  # 0 is padding


@dataclass
class ImageTextConfig(TrainingConfig):
    image_size: int = 64  # chest X-ray side
    widths: tuple[int, ...] = (16, 32, 64, 128)  # image encoder (the papers: ResNet-50 / ViT)
    text_width: int = 64  # word embedding and text MLP width
    projection_dim: int = 64  # shared embedding space
    max_words: int = 12  # reports here have at most 8 words
    temperature: float = 0.1  # ConVIRT's tau (CLIP learns it, starting at 0.07)
    image_to_text_weight: float = 0.5  # lambda; 0.5 is CLIP/CheXzero's symmetric loss,
    # ConVIRT uses 0.75
    batch_size: int = 16  # more reports per batch, more negatives per image

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.image_size, self.image_size)


# --- Data: synthetic images with report sentences written from their lesion masks -------------


def write_report(lesion_mask: torch.Tensor, generator: torch.Generator) -> str:
    """One sentence for a (H, W) lesion mask: normal, or side/zone/size of the nodule.

    Radiological convention: the patient's right is on the left of the image.
    """
    choice = int(torch.randint(2, (1,), generator=generator))
    if not lesion_mask.any():
        return NORMAL_REPORTS[int(torch.randint(len(NORMAL_REPORTS), (1,), generator=generator))]
    rows, columns = lesion_mask.nonzero(as_tuple=True)
    height, width = lesion_mask.shape
    side = "right" if columns.float().mean() < width / 2 else "left"
    zone = "upper" if rows.float().mean() < height / 2 else "lower"
    size = "large" if lesion_mask.sum() > 0.01 * height * width else "small"
    return FINDING_REPORTS[choice].format(size=size, side=side, zone=zone)


def tokenize(texts: list[str], max_words: int) -> torch.Tensor:
    """Word indices (N, max_words), 0-padded; every word must be in ``VOCABULARY``."""
    tokens = torch.zeros((len(texts), max_words), dtype=torch.long)
    for row, text in enumerate(texts):
        words = [VOCABULARY[word] for word in text.split()][:max_words]
        tokens[row, : len(words)] = torch.tensor(words)
    return tokens


def make_batch(source: ImageSource, config: ImageTextConfig, generator: torch.Generator) -> Batch:
    if not isinstance(source, SyntheticSource):
        raise DataUnavailableError(
            "image_text_contrastive needs --data synthetic: its reports are written from the "
            "lesions the generator drew, and real images here come without reports"
        )
    drawn = source.sample_annotated(config.batch_size, (config.image_size,) * 2, generator)
    reports = [write_report(mask[0], generator) for mask in drawn.lesion_masks]
    return {"images": drawn.images, "tokens": tokenize(reports, config.max_words)}


# --- Model: image encoder, bag-of-words text encoder, projections to one space -----------------


class TextEncoder(nn.Module):
    """Mean of word embeddings over the non-padding words, then an MLP."""

    def __init__(self, width: int):
        super().__init__()
        # One-hot times a matrix, rather than nn.Embedding: same result, deterministic on CUDA.
        self.embedding = nn.Parameter(torch.randn(len(VOCABULARY) + 1, width))  # as nn.Embedding
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.GELU(), nn.Linear(width, width))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        one_hot = F.one_hot(tokens, len(VOCABULARY) + 1).float()  # (N, L, V)
        words = one_hot @ self.embedding  # (N, L, width)
        present = (tokens > 0).float()[..., None]
        return self.mlp((words * present).sum(dim=1) / present.sum(dim=1).clamp_min(1.0))


class ImageTextTask(nn.Module):
    def __init__(self, config: ImageTextConfig):
        super().__init__()
        self.config = config
        self.encoder = ConvEncoder(2, 1, config.widths)
        # BatchNorm before the projection: the papers' ResNet/ViT image encoders normalise
        # across the batch or per token; the harness's GroupNorm encoder gives these similar
        # X-rays almost identical pooled features at first (cosine ~0.99), and without
        # centring them the contrastive loss sits at chance.
        self.image_projection = nn.Sequential(
            nn.BatchNorm1d(self.encoder.out_channels),
            nn.Linear(self.encoder.out_channels, config.projection_dim),
        )
        self.text_encoder = TextEncoder(config.text_width)
        self.text_projection = nn.Linear(config.text_width, config.projection_dim)

    def embed_images(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.image_projection(self.encoder.features(images)).float(), dim=1)

    def embed_texts(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text_projection(self.text_encoder(tokens)).float(), dim=1)

    def zero_shot_probability(self, images: torch.Tensor) -> torch.Tensor:
        """CheXzero-style: softmax over (positive, negative) prompt similarities -> (B,)."""
        prompts = tokenize(list(PROMPTS), self.config.max_words).to(images.device)
        similarity = self.embed_images(images) @ self.embed_texts(prompts).T  # (B, 2)
        return (similarity / self.config.temperature).softmax(dim=1)[:, 0]

    # --- Loss: bidirectional InfoNCE (ConVIRT Sec. 2, Eqs. 2-4) --------------------------------

    def forward(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        image_embeddings, text_embeddings = self.embed_images(images), self.embed_texts(tokens)
        image_to_text = info_nce(image_embeddings, text_embeddings, self.config.temperature)
        text_to_image = info_nce(text_embeddings, image_embeddings, self.config.temperature)
        weight = self.config.image_to_text_weight
        return weight * image_to_text + (1 - weight) * text_to_image


RECIPE = Recipe(
    name="image_text_contrastive",
    config=ImageTextConfig(),
    smoke_config=ImageTextConfig(
        steps=60,
        batch_size=16,
        image_size=32,
        widths=(8, 16, 32),
        text_width=32,
        projection_dim=32,
        learning_rate=3e-3,
    ),
    build_task=ImageTextTask,
    make_batch=make_batch,
    data_dimension=2,
    probe_data="chest-xray",
)


def smoke_check(device: str = "cpu", data: str = "synthetic") -> SmokeResult:
    """Image and text embeddings share one space (B, E); zero-shot gives one probability each."""

    def check_outputs(task: nn.Module, batch: Batch) -> None:
        count, dim = len(batch["images"]), RECIPE.smoke_config.projection_dim
        expect_shape(task.embed_images(batch["images"]), (count, dim), "image embeddings")
        expect_shape(task.embed_texts(batch["tokens"]), (count, dim), "text embeddings")
        probability = task.zero_shot_probability(batch["images"])
        expect_shape(probability, (count,), "zero-shot probabilities")
        assert bool(((probability >= 0) & (probability <= 1)).all())

    def check_pretext(task: nn.Module, batches: list[Batch]) -> dict[str, float]:
        """Held-out: each image retrieves a report with its own finding (a nodule, or none).

        Reports repeat and the batch is small, so a hit is a retrieved report of the same kind
        (normal vs nodule) as the image's own; chance is the share of such reports in the batch.
        """
        hits, chance = [], []
        for b in batches:
            similarity = task.embed_images(b["images"]) @ task.embed_texts(b["tokens"]).T  # (B, B)
            sides = torch.tensor([VOCABULARY["left"], VOCABULARY["right"]], device=b["tokens"].device)
            finding = torch.isin(b["tokens"], sides).any(dim=1)  # (B,): only findings name a side
            same_kind = finding[:, None] == finding[None, :]  # (B, B)
            hits.append(same_kind.gather(1, similarity.argmax(dim=1, keepdim=True)).float().mean())
            chance.append(same_kind.float().mean())
        score, base = float(torch.stack(hits).mean()), float(torch.stack(chance).mean())
        return expect_above_chance("report retrieval", score, base, 0.2)

    return run_smoke_check(RECIPE, check_outputs, device, data, check_pretext=check_pretext)


def main(argv: list[str] | None = None) -> int:
    return reference_main(RECIPE, argv)


if __name__ == "__main__":
    raise SystemExit(main())
