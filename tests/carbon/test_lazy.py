"""carbon._lazy: a module imported on first use, and pandas objects told apart without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from carbon._lazy import is_pandas, lazy_module


def test_a_lazy_module_imports_on_first_attribute() -> None:
    json = lazy_module("json")
    assert json.dumps([1]) == "[1]" and "imported on first use" in repr(json)


def test_pandas_objects_are_told_apart() -> None:
    assert is_pandas(pd.Series([1.0]), "Series")
    assert is_pandas(pd.DataFrame(), "Series", "DataFrame")
    assert not is_pandas(pd.DataFrame(), "Series")
    assert not is_pandas([1.0], "Series", "DataFrame")


def test_formulas_records_and_countries_need_no_pandas() -> None:
    """A formula, a record, a country's intensity and a breakdown: pandas is not imported."""
    code = ("import sys\n"
            "from carbon import Q_, Job, asc_e, country, jsc\n"
            "from assess.demo import example_jobs\n"
            "jsc(Q_(1, 'kWh'), intensity=country('FRA'), pue=1.2)\n"
            "[asc_e(j) for j in example_jobs().values()]\n"
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[2], timeout=300)
    assert out.stdout.strip() == "False"
