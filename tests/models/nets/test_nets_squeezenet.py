"""SqueezeNet 1.1: torchvision-format checkpoints, the sha256 check, classifier replacement, freezing."""

import hashlib

import pytest
import torch

from mllab.data.files import ChecksumError
from mllab.models.registry import MODELS

squeezenet1_1 = MODELS.get("squeezenet1_1")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A torchvision-format 1000-class file written from a randomly initialised model, and its sha256."""
    torch.manual_seed(123)
    state = squeezenet1_1((3, 224, 224), 1000).state_dict()
    path = tmp_path_factory.mktemp("weights") / "squeezenet1_1-test.pth"
    torch.save(state, path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest(), state


def test_state_dict_has_torchvision_names_and_count():
    keys = list(squeezenet1_1((3, 224, 224), 1000).state_dict())
    assert len(keys) == 2 + 8 * 6 + 2  # stem conv, 8 Fire modules of 3 convs, classifier conv
    for name in ["features.0.weight", "features.3.squeeze.weight", "features.3.expand1x1.bias",
                 "features.12.expand3x3.weight", "classifier.1.weight", "classifier.1.bias"]:
        assert name in keys
    assert sum(p.numel() for p in squeezenet1_1((3, 224, 224), 1000).parameters()) == 1_235_496


def test_loads_the_backbone_and_replaces_the_classifier(checkpoint):
    path, sha, state = checkpoint
    torch.manual_seed(0)
    net = squeezenet1_1((3, 64, 64), 17, weights=str(path), weights_sha256=sha)
    loaded = net.state_dict()
    for k, v in state.items():
        if k.startswith("features."):
            assert torch.equal(loaded[k], v), k
    assert loaded["classifier.1.weight"].shape == (17, 512, 1, 1)
    assert net(torch.rand(2, 3, 64, 64)).shape == (2, 17)


def test_same_class_count_keeps_the_checkpoint_classifier(checkpoint):
    path, sha, state = checkpoint
    net = squeezenet1_1((3, 224, 224), 1000, weights=path, weights_sha256=sha.upper())
    assert torch.equal(net.state_dict()["classifier.1.weight"], state["classifier.1.weight"])


def test_wrong_or_missing_sha256_is_a_clear_error(checkpoint):
    path, sha, _ = checkpoint
    with pytest.raises(ChecksumError, match=f"sha256 mismatch \\(expected 0+, found {sha}\\)"):
        squeezenet1_1((3, 64, 64), 17, weights=path, weights_sha256="0" * 64)
    with pytest.raises(ValueError, match=f"weights_sha256 is required.*{sha}"):
        squeezenet1_1((3, 64, 64), 17, weights=path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        squeezenet1_1((3, 64, 64), 17, weights=path.with_name("absent.pth"), weights_sha256=sha)


def test_a_checkpoint_of_another_network_is_refused(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"conv.weight": torch.zeros(3)}, path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="is not a torchvision squeezenet1_1 checkpoint"):
        squeezenet1_1((3, 64, 64), 17, weights=path, weights_sha256=sha)


def test_freeze_backbone_trains_only_the_classifier(checkpoint):
    path, sha, _ = checkpoint
    net = squeezenet1_1((3, 64, 64), 5, weights=path, weights_sha256=sha, freeze_backbone=True)
    trainable = [n for n, p in net.named_parameters() if p.requires_grad]
    assert trainable == ["classifier.1.weight", "classifier.1.bias"]
    net(torch.rand(2, 3, 64, 64)).sum().backward()
    assert all(p.grad is None for p in net.features.parameters())


def test_imagenet_norm_standardizes_inside_without_new_state():
    torch.manual_seed(0)
    plain = squeezenet1_1((3, 32, 32), 4).eval()
    normed = squeezenet1_1((3, 32, 32), 4, imagenet_norm=True).eval()
    normed.load_state_dict(plain.state_dict())  # strict: no extra keys
    x = torch.rand(2, 3, 32, 32)
    mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    torch.testing.assert_close(normed(x), plain((x - mean[:, None, None]) / std[:, None, None]))


def test_freezing_a_backbone_without_weights_is_refused():
    with pytest.raises(ValueError, match="freeze_backbone=True without weights=PATH"):
        squeezenet1_1((3, 64, 64), 17, freeze_backbone=True)
