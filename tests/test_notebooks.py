"""Every notebook's code cells run top to bottom (headless matplotlib)."""

import json
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {}
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            exec(compile(source.replace("plt.show()", "plt.close('all')"), str(path), "exec"), namespace)
