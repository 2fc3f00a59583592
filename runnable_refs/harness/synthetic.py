"""Synthetic medical-like images made on the fly: nothing to download, any size, any count.

* ``synthetic_chest_xrays``: 2D radiograph-like images (thorax, dark lung fields, heart, spine,
  ribs) with optional nodule-like lesions and their masks.
* ``synthetic_ct_volumes``: 3D CT-like volumes in Hounsfield units (air, fat, soft tissue,
  lungs, liver, spleen, kidneys, aorta, spine) with organ labels and optional liver lesions.
* ``synthetic_diffusion_series``: a diffusion-MRI-like series of co-registered volumes with
  Rician noise and its noise-free version.
* ``labelled_lesion_task``: balanced "is there a lesion?" data sets for the probe.

Anatomy keeps a canonical orientation (no random flips), as real scans do: rotation and
jigsaw pretexts rely on it. Every random draw comes from the ``generator`` passed in, so the
same generator state gives the same images on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

# Hounsfield units of the tissues drawn into the CT volumes (typical textbook values).
HOUNSFIELD = {
    "air": -1000.0,
    "lung": -850.0,
    "fat": -100.0,
    "soft_tissue": 40.0,
    "liver": 60.0,
    "spleen": 45.0,
    "kidney": 30.0,
    "vessel": 150.0,
    "bone": 700.0,
}
# Integer labels of ``SyntheticCT.organs``.
ORGAN_LABELS = {
    "background": 0,
    "body": 1,
    "lung": 2,
    "liver": 3,
    "spleen": 4,
    "kidney": 5,
    "vessel": 6,
    "bone": 7,
}
# Models Genesis clips CT to [-1000, 1000] HU before scaling to [0, 1]; the refs do the same.
CT_WINDOW = (-1000.0, 1000.0)


@dataclass(frozen=True)
class SyntheticImages:
    """A batch of synthetic images with what was drawn into them."""

    images: torch.Tensor  # (B, 1, H, W) in [0, 1], or (B, 1, D, H, W) in HU
    lesion_masks: torch.Tensor  # (B, 1, ...) bool, True inside a lesion
    organs: torch.Tensor | None = None  # (B, 1, D, H, W) int64 ``ORGAN_LABELS``; CT only


def _uniform(generator: torch.Generator, shape: tuple[int, ...], low: float, high: float):
    return low + (high - low) * torch.rand(shape, generator=generator)


def _grid(shape: tuple[int, ...]) -> list[torch.Tensor]:
    """Coordinates in [-1, 1] along each axis, broadcastable to ``(1, *shape)``."""
    axes = [torch.linspace(-1.0, 1.0, size) for size in shape]
    return [axis[None] for axis in torch.meshgrid(*axes, indexing="ij")]


def _inside(coords: list[torch.Tensor], centre: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """Mask of the ellipse/ellipsoid per sample; ``centre`` and ``radii`` are (B, ndim)."""
    extra = (1,) * len(coords)
    distance = sum(
        ((axis - centre[:, i].view(-1, *extra)) / radii[:, i].view(-1, *extra)) ** 2 for i, axis in enumerate(coords)
    )
    return distance <= 1.0  # (B, *shape)


def _blur(images: torch.Tensor) -> torch.Tensor:
    """A 3-tap binomial blur along every spatial axis: soft, scanner-like edges.

    Edges are replicated, not zero-padded: a zero border would be 0 HU, i.e. tissue, in CT.
    """
    kernel = torch.tensor([0.25, 0.5, 0.25])
    spatial = images.dim() - 2
    convolve = F.conv2d if spatial == 2 else F.conv3d
    images = F.pad(images, [1, 1] * spatial, mode="replicate")
    for axis in range(spatial):
        shape = [1, 1] + [3 if a == axis else 1 for a in range(spatial)]
        images = convolve(images, kernel.view(shape))
    return images


def _jitter(generator: torch.Generator, count: int, base: list[float], spread: float):
    """``base`` repeated per sample, each coordinate moved by up to ``spread``."""
    return torch.tensor(base) + _uniform(generator, (count, len(base)), -spread, spread)


def synthetic_chest_xrays(
    count: int,
    size: tuple[int, int],
    generator: torch.Generator,
    lesion_probability: float = 0.5,
    has_lesion: torch.Tensor | None = None,
) -> SyntheticImages:
    """Radiograph-like images (bright bone and soft tissue, dark lungs), values in [0, 1].

    ``has_lesion`` (B,) bool forces which images get a nodule; otherwise each image gets one
    with ``lesion_probability``.
    """
    y, x = _grid(size)  # y runs head to feet, x patient right to left (image left to right)
    thorax = _inside(
        [y, x],
        _jitter(generator, count, [0.05, 0.0], 0.04),
        _jitter(generator, count, [0.95, 0.85], 0.05),
    )
    lung_radii = _jitter(generator, count, [0.68, 0.3], 0.05)
    right_lung = _inside([y, x], _jitter(generator, count, [-0.12, -0.38], 0.05), lung_radii)
    left_lung = _inside([y, x], _jitter(generator, count, [-0.12, 0.38], 0.05), lung_radii)
    heart = _inside(
        [y, x],
        _jitter(generator, count, [0.3, 0.14], 0.05),
        _jitter(generator, count, [0.3, 0.3], 0.04),
    )
    spine = (x.abs() < 0.07) & thorax
    lungs = (right_lung | left_lung) & ~heart

    image = 0.05 + 0.5 * thorax.float()  # air outside, soft tissue inside the body
    image = torch.where(lungs, 0.2 + 0.1 * (y + 1) / 2, image)  # lung bases are denser
    image = image + 0.2 * heart.float() + 0.2 * spine.float()
    rib_phase = _uniform(generator, (count, 1, 1), 0.0, 0.3)
    ribs = torch.sin((y - 0.35 * x**2 + rib_phase) * 22.0) > 0.8  # curved, evenly spaced bands
    image = image + 0.08 * (ribs & lungs).float()

    if has_lesion is None:
        has_lesion = torch.rand(count, generator=generator) < lesion_probability
    # A nodule sits inside one lung field: pick the side, then a point in that lung.
    side = torch.where(torch.rand(count, generator=generator) < 0.5, -0.38, 0.38)
    centre = torch.stack(
        [
            _uniform(generator, (count,), -0.4, 0.35),
            side + _uniform(generator, (count,), -0.12, 0.12),
        ],
        dim=1,
    )
    radius = _uniform(generator, (count, 1), 0.1, 0.2).expand(count, 2)
    lesion = _inside([y, x], centre, radius) & lungs & has_lesion.view(-1, 1, 1)
    image = image + _uniform(generator, (count, 1, 1), 0.2, 0.35) * lesion.float()

    image = _blur(image[:, None])  # (B, 1, H, W)
    gamma = _uniform(generator, (count, 1, 1, 1), 0.8, 1.25)  # exposure differences
    image = image.clamp(0.0, 1.0) ** gamma
    image = image + 0.02 * torch.randn(image.shape, generator=generator)
    return SyntheticImages(image.clamp(0.0, 1.0), lesion[:, None])


def synthetic_ct_volumes(
    count: int,
    size: tuple[int, int, int],
    generator: torch.Generator,
    lesion_probability: float = 0.5,
    has_lesion: torch.Tensor | None = None,
) -> SyntheticImages:
    """Abdomen/lower-chest CT-like volumes in Hounsfield units, axes (D, H, W) = (z, y, x).

    Organs are jittered ellipsoids with textbook HU values plus 15 HU noise; a lesion is a
    hypodense sphere in the liver (70 HU darker), the classic look of a metastasis.
    """
    z, y, x = _grid(size)  # z head to feet, y front to back, x right to left
    labels = torch.zeros((count, *size), dtype=torch.int64)
    hounsfield = torch.full((count, *size), HOUNSFIELD["air"])

    def draw(name: str, mask: torch.Tensor, organ: str) -> None:
        hounsfield[mask] = HOUNSFIELD[name]
        labels[mask] = ORGAN_LABELS[organ]

    body_radii = _jitter(generator, count, [9.0, 0.72, 0.9], 0.05)  # long in z: a cylinder
    body = _inside([z, y, x], torch.zeros(count, 3), body_radii)
    draw("fat", body, "body")
    draw("soft_tissue", _inside([z, y, x], torch.zeros(count, 3), body_radii * 0.88), "body")
    for side in (-0.4, 0.4):
        draw(
            "lung",
            _inside(
                [z, y, x],
                _jitter(generator, count, [-0.75, -0.05, side], 0.06),
                _jitter(generator, count, [0.55, 0.45, 0.3], 0.04),
            ),
            "lung",
        )
    liver_centre = _jitter(generator, count, [0.1, -0.05, -0.35], 0.06)
    liver_radii = _jitter(generator, count, [0.4, 0.45, 0.38], 0.04)
    liver = _inside([z, y, x], liver_centre, liver_radii)
    draw("liver", liver, "liver")
    draw(
        "spleen",
        _inside(
            [z, y, x],
            _jitter(generator, count, [0.05, 0.25, 0.5], 0.05),
            _jitter(generator, count, [0.25, 0.18, 0.15], 0.03),
        ),
        "spleen",
    )
    for side in (-0.3, 0.3):
        draw(
            "kidney",
            _inside(
                [z, y, x],
                _jitter(generator, count, [0.55, 0.4, side], 0.05),
                _jitter(generator, count, [0.22, 0.13, 0.12], 0.02),
            ),
            "kidney",
        )
    draw(
        "vessel",
        _inside(
            [z, y, x],
            _jitter(generator, count, [0.0, 0.3, 0.08], 0.02),
            torch.tensor([[9.0, 0.07, 0.07]]).expand(count, 3),
        ),
        "vessel",
    )
    draw(
        "bone",
        _inside(
            [z, y, x],
            _jitter(generator, count, [0.0, 0.55, 0.0], 0.02),
            torch.tensor([[9.0, 0.12, 0.11]]).expand(count, 3),
        ),
        "bone",
    )

    if has_lesion is None:
        has_lesion = torch.rand(count, generator=generator) < lesion_probability
    # Lesion centre: a random point well inside the liver ellipsoid.
    direction = torch.randn((count, 3), generator=generator)
    direction = direction / direction.norm(dim=1, keepdim=True)
    depth = _uniform(generator, (count, 1), 0.0, 0.5)
    lesion_centre = liver_centre + direction * depth * liver_radii
    lesion_radius = _uniform(generator, (count, 1), 0.15, 0.25).expand(count, 3)
    lesion = _inside([z, y, x], lesion_centre, lesion_radius) & liver
    lesion &= has_lesion.view(-1, 1, 1, 1)
    hounsfield = hounsfield - 70.0 * lesion.float()

    volume = _blur(hounsfield[:, None])  # (B, 1, D, H, W), partial-volume edges
    volume = volume + 15.0 * torch.randn(volume.shape, generator=generator)  # quantum noise
    return SyntheticImages(volume, lesion[:, None], labels[:, None])


def window_hounsfield(volume: torch.Tensor, window: tuple[float, float] = CT_WINDOW):
    """Clip HU to ``window`` and scale to [0, 1], the network input range."""
    low, high = window
    return ((volume - low) / (high - low)).clamp(0.0, 1.0)


def synthetic_diffusion_series(
    count: int,
    volumes: int,
    size: tuple[int, int, int],
    generator: torch.Generator,
    noise: float = 0.08,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A diffusion-MRI-like series: ``volumes`` gradient directions of one head, with noise.

    Signal follows ``S = S0 * exp(-b * ADC(g))`` where the ADC of an anisotropic "fibre" region
    depends on the angle between the gradient ``g`` and the fibre; noise is Rician
    (magnitude of complex Gaussian noise), as in real magnitude images.
    Returns ``(noisy, clean)``, both (B, V, D, H, W).
    """
    z, y, x = _grid(size)
    head = _inside(
        [z, y, x],
        _jitter(generator, count, [0.0, 0.0, 0.0], 0.05),
        _jitter(generator, count, [0.85, 0.8, 0.7], 0.05),
    )
    fibre = (
        _inside(
            [z, y, x],
            _jitter(generator, count, [0.0, 0.0, 0.0], 0.1),
            _jitter(generator, count, [0.5, 0.25, 0.5], 0.05),
        )
        & head
    )
    fibre_axis = torch.nn.functional.normalize(torch.randn((count, 3), generator=generator), dim=1)
    gradients = torch.nn.functional.normalize(torch.randn((volumes, 3), generator=generator), dim=1)
    alignment = (fibre_axis @ gradients.T) ** 2  # (B, V): cos^2 of the angle to the fibre
    b_value = 1.0  # in units where tissue ADCs are about 0.7 to 1.7
    adc_fibre = 0.3 + 1.4 * alignment  # fast along the fibre, slow across it
    extra = (1, 1, 1)
    adc = torch.where(fibre[:, None], adc_fibre.view(count, volumes, *extra), 0.8)
    clean = head[:, None].float() * torch.exp(-b_value * adc)  # (B, V, D, H, W)
    clean = _blur(clean.reshape(count * volumes, 1, *size)).reshape(clean.shape)
    real = clean + noise * torch.randn(clean.shape, generator=generator)
    imaginary = noise * torch.randn(clean.shape, generator=generator)
    return torch.sqrt(real**2 + imaginary**2), clean


def labelled_lesion_task(
    kind: str, count: int, spatial_shape: tuple[int, ...], generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """A balanced binary task, "is there a lesion?", for the probe.

    ``kind`` is ``chest-xray`` (2D radiographs: a lung nodule or not), ``ct-cube`` (3D CT
    cubes centred either on a liver lesion or on a lesion-free point of the liver, like the
    candidate classification of nodule false-positive reduction) or ``ct-slice`` (the axial
    slice through the lesion centre, or any slice of a healthy volume). Returns images
    (N, 1, ...) in [0, 1] and labels (N,) int64.
    """
    labels = (torch.arange(count) % 2).long()
    labels = labels[torch.randperm(count, generator=generator)]
    if kind == "chest-xray":
        drawn = synthetic_chest_xrays(count, spatial_shape, generator, has_lesion=labels > 0)
        return drawn.images, labels
    if kind == "ct-cube":
        context = tuple(side * 3 // 2 for side in spatial_shape)  # room around each cube
        drawn = synthetic_ct_volumes(count, context, generator, has_lesion=labels > 0)
        cubes = []
        for volume, lesion, organs in zip(drawn.images, drawn.lesion_masks, drawn.organs, strict=True):
            if lesion.any():
                centre = lesion[0].nonzero().float().mean(dim=0).round().long()
            else:  # a point deep inside the liver, as lesion centres are: no shortcut via edges
                outside = (organs != ORGAN_LABELS["liver"]).float()[None]
                deep = F.max_pool3d(outside, 7, stride=1, padding=3)[0, 0] == 0
                points = (deep if deep.any() else outside[0, 0] == 0).nonzero()  # (P, 3)
                centre = points[int(torch.randint(len(points), (1,), generator=generator))]
            start = [
                int(min(max(int(c) - side // 2, 0), full - side))
                for c, side, full in zip(centre, spatial_shape, context, strict=True)
            ]
            cubes.append(
                volume[
                    :,
                    start[0] : start[0] + spatial_shape[0],
                    start[1] : start[1] + spatial_shape[1],
                    start[2] : start[2] + spatial_shape[2],
                ]
            )
        return window_hounsfield(torch.stack(cubes)), labels
    if kind == "ct-slice":
        depth = spatial_shape[0]
        drawn = synthetic_ct_volumes(count, (depth, *spatial_shape), generator, has_lesion=labels > 0)
        lesion_per_slice = drawn.lesion_masks[:, 0].flatten(2).sum(dim=2).float()  # (N, D)
        random_slice = torch.randint(depth // 4, 3 * depth // 4, (count,), generator=generator)
        chosen = torch.where(labels > 0, lesion_per_slice.argmax(dim=1), random_slice)
        slices = drawn.images[torch.arange(count), :, chosen]  # (N, 1, H, W)
        return window_hounsfield(slices), labels
    raise ValueError(f"unknown labelled task {kind!r}: chest-xray, ct-cube or ct-slice")
