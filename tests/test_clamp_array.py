"""Clamp with an array value (one value per sentence and unit, as activation patching needs):
parity with scalar clamps run sentence by sentence, and its shape rules."""

import numpy as np
import pytest
import torch
from torch import nn

from lstm_core import Clamp, GlassGRU, GlassLSTM


def lstm(seed=0, I=3, H=5):
    torch.manual_seed(seed)
    return GlassLSTM.from_torch(nn.LSTM(I, H, batch_first=True, dtype=torch.float64))


def test_array_value_equals_scalar_clamps_sentence_by_sentence():
    g = lstm()
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.normal(size=(4, 9, 3)))
    units, steps = [1, 3], [2, 5]
    vals = rng.normal(size=(4, 2))
    batch = g.trace(x, interventions=[Clamp("cell", vals, units, steps)])
    for b in range(4):
        ivs = [Clamp("cell", float(vals[b, j]), [u], steps) for j, u in enumerate(units)]
        one = g.trace(x[b:b + 1], interventions=ivs)
        assert np.allclose(batch.hidden[b], one.hidden[0], atol=1e-12)
        assert np.allclose(batch.cell[b], one.cell[0], atol=1e-12)
    free = g.trace(x)
    assert np.allclose(batch.cell[:, 2, units], vals, atol=1e-12)
    assert np.abs(batch.hidden[:, 6:] - free.hidden[:, 6:]).max() > 1e-4    # the patch changed what follows
    assert np.allclose(batch.hidden[:, :2], free.hidden[:, :2], atol=1e-12)   # and nothing before it


def test_row_and_column_broadcast():
    g = lstm(1)
    x = torch.randn(3, 6, 3, dtype=torch.float64)
    row = g.trace(x, interventions=[Clamp("cell", [[0.3, -0.2]], [0, 4])])
    scalars = g.trace(x, interventions=[Clamp("cell", 0.3, [0]), Clamp("cell", -0.2, [4])])
    assert np.allclose(row.hidden, scalars.hidden, atol=1e-12)
    col = g.trace(x, interventions=[Clamp("cell", [[0.5], [0.1], [-0.4]], [0, 4], [1])])
    assert np.allclose(col.cell[:, 1][:, [0, 4]], [[0.5, 0.5], [0.1, 0.1], [-0.4, -0.4]], atol=1e-12)


def test_array_clamp_on_gru_hidden():
    torch.manual_seed(2)
    g = GlassGRU.from_torch(nn.GRU(2, 4, batch_first=True, dtype=torch.float64))
    x = torch.randn(2, 5, 2, dtype=torch.float64)
    tr = g.trace(x, interventions=[Clamp("hidden", [[1.0, 2.0], [3.0, 4.0]], [0, 2], [3])])
    assert np.allclose(tr.hidden[:, 3][:, [0, 2]], [[1, 2], [3, 4]], atol=1e-12)


def test_shape_rules():
    with pytest.raises(ValueError, match="needs its units"):
        Clamp("cell", [0.1, 0.2])
    with pytest.raises(ValueError, match="broadcast"):
        Clamp("cell", [[0.1, 0.2, 0.3]], [0, 1])
    with pytest.raises(ValueError, match="finite"):
        Clamp("cell", [[np.nan]], [0])
    c = Clamp("cell", np.ones((2, 2)), [0, 1])
    assert hash(c) == hash(Clamp("cell", [[1.0, 1.0], [1.0, 1.0]], (0, 1)))
    assert c.array.shape == (2, 2)
    g = lstm()
    with pytest.raises(ValueError, match="batch of 4"):
        g.trace(torch.randn(4, 5, 3, dtype=torch.float64), interventions=[c])
