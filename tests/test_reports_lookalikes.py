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
