"""The audits that the report tests put in one report: a bias audit, agreement, confusion, a gate
and a signed certificate, with hostile text wherever text from data can go."""
from __future__ import annotations

import numpy as np
import pandas as pd

import hitl_widgets as hw

IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
SCRIPT = "<script>window.__xss=(window.__xss||0)+1</script>"
SVG = '<svg onload="window.__xss=(window.__xss||0)+1"></svg>'
PAYLOADS = [IMG, SCRIPT, SVG]


def audits(tmp_path, hostile: bool = True):
    rng = np.random.default_rng(3)
    store = hw.AnnotationStore(tmp_path / "report.db", annotator="ada")
    classes = ["cat", IMG, "dog"] if hostile else ["cat", "cow", "dog"]
    y = rng.integers(0, 3, 300)
    p = np.where(rng.random(300) < 0.8, y, (y + 1) % 3)
    site = np.where(rng.random(300) < 0.5, "north", SCRIPT if hostile else "south")
    p[site != "north"] = np.where(rng.random((site != "north").sum()) < 0.5, p[site != "north"], (y[site != "north"] + 2) % 3)
    bias = hw.BiasAudit(y == 1, p == 1, pd.DataFrame({"site": site}), n_boot=100, threshold=0.05)
    confusion = hw.ConfusionDashboard(np.array(classes)[y], np.array(classes)[p], classes=classes, store=store, task="conf")
    rows = [{"item": i, "annotator": a, "label": classes[(i + (k == 2 and i % 4 == 0)) % 3]}
            for i in range(40) for k, a in enumerate(["ann", SVG if hostile else "bo", "cy"])]
    agreement = hw.AgreementDashboard(pd.DataFrame(rows), task="agree", n_boot=100)
    gate = hw.QualityGate(rng.integers(0, 255, (50, 8, 8), dtype=np.uint8), name=SCRIPT if hostile else "batch 7",
                          sample=20, plan=(20, 2), store=store, reasons=("blurred", IMG if hostile else "cropped"))
    for n, item in enumerate(gate.order):
        if n < 3:
            gate.decide(item, "reject", IMG if hostile else "cropped")
        else:
            gate.decide(item, "accept")
    labels = store.labels("conf")
    return {"bias": bias, "confusion": confusion, "agreement": agreement, "gate": gate, "store": store, "labels": labels}
