"""CoreferenceLinker reads a region id by value: a whole float (what pandas makes of [1, None]) is
its int, so links and proposals to region 1 work; a float that is not whole is refused."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.coreference import CoreferenceLinker

IMAGES = np.zeros((2, 40, 40), np.uint8)
TEXTS = ["a dog and a cat", "a cat"]


def regions(ids: list) -> pd.DataFrame:
    return pd.DataFrame({"item": [0] * len(ids), "region": ids, "x": [0, 10, 20][:len(ids)], "y": 0, "w": 5, "h": 5})


def linker(**kw) -> CoreferenceLinker:
    return CoreferenceLinker(IMAGES, TEXTS, store=hw.AnnotationStore(":memory:"), **kw)


def test_a_float_region_column_reads_whole_ids_as_ints():
    frame = regions([1, None])
    assert frame["region"].dtype == float  # pandas made it float
    w = linker(regions=frame)
    assert w.regions["region"].tolist() == ["1", "r2"]
    w.link(0, 0, 5, region="1")
    assert w.links["region"].tolist() == ["1"]


def test_proposals_to_region_one_from_a_float_column():
    proposals = pd.DataFrame({"item": [0, 0], "start": [0, 10], "end": [5, 15], "region": [1, None], "score": [0.9, 0.5]})
    w = linker(regions=regions([1, 2.0]), proposals=proposals)
    region = w.proposals["region"]
    assert region[0] == "1" and pd.isna(region[1])  # the second: no visual referent


def test_a_float_region_id_that_is_not_whole_is_refused_naming_the_region():
    with pytest.raises(ValueError, match=r"item 0 region 1: region id 1\.5 is a float that is not a whole number"):
        linker(regions=regions([1, 1.5]))
    with pytest.raises(ValueError, match=r"item 0 proposal 0: region id 2\.5 is a float"):
        linker(regions=regions([1, 2]), proposals={0: [(0, 5, 2.5, 0.9)]})


def test_one_and_one_point_zero_are_one_region_id():
    with pytest.raises(ValueError, match=r"item 0 region 1: region id '1' appears twice"):
        linker(regions={0: [{"id": 1, "x": 0, "y": 0, "w": 5, "h": 5}, {"id": 1.0, "x": 9, "y": 0, "w": 5, "h": 5}]})
