"""The batch on a local two-worker Dask cluster gives byte-identical output to the single-machine batch."""

from __future__ import annotations

import pytest

from refugee_rules.tasks import batch

from .test_batch import mixed_jsonl

distributed = pytest.importorskip("distributed", reason="the optional 'dask' extra is not installed")


@pytest.mark.slow
def test_two_worker_cluster_matches_the_local_batch(tmp_path):
    from refugee_rules.tasks import dask_batch

    mixed_jsonl(tmp_path / "in.jsonl", 40)
    local = batch.run(tmp_path / "in.jsonl", tmp_path / "local.jsonl", as_of="2024-01-01", engine="compiled")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        counts = dask_batch.run(tmp_path / "in.jsonl", tmp_path / "dask.jsonl", client=client, as_of="2024-01-01",
                                engine="compiled", chunk=8, window=4)
    assert (counts.read, counts.assessed, counts.errors) == (local.read, local.assessed, local.errors) == (40, 32, 8)
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
