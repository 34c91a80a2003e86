"""score_pool at its entry: exclude is read as select reads it (a boolean mask, never its 0/1
values; a bad position refused), NaN ranks after -inf as in select, k / partition_rows / the
scheduler / the pool's type are checked before any work, a pandas pool reaches the model as
DataFrames on a scheduler too, and files are read by their name's suffix and named in errors. Each
case once gave a quietly wrong answer or an error that named nothing (or leaked a signature)."""
from __future__ import annotations

import http.server
import threading
from functools import partial

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")

from hitl_widgets.active import margin, select  # noqa: E402
from hitl_widgets.active.distributed import load_files, score_pool  # noqa: E402


class Column0:
    """predict_proba from the first column: [x, 1 - x] (reads X["x"] from a DataFrame)."""

    classes_ = np.array([0, 1])

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        x = X["x"].to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X, float)[:, 0]
        return np.stack([x, 1 - x], axis=1)


X = np.linspace(0.05, 0.95, 6)[:, None]


def ref(k, exclude=None):
    return select(margin(Column0().predict_proba(X)), k, exclude=exclude).tolist()


def test_a_boolean_exclude_mask_excludes_its_true_items():
    mask = np.array([0, 0, 1, 1, 0, 0], bool)
    idx, _ = score_pool(Column0(), X, 3, exclude=mask, progress=False, partition_rows=2)
    assert idx.tolist() == ref(3, mask) and not {2, 3} & set(idx.tolist())
    frame = dd.from_pandas(pd.DataFrame({"x": X[:, 0]}), npartitions=3, sort=False)
    idx, _ = score_pool(Column0(), frame, 3, exclude=mask, progress=False)
    assert idx.tolist() == ref(3, mask)


@pytest.mark.parametrize("bad, match", [([-1], "pool index -1 is out of range"), ([99], "pool index 99 is out of range"),
                                        ([2.9], "integer pool indices"), (np.ones(5, bool), r"shape \(6,\)")])
def test_a_bad_exclude_is_refused_not_read_as_another_item(bad, match):
    with pytest.raises(ValueError, match=match):
        score_pool(Column0(), X, 3, exclude=bad, progress=False)
    frame = dd.from_pandas(pd.DataFrame({"x": X[:, 0]}), npartitions=2, sort=False)
    with pytest.raises(ValueError, match=match):
        score_pool(Column0(), frame, 3, exclude=bad, progress=False)


def test_nan_ranks_after_minus_infinity_as_in_select():
    def score(p):
        return np.where(np.isclose(p[:, 0], 0.05), np.nan, -np.inf)

    expected = select(score(Column0().predict_proba(X)), 6).tolist()
    assert expected[-1] == 0  # the NaN last
    for rows in (1, 2, 6):
        idx, scores = score_pool(Column0(), X, 6, score=score, nan="last", partition_rows=rows, progress=False)
        assert idx.tolist() == expected and np.isnan(scores[-1])


@pytest.mark.parametrize("k", [True, 2.7, "2", -3, None])
def test_k_must_be_an_int_of_at_least_0(k):
    with pytest.raises(ValueError, match="k must be an int >= 0"):
        score_pool(Column0(), X, k, progress=False)


def test_k_0_returns_nothing_but_still_checks_the_rest():
    idx, scores = score_pool(Column0(), X, 0, progress=False)
    assert idx.tolist() == [] and scores.tolist() == []
    with pytest.raises(TypeError, match="scheduler must be a dask.distributed Client"):
        score_pool(Column0(), X, 0, scheduler=42, progress=False)
    with pytest.raises(ValueError, match="pool index 7"):
        score_pool(Column0(), X, 0, exclude=[7], progress=False)


@pytest.mark.parametrize("rows", [0, -1, 2.5])
def test_partition_rows_must_be_an_int_of_at_least_1(rows):
    with pytest.raises(ValueError, match="partition_rows must be an int >= 1"):
        score_pool(Column0(), X, 2, partition_rows=rows, progress=False)


@pytest.mark.parametrize("name", ["threads", "processes", "sync", "my-cluster"])
def test_a_scheduler_name_that_is_no_address_is_refused_before_a_client_is_made(name):
    with pytest.raises(ValueError, match=rf"scheduler '{name}' is not 'local' nor an address"):
        score_pool(Column0(), X, 2, scheduler=name, progress=False)


@pytest.mark.parametrize("pool, match", [("pool/*.npy", r"pool is one name \('pool/\*\.npy'\): pass a list"),
                                         ({"a": 1}, "pool is a mapping")])
def test_a_pool_of_the_wrong_type_is_refused_by_name(pool, match):
    with pytest.raises(TypeError, match=match):
        score_pool(Column0(), pool, 2, progress=False)


def test_a_pandas_pool_reaches_the_model_as_dataframes_on_a_scheduler_too():
    distributed = pytest.importorskip("distributed")
    df = pd.DataFrame({"x": X[:, 0], "other": list("abcdef")})  # mixed types: a numpy copy would be object
    local, _ = score_pool(Column0(), df, 2, progress=False)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None,
                            set_as_default=False) as client:
        idx, _ = score_pool(Column0(), df, 2, scheduler=client, partition_rows=2, progress=False)
    assert idx.tolist() == local.tolist() == ref(2)


# ---------------------------------------------------------------------------------- files
@pytest.fixture
def served(tmp_path):
    np.save(tmp_path / "a.npy", np.array([0.2, 0.0]))
    np.save(tmp_path / "b.npy", np.array([0.9, 0.0]))
    np.save(tmp_path / "c.npy", np.array([0.5, 0.0, 1.0]))
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_presigned_npy_url_is_read_as_npy(served):
    pytest.importorskip("aiohttp")
    urls = [f"{served}/{n}.npy?X-Amz-Signature=SECRET" for n in "ab"]
    assert load_files(urls)[:, 0].tolist() == [0.2, 0.9]


def test_file_errors_name_the_file_and_never_the_signature(served, tmp_path):
    pytest.importorskip("aiohttp")
    with pytest.raises(Exception, match=r"gone\.npy") as missing:
        load_files([f"{served}/gone.npy?X-Amz-Signature=SECRET"])
    assert "SECRET" not in str(missing.value)
    with pytest.raises(ValueError, match=r"pool file .*c\.npy holds shape \(3,\), .*a\.npy shape \(2,\)"):
        load_files([tmp_path / "a.npy", tmp_path / "c.npy"])
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match=r"pool file .*bad\.png: cannot read it as an image"):
        load_files([tmp_path / "bad.png"])
