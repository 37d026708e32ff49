"""Honest size: sparse storage of pruned tensors, round trips, refusal of foreign bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compress
from carbon import DataError

torch = pytest.importorskip("torch")


@settings(max_examples=20, deadline=None)
@given(s=st.floats(0.0, 0.99), seed=st.integers(0, 5))
def test_round_trip_restores_every_weight(s: float, seed: int) -> None:
    m = compress.prune_magnitude(compress.mlp((20, 30, 5), seed=seed), s)
    back = compress.from_bytes(compress.mlp((20, 30, 5), seed=seed + 1), compress.to_bytes(m))
    sd = back.state_dict()
    assert all(torch.equal(t, sd[k]) for k, t in m.state_dict().items())


def test_masked_dense_is_not_smaller_but_sparse_is() -> None:
    m = compress.mlp((64, 256, 10))
    p = compress.prune_magnitude(m, 0.9)
    dense = compress.serialised_size(m, sparse=False)
    assert compress.serialised_size(p, sparse=False) == pytest.approx(dense, rel=0.01)
    assert compress.serialised_size(p) < 0.3 * dense


def test_dense_tensors_stay_dense() -> None:
    m = compress.mlp((64, 256, 10))
    assert compress.serialised_size(m) == pytest.approx(compress.serialised_size(m, sparse=False),
                                                        rel=0.01)


def test_foreign_bytes_are_refused() -> None:
    import io

    buf = io.BytesIO()
    torch.save({"weights": torch.zeros(2)}, buf)
    with pytest.raises(DataError) as e:
        compress.from_bytes(compress.mlp((2, 2)), buf.getvalue())
    assert e.value.field == "data"
