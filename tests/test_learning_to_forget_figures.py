"""Figures of Learning to forget: pure arrays in, the same arrays (sliced to the window) out, in the app's palette."""
import numpy as np

from lstm_core.figures import learning_to_forget as lff
from lstm_core.figures import style


def test_cell_heatmap_shows_the_window_of_abs_c_units_as_rows():
    cell = np.arange(60, dtype=float).reshape(20, 3) - 30        # signed: the heatmap shows |c|
    tokens = [f"w{t}" for t in range(20)]
    fig = lff.cell_heatmap(cell, tokens, np.array([0, 7, 14]), 5, 12, "t")
    z = np.asarray(fig.data[0].z)
    assert z.shape == (3, 7) and np.allclose(z, np.abs(cell[5:12]).T)
    assert list(fig.layout.xaxis.range) == [4.5, 11.5]
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x0 == 6.5     # only the start inside the window
    assert fig.data[0].colorscale[-1][1] == style.GATE_COLORS["cell"]


def test_forget_figures_use_the_forget_colour_and_offsets():
    curve = np.linspace(0.2, 0.9, 9)
    fig = lff.forget_locked({"forget": curve, "nfg": np.ones(9)}, "the verb")
    assert [d.line.color for d in fig.data] == [style.GATE_COLORS["forget_gate"]] * 2
    assert list(fig.data[0].x) == list(range(-4, 5)) and np.allclose(fig.data[0].y, curve)
    assert fig.data[0].line.dash != fig.data[1].line.dash          # models told apart by dash, not colour
    units = lff.forget_locked_units(np.tile(curve[:, None], (1, 5)), "the verb")
    assert np.asarray(units.data[0].z).shape == (5, 9)


def test_growth_unit_lines_and_accuracy():
    g = lff.cell_growth({"nfg": np.array([0.0, 1.0, 10.0])}, (0, 2))
    assert g.layout.yaxis.type == "log" and min(g.data[0].y) > 0       # log axis: zeros floored, never dropped
    assert g.layout.shapes[0].x0 == 0 and g.layout.shapes[0].x1 == 2
    cell, f = np.random.default_rng(0).normal(size=(30, 4)), np.random.default_rng(1).random((30, 4))
    u = lff.unit_lines(cell, f, [str(t) for t in range(30)], np.array([0, 10, 20]), 10, 25, 2, "forget")
    assert np.allclose(u.data[0].y, cell[10:25, 2]) and np.allclose(u.data[1].y, f[10:25, 2])
    assert len(lff.unit_lines(cell, None, [str(t) for t in range(30)], np.array([0]), 0, 30, 1, "nfg").data) == 1
    acc = lff.accuracy_along({("forget", "carried"): (np.array([1.0, 3.0]), np.array([1.0, 0.5])),
                              ("forget", "reset"): (np.array([1.0, 3.0]), np.array([0.5, 0.5]))})
    assert [d.mode for d in acc.data] == ["lines+markers", "markers"]
    assert np.allclose(acc.data[0].y, [1.0, 0.5]) and acc.layout.shapes[0].y0 == 0.5
