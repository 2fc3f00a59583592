"""Which runnable references exist: name -> paper id, pretext task, dimension, input shape, module.

This module is the one place that lists the references, and it never imports torch, so the site
and README renderers (and ``medssl refs list``) can show the references on a machine without
PyTorch. The paper ids are catalog ids (``catalog/papers/<id>.yaml``); a test checks that each
``input_shape`` here matches the module's default config.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass

from runnable_refs.errors import UnknownReferenceError


@dataclass(frozen=True)
class Reference:
    """One runnable reference implementation and the paper it follows."""

    name: str  # the CLI name, e.g. ``models_genesis``
    paper: str  # catalog id of the paper the code follows
    pretext: str  # the self-supervised task, in a few words
    dimension: str  # "2D" or "3D": what the network convolves over
    input_shape: tuple[int, ...]  # one sample as the network sees it, (C, H, W) or (C, D, H, W)
    module: str  # dotted module path holding transform, model, loss, config and ``RECIPE``
    also_cites: tuple[str, ...] = ()  # catalog ids of other papers the code draws on


_TALEB = "taleb2020-3d-self-supervised-methods"

REFERENCES: tuple[Reference, ...] = (
    Reference(
        name="rotation_2d",
        paper=_TALEB,
        pretext="predict which of 4 in-plane 90-degree rotations was applied",
        dimension="2D",
        input_shape=(1, 64, 64),
        module="runnable_refs.rotation_2d",
    ),
    Reference(
        name="rotation_3d",
        paper=_TALEB,
        pretext="predict which of 10 axis-aligned 90-degree rotations was applied",
        dimension="3D",
        input_shape=(1, 32, 32, 32),
        module="runnable_refs.rotation_3d",
    ),
    Reference(
        name="relative_patch_location_3d",
        paper=_TALEB,
        pretext="predict which of the 26 neighbouring patches sits next to the centre patch",
        dimension="3D",
        input_shape=(1, 36, 36, 36),
        module="runnable_refs.relative_patch_location_3d",
    ),
    Reference(
        name="jigsaw_3d",
        paper=_TALEB,
        pretext="solve a 3x3x3 jigsaw: classify the permutation of the 27 patches",
        dimension="3D",
        input_shape=(1, 36, 36, 36),
        module="runnable_refs.jigsaw_3d",
    ),
    Reference(
        name="rubiks_cube",
        paper="zhuang2019-rubiks-cube",
        pretext="restore a 2x2x2 Rubik's cube: predict cube order and which cubes were rotated",
        dimension="3D",
        input_shape=(1, 32, 32, 32),
        module="runnable_refs.rubiks_cube",
    ),
    Reference(
        name="context_restoration",
        paper="chen2019-context-restoration",
        pretext="restore an image whose small patches were swapped in pairs",
        dimension="2D",
        input_shape=(1, 64, 64),
        module="runnable_refs.context_restoration",
    ),
    Reference(
        name="models_genesis",
        paper="zhou2019-models-genesis",
        pretext="restore a volume after non-linear intensity, local shuffling, in-/out-painting",
        dimension="3D",
        input_shape=(1, 32, 32, 32),
        module="runnable_refs.models_genesis",
    ),
    Reference(
        name="moco_cxr",
        paper="sowrirajan2021-moco-cxr",
        pretext="MoCo contrast: momentum encoder, queue of negatives, X-ray augmentations",
        dimension="2D",
        input_shape=(1, 64, 64),
        module="runnable_refs.moco_cxr",
    ),
    Reference(
        name="global_local_contrastive",
        paper="chaitanya2020-global-local-contrastive",
        pretext="global contrast across volume partitions, local contrast of decoder regions",
        dimension="2D",
        input_shape=(1, 64, 64),
        module="runnable_refs.global_local_contrastive",
    ),
    Reference(
        name="mae",
        paper="xing2023-mae-covid-cxr",
        pretext="masked autoencoder: a ViT reconstructs 40% randomly masked patches (the ratio Xing et al. found best)",
        dimension="2D",
        input_shape=(1, 64, 64),
        module="runnable_refs.mae",
    ),
    Reference(
        name="dino",
        paper="shakouri2023-dino-cxr",
        pretext="DINO self-distillation: a student ViT matches a momentum teacher across crops",
        dimension="2D",
        input_shape=(1, 64, 64),
        module="runnable_refs.dino",
    ),
    Reference(
        name="image_text_contrastive",
        paper="tiu2022-chexzero",
        pretext="contrast images with their report sentences (ConVIRT/CLIP loss); zero-shot",
        dimension="2D",
        input_shape=(1, 64, 64),
        module="runnable_refs.image_text_contrastive",
        also_cites=("zhang2022-convirt",),
    ),
    Reference(
        name="vox2vec",
        paper="goncharov2023-vox2vec",
        pretext="voxel-level contrast: the same voxel in two overlapping crops is a positive pair",
        dimension="3D",
        input_shape=(1, 32, 32, 32),
        module="runnable_refs.vox2vec",
    ),
    Reference(
        name="patch2self",
        paper="fadnavis2020-patch2self",
        pretext="denoise a diffusion MRI series by predicting each volume from all the others",
        dimension="3D",
        input_shape=(6, 24, 24, 24),
        module="runnable_refs.patch2self",
    ),
    Reference(
        name="swin_unetr_pretext",
        paper="tang2022-swin-unetr-pretraining",
        pretext="multi-task: masked-volume inpainting, rotation prediction, contrastive coding",
        dimension="3D",
        input_shape=(1, 96, 96, 96),
        module="runnable_refs.swin_unetr_pretext",
    ),
)


def reference_names() -> list[str]:
    """All reference names, sorted."""
    return sorted(reference.name for reference in REFERENCES)


def get_reference(name: str) -> Reference:
    """Look a reference up by name; an unknown name raises with a "did you mean" hint."""
    for reference in REFERENCES:
        if reference.name == name:
            return reference
    close = difflib.get_close_matches(name, reference_names(), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownReferenceError(f"unknown reference {name!r}.{hint} Known: {', '.join(reference_names())}")


def list_references() -> list[dict[str, object]]:
    """The references as plain dicts, sorted by name, for renderers and ``refs list --json``.

    Keys: name, paper, also_cites, pretext, dimension, input_shape, module. Lists, not tuples,
    so the result is JSON-ready.
    """
    rows = []
    for reference in sorted(REFERENCES, key=lambda reference: reference.name):
        row = asdict(reference)
        row["input_shape"] = list(reference.input_shape)
        row["also_cites"] = list(reference.also_cites)
        rows.append(row)
    return rows
