"""Python and the JS bundle agree on the version; the built front-end is shipped."""
import json
import re
from pathlib import Path

import hitl_widgets
from hitl_widgets.widgets.base import STATIC

ROOT = Path(__file__).resolve().parents[1]


def test_python_and_js_versions_agree():
    package = json.loads((ROOT / "package.json").read_text())
    assert package["version"] == hitl_widgets.__version__


def test_bundle_carries_the_version():
    bundle = (STATIC / "classify.js").read_text()
    assert re.search(rf'"{re.escape(hitl_widgets.__version__)}"', bundle), "rebuild: npm run build"


def test_every_widget_module_is_bundled():
    for ts in (ROOT / "js" / "src" / "widgets").glob("*.ts"):
        if ts.name.endswith(".test.ts"):
            continue
        assert (STATIC / f"{ts.stem}.js").is_file(), f"{ts.stem}.js missing: npm run build"
