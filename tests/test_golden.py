"""Golden results: restructuring the model changes no number (tests/golden/make_golden.py made them).

Each table (the default run's weekly series, Monte Carlo tables of every shipped scenario, an
experiment and a sweep) must equal the recorded one exactly: same columns, same values, bit for bit.
A change that moves a number on purpose must re-record the files in its own commit and say why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(HERE))
import make_golden  # noqa: E402


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return make_golden.golden_tables(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", sorted(path.stem for path in HERE.glob("*.parquet")))
def test_results_equal_the_golden_files_exactly(tables, name):
    expected = pd.read_parquet(HERE / f"{name}.parquet")
    got = tables[name].reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
