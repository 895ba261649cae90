"""The teaching notebooks: each runs top to bottom without error; none is committed with outputs.

Each notebook is executed with nbclient in a fresh kernel that runs *this* interpreter
(``sys.executable``), through a kernelspec written to a temporary directory, so the test uses the
environment pytest runs in whatever kernels the machine has registered. The notebooks' own assert
cells compare every plotted number with ``pyginger.dense``, NumPy or theory, so an error here is a
failed check, not only a crash.
"""

import json
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL_NAME = "pyginger-test-python3"
CELL_TIMEOUT = 300  # seconds per cell: generous for a loaded 2-core machine (budget: 2 min each)


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    """A Jupyter data directory holding one kernelspec that runs the current interpreter."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "pyginger tests", "language": "python"})
    )
    return root


def test_notebooks_exist():
    names = {path.name for path in NOTEBOOKS}
    for required in (
        "01_ggn_and_dense_cost.ipynb",
        "02_woodbury_and_incremental_eig.ipynb",
        "03_ginger_vs_dense.ipynb",
        "04_training_mlp.ipynb",
        "05_convergence_theory.ipynb",
        "06_linear_vs_cubic.ipynb",
        "07_ginger_as_released.ipynb",
        "08_rank_one_eigen_update.ipynb",
        "09_baselines.ipynb",
    ):
        assert required in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.execution_count is None, f"{path.name}: cell {index} has an execution count"
            assert cell.outputs == [], f"{path.name}: cell {index} has outputs (strip them)"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, kernel_dir, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    # The notebooks' matrices are small: BLAS threads add nothing, and on a shared 2-core machine
    # idle OpenBLAS threads spinning against other processes made some notebooks 3-10x slower.
    # (The notebooks that time dense BLAS set their thread counts explicitly.)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    nb = nbformat.read(path, as_version=4)
    # Run with the notebook's folder as the working directory, as Jupyter does.
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell, with its traceback
    elapsed = time.perf_counter() - start
    print(f"{path.name}: {elapsed:.1f} s")
    # No hidden state: a cell that ran must have been numbered in order, one after the other.
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert counts == list(range(1, len(counts) + 1))
