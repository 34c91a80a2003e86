"""Pool scoring on Dask (hitl_widgets.active.distributed): on a LocalCluster of two worker processes,
the top-k of a dask array, a list of files and a Dask dataframe equal the single-process path's;
the model reaches each worker once; NaN scores, an empty pool, a model with the wrong number of
rows and a worker that dies mid-scoring fail clearly, and the scoring can be retried. The loop
queries a Dask dataframe and a list of files as it queries the same rows in memory, computing only
the rows it needs; a scheduler given as an address or "local" scores as the Client does."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from sklearn.linear_model import LogisticRegression  # noqa: E402

from hitl_widgets.active import entropy, margin, select  # noqa: E402
from hitl_widgets.active.distributed import PoolScoringError, score_pool  # noqa: E402

N, D = 3000, 6


@pytest.fixture(scope="module")
def client():
    import dask

    # a dead worker fails the scoring at once (Dask's default retries a task on 3 workers first)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None)
        c = distributed.Client(cluster, set_as_default=False)
        yield c
        c.close()
        cluster.close()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, D)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    model = LogisticRegression(max_iter=500).fit(X[:300], y[:300])
    return X, y, model


def test_dask_array_topk_equals_single_process(client, data):
    X, _, model = data
    exclude = np.arange(0, 300, 3)
    ref = select(margin(model.predict_proba(X)), 25, exclude=exclude)
    local, local_scores = score_pool(model, X, 25, exclude=exclude, partition_rows=400, progress=False)
    assert local.tolist() == ref.tolist()
    x = da.from_array(X, chunks=(350, 3))  # split along the features too: rechunked to whole rows
    idx, scores = score_pool(model, x, 25, exclude=exclude, scheduler=client, progress=False)
    assert idx.tolist() == ref.tolist()
    np.testing.assert_allclose(scores, margin(model.predict_proba(X))[ref], rtol=1e-6)
    np.testing.assert_array_equal(scores, local_scores)
    ent = select(entropy(model.predict_proba(X)), 10)
    assert score_pool(model, x, 10, score="entropy", scheduler=client, progress=False)[0].tolist() == ent.tolist()


def test_file_list_and_dataframe_pools(client, data, tmp_path):
    X, y, model = data
    paths = []
    for i in range(200):
        np.save(tmp_path / f"{i}.npy", X[i])
        paths.append(str(tmp_path / f"{i}.npy"))
    ref = select(margin(model.predict_proba(X[:200])), 8, exclude=[5, 6])
    idx, _ = score_pool(model, paths, 8, exclude=[5, 6], scheduler=client, partition_rows=64, progress=False)
    assert idx.tolist() == ref.tolist()

    cols = [f"f{j}" for j in range(D)]
    frame = pd.DataFrame(X, columns=cols)
    fmodel = LogisticRegression(max_iter=500).fit(frame.iloc[:300], y[:300])
    exclude = np.arange(0, 3000, 11)
    ref = select(margin(fmodel.predict_proba(frame)), 15, exclude=exclude)
    ddf = dd.from_pandas(frame, npartitions=7)
    idx, _ = score_pool(fmodel, ddf, 15, exclude=exclude, scheduler=client, progress=False)
    assert idx.tolist() == ref.tolist()


class _Counted:
    """A model that counts how often it is unpickled in each process (in its environment, so that
    it counts whether cloudpickle ships the class by reference or by value)."""

    def __init__(self, model):
        self.model = model

    def __setstate__(self, state):
        self.__dict__.update(state)
        os.environ["HITL_TEST_UNPICKLED"] = str(int(os.environ.get("HITL_TEST_UNPICKLED", "0")) + 1)

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        return self.model.predict_proba(X)


def test_model_reaches_each_worker_once(client, data):
    X, _, model = data
    client.run(lambda: os.environ.pop("HITL_TEST_UNPICKLED", None))
    x = da.from_array(X, chunks=200)  # 15 partitions for 2 workers
    idx, _ = score_pool(_Counted(model), x, 5, scheduler=client, progress=False)
    assert idx.tolist() == select(margin(model.predict_proba(X)), 5).tolist()
    counts = client.run(lambda: int(os.environ.get("HITL_TEST_UNPICKLED", "0")))
    # once per worker, not once per partition (15): a model sent with each task would be unpickled
    # 15 times; dask may, rarely, move the broadcast copy once more between workers (seen once in
    # many runs on a loaded machine), so a worker may count 2
    assert sum(counts.values()) >= len(counts), counts
    assert max(counts.values()) <= 2 and sum(counts.values()) <= 2 * len(counts) < 15, counts


class _Broken:
    def __init__(self, model, mode):
        self.model, self.mode = model, mode

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        p = self.model.predict_proba(X)
        if self.mode == "short":
            return p[:-1]
        if self.mode == "nan":
            p = p.copy()
            p[np.asarray(X)[:, 3] > 2.2] = np.nan  # by content: the same rows however the pool is split
        return p


def test_nan_scores_refused_or_ranked_last(client, data):
    X, _, model = data
    nan_model = _Broken(model, "nan")
    x = da.from_array(X, chunks=500)
    bad = np.flatnonzero(X[:, 3] > 2.2)
    with pytest.raises(ValueError, match=r"NaN scores to \d+ of the 500 pool items at positions \d+\.\.\d+ \(the first: position \d+\)"):
        score_pool(nan_model, x, 5, scheduler=client, progress=False)
    first = (bad < 500).sum()
    with pytest.raises(ValueError, match=rf"NaN scores to {first} of the 500 pool items at positions 0\.\.499 \(the first: position {bad[0]}\)"):
        score_pool(nan_model, X, 5, partition_rows=500, progress=False)
    scores = margin(nan_model.predict_proba(X))
    everything = select(scores, N)  # NaN last, as select ranks them
    got, s = score_pool(nan_model, x, N, scheduler=client, nan="last", progress=False)
    assert got.tolist() == everything.tolist()
    assert np.isnan(s[-len(bad):]).all() and not np.isnan(s[: -len(bad)]).any() and len(bad) > 5
    assert score_pool(nan_model, X, 40, nan="last", progress=False)[0].tolist() == everything[:40].tolist()


def test_wrong_number_of_scores_and_empty_pool(client, data):
    X, _, model = data
    with pytest.raises(ValueError, match=r"returned 499 rows of probabilities for the 500 pool items at positions \d+\.\.\d+"):
        score_pool(_Broken(model, "short"), da.from_array(X, chunks=500), 5, scheduler=client, progress=False)
    with pytest.raises(ValueError, match="score function returned 1 scores"):
        score_pool(model, X[:10], 2, score=lambda p: np.ones(1), progress=False)
    for empty in (np.empty((0, D), np.float32), da.zeros((0, D), chunks=10)):
        with pytest.raises(ValueError, match="the pool is empty"):
            score_pool(model, empty, 5, scheduler=client, progress=False)
    with pytest.raises(ValueError, match="the pool is empty"):
        score_pool(model, dd.from_pandas(pd.DataFrame({"a": []}, dtype=float), npartitions=1), 5, scheduler=client, progress=False)


class _DiesOnce:
    """Kills its worker process while scoring the partition at ``position``, while ``marker`` exists."""

    def __init__(self, model, marker, position):
        self.model, self.marker, self.position = model, marker, position
        self.seen = 0

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        if os.path.exists(self.marker) and len(X) and np.array_equal(X[0], self.row):
            os._exit(1)
        return self.model.predict_proba(X)


def test_worker_dies_mid_scoring_fails_clearly_and_can_be_retried(client, data, tmp_path):
    X, _, model = data
    marker = tmp_path / "die"
    marker.write_text("1")
    dying = _DiesOnce(model, str(marker), 1500)
    dying.row = X[1500]
    x = da.from_array(X, chunks=500)
    with pytest.raises(PoolScoringError, match="nothing was stored: call again"):
        score_pool(dying, x, 10, scheduler=client, progress=False)
    marker.unlink()
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the dead worker
    idx, _ = score_pool(dying, x, 10, scheduler=client, progress=False)
    assert idx.tolist() == select(margin(model.predict_proba(X)), 10).tolist()


def test_an_error_of_the_loader_on_a_worker_is_raised_as_itself_not_as_a_cluster_failure(client, data):
    X, _, model = data

    def loader(rows):
        raise FileNotFoundError("/data/pool/part-3.npy")

    with pytest.raises(FileNotFoundError, match="part-3.npy"):
        score_pool(model, da.from_array(X, chunks=500), 5, scheduler=client, loader=loader, progress=False)
    idx, _ = score_pool(model, da.from_array(X, chunks=500), 5, scheduler=client, progress=False)  # the cluster is fine
    assert idx.tolist() == select(margin(model.predict_proba(X)), 5).tolist()


def test_cluster_failures_are_told_from_the_tasks_own_errors():
    from distributed import KilledWorker
    from distributed.comm import CommClosedError

    from hitl_widgets.active.distributed import _cluster_failure

    assert _cluster_failure(KilledWorker("t", None, 0), raised_by_task=True)
    for exc in (CommClosedError("in: closed"), ConnectionResetError(), TimeoutError(), OSError("Timed out trying to connect")):
        assert _cluster_failure(exc, raised_by_task=False)  # scatter, comms, gathering: the cluster's
        assert not _cluster_failure(exc, raised_by_task=True)  # raised by the code a task runs: the user's
    assert not _cluster_failure(ValueError("bad"), raised_by_task=False)


def test_loop_with_a_scheduler_queries_as_the_single_process_loop(client, data):
    from hitl_widgets import AnnotationStore
    from hitl_widgets.active.loop import ActiveLearningLoop

    X, y, _ = data
    X, y = X[:600], y[:600]
    texts = [f"row {i}" for i in range(len(X))]
    runs = []
    for scheduler in (None, client):
        loop = ActiveLearningLoop(LogisticRegression(max_iter=500), X, items=texts, strategy="margin", batch_size=10,
                                  initial=(np.arange(6), y[:6]), classes=[0, 1, 2], store=AnnotationStore(":memory:"),
                                  background=False, scheduler=scheduler, progress=False)
        history = loop.simulate(y, budget=36)
        runs.append((list(loop.session.labelled_idx), history["n_labels"].tolist()))
        if scheduler is not None:
            assert loop.classify.proposals, "the batch on screen has the model's proposals"
    assert runs[0] == runs[1]
    with pytest.raises(ValueError, match="needs the whole pool's probabilities"):
        ActiveLearningLoop(LogisticRegression(), X, items=texts, strategy="core_set", classes=[0, 1, 2],
                           store=AnnotationStore(":memory:"), background=False, scheduler=client)


def test_loop_round_fails_clearly_when_a_worker_dies_and_retrain_retries(client, data, tmp_path):
    from hitl_widgets import AnnotationStore
    from hitl_widgets.active import ScoreStrategy
    from hitl_widgets.active.loop import ActiveLearningLoop

    X, y, _ = data
    X, y = X[:600], y[:600]
    marker = str(tmp_path / "die")

    def score(proba):
        if os.path.exists(marker):
            os._exit(1)  # the worker process dies
        return margin(proba)

    store = AnnotationStore(":memory:")
    loop = ActiveLearningLoop(LogisticRegression(max_iter=500), X, items=[f"row {i}" for i in range(len(X))],
                              strategy=ScoreStrategy(score), batch_size=10, initial=(np.arange(6), y[:6]), classes=[0, 1, 2],
                              store=store, background=False, scheduler=client, progress=False)
    batch = loop.batch
    open(marker, "w").close()
    for item_id in batch:  # the last label starts the round, whose scoring kills a worker
        loop.classify.record_label(item_id, int(y[loop.items.position(item_id)]))
    assert "PoolScoringError" in loop.error and "nothing was stored: call again to retry" in loop.error
    assert loop.panel.state == "error"
    assert len(store.labels(loop.task)) == 10 and loop.batch == batch  # the labels are whole; the batch stays
    os.unlink(marker)
    client.wait_for_workers(2, timeout=60)
    assert loop.retrain() and loop.error is None
    assert len(loop.batch) == 10 and not set(loop.batch) & set(batch)


def _margin_loop(pool, y, scheduler, **kwargs):
    from hitl_widgets import AnnotationStore
    from hitl_widgets.active.loop import ActiveLearningLoop

    loop = ActiveLearningLoop(LogisticRegression(max_iter=500), pool, strategy="margin", batch_size=10,
                              initial=(np.arange(6), y[:6]), classes=[0, 1, 2], store=AnnotationStore(":memory:"),
                              background=False, scheduler=scheduler, progress=False, **kwargs)
    loop.simulate(y, budget=36)
    return loop


def test_loop_on_a_dask_dataframe_pool_with_no_items_queries_as_on_pandas(client, data):
    X, y, _ = data
    X, y = X[:600], y[:600]
    names = [f"f{j}" for j in range(D)]
    frame = pd.DataFrame(X, columns=names)
    on_pandas = _margin_loop(frame, y, None)
    on_dask = _margin_loop(dd.from_pandas(frame, npartitions=4), y, client)
    assert list(on_dask.session.labelled_idx) == list(on_pandas.session.labelled_idx)
    assert len(on_dask.session.labelled_idx) == 36
    # the model was given pandas rows with their column names, in labelling order
    assert list(on_dask.session.adapter.model_.feature_names_in_) == names
    assert on_dask.classify.proposals, "the batch on screen has the model's proposals"
    # no items=: each row shown as the pandas pool's rows are, computed when shown
    for item_id in (0, 149, 150, 599):
        assert on_dask.items.media(item_id).data == on_pandas.items.media(item_id).data
    assert on_dask.items.media(151).data.startswith(f"row 151: f0={X[151, 0]:.4g}, ")


def test_loop_on_a_list_of_files_gives_the_model_what_the_loader_reads(client, data, tmp_path):
    X, y, _ = data
    X, y = X[:300], y[:300]
    paths = []
    for i, row in enumerate(X):
        paths.append(str(tmp_path / f"row{i:04d}.npy"))
        np.save(paths[-1], row)
    reference = _margin_loop(X, y, None).session.labelled_idx
    # on Dask, the files are read as score_pool reads them (the model would refuse paths)
    assert list(_margin_loop(paths, y, client).session.labelled_idx) == list(reference)

    def loader(batch):
        return np.stack([np.load(p) for p in batch])

    # in this process, through the loader given
    loop = _margin_loop(paths, y, None, loader=loader)
    assert list(loop.session.labelled_idx) == list(reference)
    assert loop.items.kind_of_all == "text"  # no items=: the .npy names, as Items reads a list of them
    with pytest.raises(TypeError, match="loader must be a function"):
        _margin_loop(paths, y, None, loader="npy")


def test_a_column_selection_of_read_parquet_scores_and_reads_the_right_rows(client, data, tmp_path):
    # dask fuses parquet files differently for len(), for a map_partitions and for .partitions[] of a
    # column selection: every read goes through the partitions PoolRows froze once
    from hitl_widgets.active.pool import PoolRows

    X, y, _ = data
    names = [f"f{j}" for j in range(D)]
    frame = pd.DataFrame(X, columns=names).assign(note="x")
    dd.from_pandas(frame, npartitions=12).to_parquet(tmp_path / "pool")
    pool = dd.read_parquet(tmp_path / "pool")[names]
    rows = PoolRows(pool, scheduler=client)
    assert len(rows) == N
    wanted = [2999, 0, 1234, 250, 251, 2400]
    np.testing.assert_array_equal(rows.take(wanted).to_numpy(), X[wanted])
    empty = rows.take([])
    assert list(empty.columns) == names and len(empty) == 0
    fmodel = LogisticRegression(max_iter=500).fit(frame[names].iloc[:300], y[:300])
    exclude = np.arange(0, N, 7)
    ref = select(margin(fmodel.predict_proba(frame[names])), 12, exclude=exclude)
    for scheduler in (client, None):
        idx, _ = score_pool(fmodel, PoolRows(pool), 12, exclude=exclude, scheduler=scheduler, progress=False)
        assert idx.tolist() == ref.tolist()


def test_the_loader_reaches_the_model_on_the_workers_for_every_pool(client, data):
    # the model is fitted on what the loader gives (the first three columns, doubled): without the
    # loader on the workers it would be given six columns there and refuse them
    X, y, _ = data
    X, y = X[:600], y[:600]
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(D)])

    def from_frame(rows):
        return rows.iloc[:, :3].to_numpy() * 2

    def from_array(rows):
        return np.asarray(rows)[:, :3] * 2

    reference = _margin_loop(X[:, :3] * 2, y, None).session.labelled_idx
    on_frame = _margin_loop(dd.from_pandas(frame, npartitions=4), y, client, loader=from_frame)
    assert list(on_frame.session.labelled_idx) == list(reference)
    on_array = _margin_loop(da.from_array(X, chunks=(150, D)), y, client, loader=from_array)
    assert list(on_array.session.labelled_idx) == list(reference)
    on_numpy = _margin_loop(X, y, client, loader=from_array)
    assert list(on_numpy.session.labelled_idx) == list(reference)


_BLOCKS_COMPUTED: list[int] = []


def _counted(block, block_info=None):
    _BLOCKS_COMPUTED.append(block_info[0]["chunk-location"][0])
    return block


def test_a_dask_pool_is_read_a_few_rows_at_a_time():
    import doctest

    from hitl_widgets import Items
    from hitl_widgets.active import pool as pool_module
    from hitl_widgets.active.pool import PoolRows, PoolView

    assert doctest.testmod(pool_module).failed == 0
    images = np.random.default_rng(0).integers(0, 255, size=(100, 8, 8), dtype=np.uint8)
    x = da.from_array(images, chunks=(10, 8, 8)).map_blocks(_counted, dtype=np.uint8)
    _BLOCKS_COMPUTED.clear()
    items = Items(PoolView(PoolRows(x)))
    assert len(items) == 100 and items.kind_of_all == "image" and _BLOCKS_COMPUTED == []
    np.testing.assert_array_equal(np.asarray(items.image(37)), images[37])
    assert _BLOCKS_COMPUTED == [3], "showing item 37 computes its block only"
    np.testing.assert_array_equal(PoolRows(x).take([95, 2, 40]), images[[95, 2, 40]])

    frame = pd.DataFrame({"a": np.arange(200.0), "b": np.arange(200) * 2})
    rows = PoolRows(dd.from_pandas(frame, npartitions=5))
    assert len(rows) == 200
    wanted = [130, 5, 199, 0, 41, 40]  # across partitions, out of order
    pd.testing.assert_frame_equal(rows.take(wanted), frame.iloc[wanted])
    with pytest.raises(IndexError, match="pool index 200 out of range"):
        rows.take([3, 200])


def test_scheduler_given_as_an_address_or_local(client, data):
    from hitl_widgets.active.cluster import _CLIENTS, get_client

    X, _, model = data
    x = da.from_array(X, chunks=1000)
    ref = select(margin(model.predict_proba(X)), 10).tolist()
    address = client.scheduler.address
    try:
        assert score_pool(model, x, 10, scheduler=address, progress=False)[0].tolist() == ref
        connected = get_client(address)
        assert connected is get_client(address) and connected is not client, "connected once, then reused"
        assert connected.scheduler.address == address
    finally:
        _CLIENTS.pop(address).close()
    try:
        assert score_pool(model, x, 10, scheduler="local", progress=False)[0].tolist() == ref
        local = get_client("local")
        assert local.scheduler.address != address, "'local' starts a cluster of its own"
        assert local is get_client("local")
    finally:
        local = _CLIENTS.pop("local")
        cluster = local.cluster
        local.close()
        cluster.close()


def test_empty_partitions_never_reach_the_loader_and_a_pool_rows_loader_is_used(client, data):
    from hitl_widgets.active.pool import PoolRows

    X, y, _ = data
    names = [f"f{j}" for j in range(D)]
    frame = pd.DataFrame(X[:400], columns=names)
    fmodel = LogisticRegression(max_iter=500).fit(frame.to_numpy()[:200], y[:200])

    def stacked(rows):  # refuses an empty partition, as np.stack does
        return np.stack(list(rows.to_numpy()))

    with_empty = dd.concat([dd.from_pandas(frame, npartitions=3), dd.from_pandas(frame.iloc[:0], npartitions=1)])
    ref = select(margin(fmodel.predict_proba(frame.to_numpy())), 9)
    for scheduler in (client, None):
        idx, _ = score_pool(fmodel, with_empty, 9, scheduler=scheduler, loader=stacked, progress=False)
        assert idx.tolist() == ref.tolist()
    # a PoolRows brings its own loader (here: paths that are no files, read from a table)
    paths = [f"row{i}" for i in range(400)]
    rows = PoolRows(paths, loader=lambda batch: X[[int(p[3:]) for p in batch]])
    idx, _ = score_pool(fmodel, rows, 9, scheduler=client, partition_rows=64, progress=False)
    assert idx.tolist() == ref.tolist()


def test_a_pandas_pool_on_dask_gives_the_loader_dataframes_as_in_the_kernel(client, data):
    X, y, _ = data
    X, y = X[:600], y[:600]
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(D)], index=np.arange(600)[::-1])  # an unsorted index

    def from_frame(rows):
        assert isinstance(rows, pd.DataFrame)
        return rows.iloc[:, :3].to_numpy() * 2

    reference = _margin_loop(X[:, :3] * 2, y, None).session.labelled_idx
    assert list(_margin_loop(frame, y, client, loader=from_frame).session.labelled_idx) == list(reference)
    # a MultiIndex (which dask's dataframes do not take) and text columns, whose type the loader sees as in the kernel
    indexed = frame.assign(site="x").set_index(pd.MultiIndex.from_arrays([np.arange(600) % 3, np.arange(600)]))

    def typed(rows):
        assert rows["site"].dtype == frame.assign(site="x")["site"].dtype
        return rows.iloc[:, :3].to_numpy() * 2

    assert list(_margin_loop(indexed, y, client, loader=typed).session.labelled_idx) == list(reference)


def test_a_binary_models_one_column_of_probabilities_is_still_checked_when_scored_locally():
    """A 1-D P(positive) is not the (N, C) shape checked at entry: it was marked checked anyway, so
    1.5 and -0.5 scored silently; the score function now checks it."""
    from hitl_widgets.active.distributed import _score_rows

    class OneColumn:
        def predict_proba(self, X):
            return np.array([0.2, 1.5, -0.5])

    with pytest.raises(ValueError, match="not probabilities"):
        _score_rows(OneColumn(), None, 3, margin, False, 0, "in part 0", lambda k: f"pool item {k}")
