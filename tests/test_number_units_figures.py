"""lstm_core.figures.number_units: the figures send float32 and check their shapes."""
import numpy as np
import pytest

from lstm_core.figures import number_units as nf


def test_figures_are_float32_and_check_shapes(lstm_summary):
    s = lstm_summary
    t = s.templates[2]
    fig = nf.number_trajectory(t.mean["cell"][:, :, 0], t.std["cell"][:, :, 0], t.tokens, t.subject_pos,
                               t.attractor_positions, unit=0, n=t.n)
    assert len(fig.data) == 4 and fig.data[1].y.dtype == np.float32
    assert len([sh for sh in fig.layout.shapes if sh.x0 in t.attractor_positions]) == 2
    with pytest.raises(ValueError):
        nf.number_trajectory(t.mean["cell"][:, :-1, 0], t.std["cell"][:, :, 0], t.tokens, 1, [], unit=0)
    units = s.top("cell", 5)
    fig = nf.separability_heatmap(s.separability("cell")[:, units].T, units, s.positions)
    assert fig.data[0].z.shape == (5, len(s.positions))
    with pytest.raises(ValueError):
        nf.separability_heatmap(s.separability("cell")[:, units], units, s.positions)
    e = s.error_case
    fig = nf.error_case_figure(e.tokens, e.p_correct, e.subject_pos, e.attractor_positions, e.turn_pos,
                               {"u": e.values["cell"][:, 0]}, verb=e.verb)
    assert fig.data[0].y.dtype == np.float32 and fig.data[2].yaxis == "y2"
    with pytest.raises(ValueError):
        nf.error_case_figure(e.tokens, e.p_correct, e.subject_pos, [], len(e.tokens) + 3, {}, verb="is")


def test_position_axis_labels_few_positions_each_at_its_place():
    """At most POSITION_TICKS + 2 labels (32 rotated ones ran together on a phone), 'subject' always and
    'before' only when every position is labelled (beside 'subject' they ran together), each on its own position."""
    for n in (3, 8, 20, 31, 60):
        positions = list(range(-1, n))
        axis = nf.position_axis(positions, "t")
        labels = nf.position_labels(positions)
        assert len(axis["tickvals"]) <= nf.POSITION_TICKS + 2
        assert "subject" in axis["ticktext"]
        assert axis["ticktext"] == [labels[i] for i in axis["tickvals"]]
        if n <= nf.POSITION_TICKS:
            assert axis["ticktext"] == labels, "few positions: every one labelled"
        else:
            assert "before" not in axis["ticktext"]
