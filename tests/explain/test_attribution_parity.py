"""Our attribution methods against captum (1e-5) on the same model, inputs and targets; guided backprop of a
linear model against its closed form; the ReLUs captum cannot see (functional, reused)."""

import captum.attr as captum_attr  # a hard dependency: a broken captum fails here, it is not skipped
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import mllab.explain as ex


def small_convnet(inplace: bool) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(2, 6, 3, padding=1), nn.ReLU(inplace=inplace), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(inplace=inplace),
        nn.Flatten(), nn.Linear(8 * 4 * 4, 16), nn.ReLU(inplace=inplace), nn.Linear(16, 5)).double().eval()


X = torch.rand(4, 2, 8, 8, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
TARGET = torch.tensor([0, 3, 1, 4])


def captum_result(name, net, x, target):
    if name == "saliency":
        return captum_attr.Saliency(net).attribute(x, target=target)
    if name == "guided_backprop":
        return captum_attr.GuidedBackprop(net).attribute(x, target=target)
    if name == "deconvolution":
        return captum_attr.Deconvolution(net).attribute(x, target=target)
    if name == "integrated_gradients":
        return captum_attr.IntegratedGradients(net).attribute(x, target=target, n_steps=50)
    cam = captum_attr.LayerGradCam(net, net[3]).attribute(x, target=target, relu_attributions=True)
    return captum_attr.LayerAttribution.interpolate(cam, x.shape[-2:], "bilinear")


METHODS = ["saliency", "guided_backprop", "deconvolution", "gradcam", "integrated_gradients"]


@pytest.mark.parametrize("inplace", [False, True], ids=["relu", "inplace_relu"])
@pytest.mark.parametrize("method", METHODS)
def test_matches_captum(method, inplace):
    ours = ex.attribute(small_convnet(inplace), X, TARGET, method, layer="3" if method == "gradcam" else None)
    ref = captum_result(method, small_convnet(inplace), X.clone(), TARGET).detach().numpy()
    assert ours.shape == ref.shape
    assert abs(ref).sum() > 0
    assert ours == pytest.approx(ref, abs=1e-5, rel=1e-5)


def test_gradcam_at_a_relu_followed_by_nothing_inplace_matches_captum():
    net = small_convnet(True)
    ours = ex.attribute(net, X, TARGET, "gradcam", layer="4")
    cam = captum_attr.LayerGradCam(net, net[4]).attribute(X, target=TARGET, relu_attributions=True)
    ref = captum_attr.LayerAttribution.interpolate(cam, (8, 8), "bilinear").detach().numpy()
    assert ours == pytest.approx(ref, abs=1e-5)


class TokenNet(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embedding = nn.Embedding(20, 6, padding_idx=0)
        self.lstm = nn.LSTM(6, 5, batch_first=True)
        self.classifier = nn.Linear(5, 2)

    def forward(self, x):
        return self.classifier(self.lstm(self.embedding(x))[1][0][-1])


def test_token_integrated_gradients_match_captum_layer_ig():
    net = TokenNet().double().eval()
    x = torch.tensor([[3, 5, 7, 0], [1, 2, 9, 19]])
    target = torch.tensor([1, 0])
    ours = ex.attribute(net, x, target, "integrated_gradients")
    lig = captum_attr.LayerIntegratedGradients(net, net.embedding)
    ref = lig.attribute(x, baselines=torch.zeros_like(x), target=target, n_steps=50).sum(-1).detach().numpy()
    assert ours.shape == (2, 4)
    assert ours == pytest.approx(ref, abs=1e-5)


def test_guided_backprop_of_a_linear_model_is_its_closed_form():
    """A linear model: the gradient of class k's score is W[k] whatever the input; the ReLU in front of it
    (on the input) passes only positive gradients where the input is positive: W[k]+ * (x > 0)."""
    torch.manual_seed(0)
    lin = nn.Linear(12, 3).double()
    net = nn.Sequential(nn.ReLU(), lin).eval()
    x = torch.randn(5, 12, dtype=torch.float64)
    target = torch.tensor([0, 1, 2, 1, 0])
    w = lin.weight.detach()[target]  # (5, 12)
    ours = ex.attribute(net, x, target, "guided_backprop")
    assert ours == pytest.approx((w.clamp(min=0) * (x > 0)).numpy(), abs=1e-12)
    plain = ex.attribute(nn.Sequential(lin).eval(), x, target, "guided_backprop")  # no ReLU: the weights
    assert plain == pytest.approx(w.numpy(), abs=1e-12)


class FunctionalReLUs(nn.Module):
    """The cases captum's module hooks miss: F.relu, torch.relu, and one nn.ReLU module used twice."""

    def __init__(self, style):
        super().__init__()
        torch.manual_seed(0)
        self.style = style
        self.fc1, self.fc2, self.fc3 = nn.Linear(10, 8), nn.Linear(8, 8), nn.Linear(8, 3)
        self.act = nn.ReLU()

    def forward(self, x):
        if self.style == "modules":
            return self.fc3(self.act2(self.fc2(self.act(self.fc1(x)))))
        if self.style == "functional":
            return self.fc3(torch.relu(self.fc2(F.relu(self.fc1(x)))))
        return self.fc3(self.act(self.fc2(self.act(self.fc1(x)))))  # reused module


@pytest.mark.parametrize("method", ["guided_backprop", "deconvolution"])
@pytest.mark.parametrize("style", ["functional", "reused"])
def test_functional_and_reused_relus_equal_separate_modules(method, style):
    x = torch.randn(6, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    target = torch.tensor([0, 1, 2, 0, 1, 2])
    reference_net = FunctionalReLUs("modules").double().eval()
    reference_net.act2 = nn.ReLU()
    ref = captum_result(method, reference_net, x, target).detach().numpy()
    ours = ex.attribute(FunctionalReLUs(style).double().eval(), x, target, method)
    assert ours == pytest.approx(ref, abs=1e-10)
    plain = ex.attribute(FunctionalReLUs(style).double().eval(), x, target, "saliency")
    assert abs(abs(ours) - plain).max() > 1e-6  # the rule did change the gradient


def test_captum_misses_functional_relus_which_is_why_ours_swaps_the_function():
    x = torch.randn(6, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    target = torch.tensor([0, 1, 2, 0, 1, 2])
    net = FunctionalReLUs("functional").double().eval()
    theirs = captum_result("guided_backprop", net, x, target).detach().numpy()
    assert theirs == pytest.approx(_gradient(net, x, target))  # plain gradient: no ReLU rule applied
    assert abs(theirs - ex.attribute(net, x, target, "guided_backprop")).max() > 1e-6


def _gradient(net, x, target):
    x = x.clone().requires_grad_(True)
    net(x).gather(1, target[:, None]).sum().backward()
    return x.grad.numpy()


def test_integrated_gradients_in_chunks_of_steps_match_captum_and_leave_the_parameters_as_they_were(monkeypatch):
    monkeypatch.setattr(ex.attribution, "IG_ROWS", 3 * len(X))  # 3 steps per pass, the last pass shorter (50 = 16*3+2)
    net = small_convnet(False)
    net[0].weight.requires_grad_(False)  # one parameter frozen by the user: it must stay frozen, the others not
    ours = ex.attribute(net, X, TARGET, "integrated_gradients")
    ref = captum_result("integrated_gradients", small_convnet(False), X.clone(), TARGET).detach().numpy()
    assert ours == pytest.approx(ref, abs=1e-5, rel=1e-5)
    assert [p.requires_grad for p in net.parameters()] == [False] + [True] * (len(list(net.parameters())) - 1)
