#!/usr/bin/env python3
"""Loads exported datasets the way trainers do and checks them against their manifests.

For each export directory given (each holds manifest.json and the files it lists): JSON Lines
files are loaded with Hugging Face `datasets` (load_dataset("json")) and pyarrow.json; Parquet
files with pyarrow.parquet, pandas and `datasets` (load_dataset("parquet")); CSV files with
pandas. Row counts and column names must match the manifest, and Parquet column types must be
the typed ones the manifest names. Prints one line per file; exits 1 on the first mismatch.

Run by the integration test `export::exports_load_in_pyarrow_and_datasets` with the Python of
target/export-venv (scripts/test installs it from scripts/export-check-requirements.txt).
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="cojudge-hf-"))

import datasets  # noqa: E402
import pandas  # noqa: E402
import pyarrow  # noqa: E402
import pyarrow.json  # noqa: E402
import pyarrow.parquet  # noqa: E402

datasets.disable_progress_bars()


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def arrow_type_matches(kind, arrow_type):
    """Whether a Parquet column has the type the manifest's column kind promises."""
    t = pyarrow.types
    if kind == "integer":
        return t.is_int64(arrow_type)
    if kind == "float":
        return t.is_float64(arrow_type)
    if kind == "boolean":
        return t.is_boolean(arrow_type)
    if kind in ("string", "json"):
        return t.is_string(arrow_type) or t.is_large_string(arrow_type)
    if kind == "timestamp":
        return t.is_timestamp(arrow_type) and arrow_type.unit == "us" and arrow_type.tz == "UTC"
    if kind.startswith("labels("):
        names = [name.strip() for name in kind[len("labels("):-1].split(",") if name.strip()]
        return t.is_struct(arrow_type) and [f.name for f in arrow_type] == names
    if kind == "messages":
        return (t.is_list(arrow_type) and t.is_struct(arrow_type.value_type)
                and [f.name for f in arrow_type.value_type] == ["role", "content"])
    if kind == "ranked_outputs":
        return (t.is_list(arrow_type) and t.is_struct(arrow_type.value_type)
                and [f.name for f in arrow_type.value_type]
                == ["item_id", "external_id", "output", "grade", "rank"])
    return False


def check_jsonl(path, rows, columns):
    if rows == 0:
        expect(os.path.getsize(path) == 0, f"{path}: no rows but not empty")
        return
    dataset = datasets.load_dataset("json", data_files=path, split="train")
    expect(dataset.num_rows == rows, f"{path}: datasets read {dataset.num_rows} rows, manifest says {rows}")
    expect(dataset.column_names == columns, f"{path}: datasets columns {dataset.column_names} != {columns}")
    table = pyarrow.json.read_json(path)
    expect(table.num_rows == rows, f"{path}: pyarrow read {table.num_rows} rows, manifest says {rows}")


def check_parquet(path, rows, manifest_columns):
    columns = [c["name"] for c in manifest_columns]
    table = pyarrow.parquet.read_table(path)
    expect(table.num_rows == rows, f"{path}: pyarrow read {table.num_rows} rows, manifest says {rows}")
    expect(table.column_names == columns, f"{path}: columns {table.column_names} != {columns}")
    for column in manifest_columns:
        arrow_type = table.schema.field(column["name"]).type
        expect(arrow_type_matches(column["type"], arrow_type),
               f"{path}: column {column['name']} is {arrow_type}, expected {column['type']}")
    frame = pandas.read_parquet(path)
    expect(len(frame) == rows, f"{path}: pandas read {len(frame)} rows")
    if rows:
        dataset = datasets.load_dataset("parquet", data_files=path, split="train")
        expect(dataset.num_rows == rows, f"{path}: datasets read {dataset.num_rows} rows")
        expect(dataset.column_names == columns, f"{path}: datasets columns {dataset.column_names}")


def check_csv(path, rows, columns):
    frame = pandas.read_csv(path)
    expect(len(frame) == rows, f"{path}: pandas read {len(frame)} rows, manifest says {rows}")
    expect(list(frame.columns) == columns, f"{path}: columns {list(frame.columns)} != {columns}")
    for name in ("context", "output", "labels", "messages"):
        if name in columns and rows:
            json.loads(frame[name].iloc[0])


def main(directories):
    expect(directories, "usage: check-export.py DIR...")
    for directory in directories:
        with open(os.path.join(directory, "manifest.json")) as handle:
            manifest = json.load(handle)
        columns = [c["name"] for c in manifest["columns"]]
        for entry in manifest["files"]:
            path = os.path.join(directory, entry["name"])
            format_ = manifest["spec"]["format"]
            if format_ == "jsonl":
                check_jsonl(path, entry["rows"], columns)
            elif format_ == "parquet":
                check_parquet(path, entry["rows"], manifest["columns"])
            else:
                check_csv(path, entry["rows"], columns)
            print(f"ok {entry['name']}: {entry['rows']} rows, {len(columns)} columns ({format_})")


if __name__ == "__main__":
    main(sys.argv[1:])
