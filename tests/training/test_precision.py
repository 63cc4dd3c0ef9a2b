"""bf16 training: autocast on the forward pass only; float32 weights, loss and evaluation; fp32 unchanged."""

import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from mllab.core.errors import ConfigError
from mllab.models.registry import MODELS
from mllab.runs.config import resolve_config
from mllab.training import precision as precision_module
from mllab.training.precision import PrecisionError, autocast, check_precision, cpu_bf16_units, to_float32
from mllab.training.tasks import ClassifyTask
from mllab.training.trainer import Tensors, Trainer

# bf16 runs only where the CPU has bf16 units; elsewhere the refusal is what is tested
needs_bf16 = pytest.mark.skipif(not cpu_bf16_units(), reason="this CPU has no bfloat16 units (AVX512-BF16/AMX)")


def digits():
    d = load_digits()
    x = torch.tensor(d.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(d.target)
    return Tensors(x[:1500], y[:1500]), Tensors(x[1500:], y[1500:])


def trainer(precision, epochs=8):
    cfg = resolve_config({"optimizer": {"name": "adam", "lr": 0.003},
                          "training": {"epochs": epochs, "batch_size": 64, "precision": precision}})
    torch.manual_seed(0)
    model = MODELS.get("small_cnn")((1, 8, 8), 10, channels=[16, 32])
    return Trainer(model, cfg, ClassifyTask("cross_entropy", 10), None, quiet=True)


@needs_bf16
def test_bf16_trains_as_well_as_fp32_and_keeps_float32_weights():
    train, test = digits()
    results = {}
    for precision in ("fp32", "bf16"):
        t = trainer(precision)
        t.fit(train)
        assert all(p.dtype == torch.float32 for p in t.model.parameters())
        results[precision] = t.evaluate(test)["accuracy"]
    assert results["fp32"] > 0.9
    assert results["bf16"] == pytest.approx(results["fp32"], abs=0.03)


@needs_bf16
def test_evaluation_stays_float32_whatever_the_training_precision():
    train, test = digits()
    t = trainer("bf16", epochs=1)
    t.fit(train)
    fp32 = trainer("fp32", epochs=1)
    fp32.model.load_state_dict(t.model.state_dict())
    assert t.evaluate(test) == fp32.evaluate(test)


@needs_bf16
@pytest.mark.parametrize("name", ["lenet5", "nin", "lstm"])
def test_bf16_gradients_point_the_same_way_as_fp32(name):
    torch.manual_seed(0)
    model = MODELS.get(name)((1, 28, 28), 10).eval()  # no dropout: both passes see the same network
    x, y = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))
    grads = {}
    for precision in ("fp32", "bf16"):
        model.zero_grad()
        with autocast(torch.device("cpu"), precision):
            out = to_float32(model(x))
        assert out.dtype == torch.float32
        F.cross_entropy(out, y).backward()
        grads[precision] = torch.cat([p.grad.flatten() for p in model.parameters()])
    cosine = F.cosine_similarity(grads["fp32"], grads["bf16"], dim=0)
    assert cosine > 0.99
    assert not torch.equal(grads["fp32"], grads["bf16"])  # bf16 really ran


@needs_bf16
def test_a_vae_trains_in_bf16_and_its_named_output_stays_named():
    from mllab.training.tasks import ReconstructTask

    cfg = resolve_config({"model": {"name": "dc_vae"}, "optimizer": {"name": "adam", "lr": 0.001},
                          "training": {"epochs": 1, "batch_size": 32, "loss": "mse", "precision": "bf16"}})
    torch.manual_seed(0)
    model = MODELS.get("dc_vae")((1, 28, 28), 10)
    with autocast(torch.device("cpu"), "bf16"):
        out = to_float32(model(torch.rand(4, 1, 28, 28)))
    assert type(out).__name__ == "VAEOutput" and out.mu.dtype == torch.float32
    t = Trainer(model, cfg, ReconstructTask("mse"), None, quiet=True)
    (record,) = t.fit(Tensors(torch.rand(64, 1, 28, 28), torch.zeros(64, dtype=torch.long)))
    assert torch.isfinite(torch.tensor(record["train_loss"]))


def test_to_float32_keeps_structure_and_integer_tensors():
    out = to_float32((torch.ones(2, dtype=torch.bfloat16), torch.ones(2, dtype=torch.long), None))
    assert [o.dtype if o is not None else None for o in out] == [torch.float32, torch.long, None]


def test_unknown_precision_is_refused_at_config_time():
    with pytest.raises(ConfigError, match="training.precision"):
        resolve_config({"training": {"precision": "fp16"}})
    with pytest.raises(ValueError, match="expected one of"):
        autocast(torch.device("cpu"), "fp8")


def test_bf16_is_refused_on_a_cpu_without_bf16_units_and_fp32_always_runs(monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_bf16_units", lambda: [])
    with pytest.raises(PrecisionError, match=r"bf16 asked.*no bfloat16 units.*training.precision=fp32"):
        trainer("bf16")
    check_precision(torch.device("cpu"), "fp32")
    monkeypatch.setattr(precision_module, "cpu_bf16_units", lambda: ["amx"])
    check_precision(torch.device("cpu"), "bf16")
