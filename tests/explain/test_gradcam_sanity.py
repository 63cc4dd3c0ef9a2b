"""Grad-CAM sanity: a net trained to answer "is there a square in the top-left quadrant?" (with a distractor
square elsewhere in every image) puts far more than the quadrant's area share (1/4) of its class-1 map there.

Grad-CAM weighs whole channels, so a channel that detects squares anywhere also lights the distractor: the
top-left square gets about half of the mass (measured 0.49), the distractor most of the rest."""

import torch
from torch import nn

import mllab.explain as ex


def squares(n, gen):
    """16x16 noise with a bright 4x4 distractor square in a random quadrant other than the top-left one, and
    for label 1 another square inside the top-left 8x8 quadrant: only that quadrant decides the label."""
    x = 0.1 * torch.rand(n, 1, 16, 16, generator=gen)
    y = torch.randint(0, 2, (n,), generator=gen)

    def draw(i, quadrant):
        r = (quadrant // 2) * 8 + int(torch.randint(0, 5, (1,), generator=gen))
        c = (quadrant % 2) * 8 + int(torch.randint(0, 5, (1,), generator=gen))
        x[i, 0, r:r + 4, c:c + 4] = 1.0

    for i in range(n):
        draw(i, int(torch.randint(1, 4, (1,), generator=gen)))
        if y[i]:
            draw(i, 0)
    return x, y


def test_gradcam_mass_lies_in_the_quadrant_the_net_looks_at():
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
                        nn.Flatten(), nn.Linear(8 * 16 * 16, 2))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(150):
        x, y = squares(64, gen)
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    net.eval()
    x, y = squares(200, gen)
    assert (net(x).argmax(1) == y).float().mean() > 0.95
    x1 = x[y == 1]
    cam = ex.attribute(net, x1, target=torch.ones(len(x1), dtype=torch.long), method="gradcam", layer="3")
    share = cam[:, 0, :8, :8].sum() / cam.sum()
    assert share > 0.4
    on_squares = (cam[:, 0] * (x1[:, 0] > 0.5).numpy()).sum() / cam.sum()
    assert on_squares > 0.5
