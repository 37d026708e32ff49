"""The fast-path kernels on magnitudes: each equals its formula written out, the in-place
``out=`` path equals the allocating path and writes into the given buffer, scalars and
arrays alike."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from carbon._kernels import (
    embodied_kernel,
    jsc_kernel,
    overhead_kernel,
    platform_kernel,
    product_by_requests_kernel,
    product_kernel,
    retraining_kernel,
)

# kernel, number of inputs, naive formula
KERNELS: list[tuple[Any, int, Any]] = [
    (jsc_kernel, 3, lambda e, p, c: e * p * c),
    (overhead_kernel, 3, lambda e, p, c: e * (p - 1.0) * c),
    (embodied_kernel, 4, lambda ec, t, lt, u: ec * t / lt * u),
    (platform_kernel, 3, lambda r, t, s: r * t * s),
    (product_kernel, 4, lambda epc, t, lt, n: epc * t / (lt * n)),
    (product_by_requests_kernel, 2, lambda epc, n: epc / n),
    (retraining_kernel, 2, lambda c, n: c / n),
]
IDS = [k.__name__ for k, _, _ in KERNELS]

values = st.floats(min_value=1.0, max_value=1e6)


@pytest.mark.parametrize(("kernel", "n", "formula"), KERNELS, ids=IDS)
@given(data=st.data())
def test_kernel_equals_its_formula_on_scalars(kernel: Any, n: int, formula: Any,
                                              data: st.DataObject) -> None:
    args = [data.draw(values) for _ in range(n)]
    assert kernel(*args) == pytest.approx(formula(*args), rel=1e-14)


@pytest.mark.parametrize(("kernel", "n", "formula"), KERNELS, ids=IDS)
@given(data=st.data())
def test_in_place_equals_allocating_and_fills_the_buffer(kernel: Any, n: int, formula: Any,
                                                         data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=20))
    args = [data.draw(hnp.arrays(np.float64, size, elements=values)) for _ in range(n)]
    before = [a.copy() for a in args]
    out = np.full(size, np.nan)
    got = kernel(*args, out=out)
    assert got is out
    np.testing.assert_allclose(out, kernel(*args), rtol=1e-14)
    np.testing.assert_allclose(out, formula(*args), rtol=1e-14)
    for a, b in zip(args, before, strict=True):  # the inputs are not overwritten
        np.testing.assert_array_equal(a, b)


def test_scalars_broadcast_against_arrays_in_place() -> None:
    e = np.array([1.0, 2.0, 3.0])
    out = np.empty(3)
    jsc_kernel(e, 1.5, 400.0, out=out)
    assert list(out) == [600.0, 1200.0, 1800.0]
    overhead_kernel(e, 1.5, 400.0, out=out)
    assert list(out) == [200.0, 400.0, 600.0]


def test_operational_plus_overhead_is_jsc() -> None:
    e, p, c = np.array([0.5, 2.0]), np.array([1.0, 1.3]), np.array([100.0, 650.0])
    np.testing.assert_allclose(e * c + overhead_kernel(e, p, c), jsc_kernel(e, p, c),
                               rtol=1e-15)
    assert overhead_kernel(2.0, 1.0, 500.0) == 0.0  # PUE 1 books no overhead
