"""A report never shows two values that read alike but differ in type (the class 1 and the class "1",
True and 1) as if one were a copy of the other ("1" and "1 (2)"), nor as the same "1": it refuses
them naming where they are."""
from __future__ import annotations

import doctest
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hitl_widgets import reports
from hitl_widgets.reports import audit_report, confusion_section, short_names


def confusion(classes):
    n = len(classes)
    return SimpleNamespace(matrix_df=pd.DataFrame(np.eye(n, dtype=int) * 3, index=classes, columns=classes),
                           per_class=pd.DataFrame({"class": classes, "recall": [1.0] * n}),
                           label_issues=pd.DataFrame(), relabels=[])


def test_short_names_refuse_lookalikes_and_keep_equal_names_apart():
    with pytest.raises(ValueError, match=r"name '1' \(a str\) in the classes and 1 \(an int\) in the classes read alike"):
        short_names([1, "1"], what="the classes")
    with pytest.raises(ValueError, match=r"name True \(a bool\) in the names and 1 \(an int\) in the names read alike"):
        short_names([1, True])
    assert short_names(["1", "1", "x"]) == ["1", "1 (2)", "x"]  # one name twice: numbered
    assert short_names([np.int64(1), 2, "cat"]) == ["1", "2", "cat"]


@pytest.mark.parametrize("light", [True, False])
def test_a_confusion_matrix_over_1_and_the_str_1_is_refused(light):
    with pytest.raises(ValueError, match=r"name '1' \(a str\) in the (rows|columns) of 'confusion .*' and 1 \(an int\)"):
        confusion_section(confusion([1, "1", 2]), light=light)
    title, body = confusion_section(confusion([1, 2, 3]), light=True)
    assert title == "Confusion" and body.count("<th style='font-size:11px'>1</th>") == 2


def test_a_table_section_with_1_and_the_str_1_in_one_column_is_refused():
    table = pd.DataFrame({"item": [0, 1], "given": [1, "1"], "predicted": [1, 1]})
    with pytest.raises(ValueError, match=r"value '1' \(a str\) in section 'Relabels', column 'given' and 1 \(an int\)"):
        audit_report(("Relabels", table))
    with pytest.raises(ValueError, match=r"column name '1' \(a str\) in section 'Per class' and 1 \(an int\)"):
        audit_report(("Per class", pd.DataFrame([[0.5, 0.7]], columns=[1, "1"])))
    fine = pd.DataFrame({"item": [1, 2], "label": ["1", "cat"], "annotators": [["a", "b"], ["a"]]})
    assert "<td>cat</td>" in audit_report(("Labels", fine)).to_html()  # ints beside other strs: told apart


def test_doctests():
    assert doctest.testmod(reports, optionflags=doctest.ELLIPSIS).failed == 0


def test_names_with_dollar_signs_are_drawn_as_typed_and_cannot_break_a_report():
    """matplotlib read "$…$" in a tick label as a formula: an unknown command ("$\\undefinedmacro$")
    raised while the figure was saved, so a class, group or annotator name blocked the report."""
    import numpy as np
    import pandas as pd

    import hitl_widgets as hw

    bad = "$\\undefinedmacro$"
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 100)
    p = np.where(rng.random(100) < 0.7, y, (y + 1) % 3)
    classes = np.array(["a", bad, "c"])
    html = hw.ConfusionDashboard(classes[y], classes[p], classes=list(classes), store=hw.AnnotationStore(":memory:")).to_html()
    assert "<img" in html and "undefinedmacro" in html  # the figure, and the name in the tables
    y2 = rng.integers(0, 2, 200)
    p2 = np.where(rng.random(200) < 0.8, y2, 1 - y2)
    groups = pd.DataFrame({"site": np.where(rng.random(200) < 0.5, "a", bad)})
    assert "<img" in hw.BiasAudit(y2, p2, groups, n_boot=20).to_html()
