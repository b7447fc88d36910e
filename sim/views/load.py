"""Reading result folders for the views, aggregated before anything is plotted.

A result folder can hold millions of replicate rows; a figure needs a few thousand numbers. The
readers here stream the Parquet files batch by batch and keep only counts (per group, duration,
ended flag and end type) or a handful of sample series, so memory and the size of a report do not
grow with the number of replicates. Views never run the model: a folder is all they need.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from ..scenario import InputError

RESULT_KINDS = ("run", "mc", "experiment", "sweep", "patterns", "calibration")
COUNT_KEYS = ("duration_weeks", "ended", "end_type")
OPTIONAL_COUNT_KEYS = ("winner",)  # whose victory: counted where the replicate table records it


@dataclass(frozen=True)
class Result:
    """A result folder and its manifest; the other files are read when a view asks for them."""

    folder: Path
    manifest: dict = field(compare=False)
    documents: dict = field(default_factory=dict, compare=False)  # in memory: name -> JSON (summary.json ...)
    tables: dict = field(default_factory=dict, compare=False)     # in memory: "replicates" -> DataFrame

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @cached_property
    def summary(self) -> dict:
        return self.json("summary.json") or {}

    @cached_property
    def scenario(self) -> dict | None:
        return self.json("scenario.json")

    def json(self, name: str) -> dict | None:
        if name in self.documents:
            return self.documents[name]
        path = self.folder / name
        return json.loads(path.read_text()) if path.is_file() else None

    def path(self, *names: str) -> Path | None:
        """The first of `names` that exists in the folder (file or folder of Parquet parts)."""
        for name in names:
            if (self.folder / name).exists():
                return self.folder / name
        return None


def as_source(source):
    """A result object (`ExperimentResult` from `sim.run_experiment`) as a Result the views read; folders,
    paths and DataFrames pass through. A result written to a folder is read from its folder."""
    if isinstance(source, (str, Path, Result, pd.DataFrame, dict)) or source is None:
        return source
    if hasattr(source, "summary") and hasattr(source, "table") and hasattr(source, "experiment"):
        if getattr(source, "folder", None):
            return open_result(source.folder)
        experiment = source.experiment
        summary = source.summary
        manifest = {"kind": "experiment", "experiment": experiment.spec.name, "seed": summary.get("seed"),
                    "replicates": summary.get("replicates"), "run_id": summary.get("run_id")}
        scenario = experiment.base.model_dump(mode="json", by_alias=True)
        return Result(Path(f"<experiment {experiment.spec.name} in memory>"), manifest,
                      documents={"summary.json": summary, "scenario.json": scenario},
                      tables={"replicates": source.table})
    raise InputError(type(source).__name__, "", "a result folder, an ExperimentResult or a replicate DataFrame")


def open_result(source: str | Path | Result) -> Result:
    """A result folder, checked: it exists and its manifest.json names a known kind; else InputError.

    Result objects (see `as_source`) are accepted too."""
    if isinstance(source, Result):
        return source
    if not isinstance(source, (str, Path)):
        return as_source(source)
    folder = Path(source)
    expected = "a result folder written by threatnet run, mc, experiment, sweep, patterns or calibrate"
    if not folder.is_dir():
        raise InputError(str(folder), "", f"{expected}; {'not a folder' if folder.exists() else 'not found'}")
    manifest_file = folder / "manifest.json"
    if not manifest_file.is_file():
        raise InputError(str(folder), "", f"{expected}; it has no manifest.json")
    try:
        manifest = json.loads(manifest_file.read_text())
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError(str(manifest_file), "", "a JSON manifest of a threatnet result") from None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    if kind not in RESULT_KINDS:
        raise InputError(str(manifest_file), "kind", f"one of {', '.join(RESULT_KINDS)}; got {kind!r}")
    return Result(folder, manifest)


def replicate_path(result: Result) -> Path:
    """Where a result keeps its replicate table: one file (experiment) or a folder of parts (mc, sweep)."""
    path = result.path("replicates.parquet", "replicates")
    if path is None:
        raise InputError(str(result.folder), "replicates", f"a {result.kind} result with its replicate table")
    return path


def duration_counts(source: str | Path | Result | pd.DataFrame, by: str | list[str],
                    conflicts: list[str] | None = None) -> pd.DataFrame:
    """Replicates counted by (`by`, duration_weeks, ended, end_type): all that survival views need.

    `source` is a result folder, or a DataFrame of replicate rows, or one already counted (with a
    `count` column). `conflicts` keeps those conflicts only (an experiment analyses a subset).
    A folder is counted batch by batch in Arrow: memory holds one batch, whatever the replicates.
    """
    groups = [by] if isinstance(by, str) else list(by)
    keys = [*groups, *COUNT_KEYS]
    source = as_source(source)
    if isinstance(source, Result) and source.tables.get("replicates") is not None:
        source = source.tables["replicates"]
    if isinstance(source, pd.DataFrame):
        counts = _count_frame(source, keys, conflicts)
    else:
        result = open_result(source)
        path = replicate_path(result)
        keys += [key for key in OPTIONAL_COUNT_KEYS if key in ds.dataset(path, format="parquet").schema.names]
        counts = _count_dataset(path, keys, conflicts)
    counts = counts.dropna(subset=[*groups, "duration_weeks"])
    counts = counts.fillna({key: "" for key in OPTIONAL_COUNT_KEYS if key in counts})
    return counts.groupby([c for c in counts.columns if c != "count"], sort=False)["count"].sum().reset_index()


ROWS_PER_COUNT = 1_000_000  # rows grouped at once: large enough for Arrow to be fast, small enough for memory


def _count_dataset(path: Path, keys: list[str], conflicts: list[str] | None) -> pd.DataFrame:
    """Counts over Parquet parts, read a million rows at a time and grouped in Arrow."""
    dataset = ds.dataset(path, format="parquet")
    wanted = ds.field("conflict").isin(conflicts) if conflicts is not None else None
    counted, pending, rows = [], [], 0
    for batch in dataset.to_batches(columns=keys, filter=wanted):
        pending.append(batch)
        rows += batch.num_rows
        if rows >= ROWS_PER_COUNT:
            counted.append(_group(pa.Table.from_batches(pending), keys))
            pending, rows = [], 0
    if pending:
        counted.append(_group(pa.Table.from_batches(pending), keys))
    if not counted:
        return pd.DataFrame(columns=[*keys, "count"])
    return pd.concat([table.to_pandas() for table in counted], ignore_index=True)


def _group(table: pa.Table, keys: list[str]) -> pa.Table:
    grouped = table.group_by(keys).aggregate([([], "count_all")])
    return grouped.rename_columns(["count" if name == "count_all" else name for name in grouped.schema.names])


def _count_frame(table: pd.DataFrame, keys: list[str], conflicts: list[str] | None) -> pd.DataFrame:
    """The same counts from an in-memory table (rows, or rows already counted)."""
    if conflicts is not None and "conflict" in table:
        table = table[table["conflict"].isin(conflicts)]
    if "end_type" not in table:
        table = table.assign(end_type=table["ended"].map({True: "ended", False: "censored"}))
    keys = keys + [key for key in OPTIONAL_COUNT_KEYS if key in table and key not in keys]
    weights = table["count"] if "count" in table else pd.Series(1, index=table.index)
    columns = [table[key].fillna("") if key in OPTIONAL_COUNT_KEYS else table[key] for key in keys]
    return weights.groupby(columns, sort=False).sum().rename("count").reset_index()


def sample_series(source: str | Path | Result | pd.DataFrame, replicates: int = 5) -> pd.DataFrame:
    """Weekly series of at most `replicates` replicates, with `replicate` and `week` columns.

    A run folder holds one replicate (`series.parquet`, indexed by week); an mc folder holds the
    first N replicates (`series/`, with `--series-sample N`); an empty frame if there are none.
    """
    if isinstance(source, pd.DataFrame):
        table = source
    else:
        result = open_result(source)
        path = result.path("series.parquet", "series")
        if path is None:
            return pd.DataFrame(columns=["replicate", "week"])
        if path.is_dir():
            table = ds.dataset(path, format="parquet").to_table(filter=ds.field("replicate") < replicates).to_pandas()
        else:
            table = pd.read_parquet(path)
    if "week" not in table:
        table = table.reset_index()
    if "replicate" not in table:
        table = table.assign(replicate=0)
    kept = sorted(table["replicate"].unique())[:replicates]
    return table[table["replicate"].isin(kept)].sort_values(["replicate", "week"]).reset_index(drop=True)


BLOCK_WEEKS = (1, 2, 4, 8, 13, 26, 52)


def coarsen(series: pd.DataFrame, max_points: int = 260) -> tuple[pd.DataFrame, int]:
    """Means over blocks of weeks (1, 2, 4, 8, 13 ...) so that a replicate keeps at most `max_points` points.

    Returns (table, weeks per block); `week` becomes the first week of its block, and a last block
    with fewer than half its weeks is dropped rather than shown as a noisy point. A 20-year run
    becomes 260 four-week means: the shape of the curves stays, the page stays small.
    """
    if series.empty:
        return series, 1
    first, last = int(series["week"].min()), int(series["week"].max())
    block = next((b for b in BLOCK_WEEKS if (last - first + 1) / b <= max_points), BLOCK_WEEKS[-1])
    if block == 1:
        return series, 1
    starts = first + (series["week"] - first) // block * block
    grouped = series.assign(week=starts).groupby(["replicate", "week"], sort=True)
    means = grouped.mean(numeric_only=True)
    means = means[grouped.size() * 2 >= block]
    return means.reset_index(), block


def edge_flows(result: Result) -> pd.DataFrame | None:
    """kg moved and seized per leg over a run (`edges.parquet`), or None where the result has none."""
    path = result.path("edges.parquet")
    return pd.read_parquet(path) if path else None
