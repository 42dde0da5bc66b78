import numpy as np
import pytest

from expandermask import generate_mask
from expandermask.plotting import plot_spectrum, singular_values
from tests.conftest import dense_singular_values

pytest.importorskip("matplotlib")


def test_singular_values_match_numpy_and_plot_is_written(tmp_path):
    mask = generate_mask(256, 64, 4, seed=0)
    np.testing.assert_allclose(singular_values(mask), dense_singular_values(mask), atol=1e-8)
    path = tmp_path / "spectrum.png"
    plot_spectrum(mask, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_cli_plot(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from expandermask.cli.main import main

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["generate", "--left", "96", "--right", "8", "--dl", "2", "-o", "m.npz"]
        ).exit_code
        == 0
    )
    result = runner.invoke(main, ["verify", "m.npz", "--plot", "s.svg"])
    assert result.exit_code == 0 and (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")
