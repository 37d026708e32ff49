"""Hypothesis strategies for carbon inputs (positive, finite, realistic ranges)."""

from __future__ import annotations

from hypothesis import strategies as st

energies_kwh = st.floats(min_value=1e-9, max_value=1e6, allow_nan=False, allow_infinity=False)
pues = st.floats(min_value=1.0, max_value=3.0)
intensities = st.floats(min_value=0.0, max_value=1500.0)
durations_s = st.floats(min_value=1e-3, max_value=1e8)
lifetimes_s = st.floats(min_value=1.0, max_value=1e10)
embodied_g = st.floats(min_value=0.0, max_value=1e8)
fractions = st.floats(min_value=0.0, max_value=1.0)
counts = st.integers(min_value=1, max_value=10_000)

#: The arguments of ``tests.carbon.examples.job``: a job with every ASC^e term.
job_args = st.tuples(energies_kwh, durations_s, pues, intensities, embodied_g, lifetimes_s,
                     fractions, st.floats(min_value=0, max_value=100), counts, embodied_g,
                     lifetimes_s, counts)
