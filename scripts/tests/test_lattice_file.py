"""`trabecula lattice` output as a researcher's h5py session sees it."""

from __future__ import annotations

import tomllib

import h5py
import numpy as np

from conftest import run_trabecula

CONFIG = """
[run]
seed = 11
[lattice]
voxel_um = 20
shape_voxels = [70, 64, 60]
[lattice.synthetic]
preset = "femoral_head"
"""

METRIC_UNITS = {
    "bv_tv": "1",
    "tb_th_mm": "mm",
    "tb_sp_mm": "mm",
    "tb_n_per_mm": "1/mm",
    "conn_d_per_mm3": "1/mm^3",
    "euler": "1",
    "components": "1",
}


def test_lattice_file_reads_in_h5py(tmp_path, trabecula_bin):
    config = tmp_path / "femoral.toml"
    config.write_text(CONFIG)
    out = tmp_path / "femoral.h5"
    run_trabecula(trabecula_bin, "lattice", str(config), "-o", str(out), "--quiet")

    with h5py.File(out, "r") as f:
        assert f.attrs["software"] == "trabecula"
        assert f.attrs["format_version"] == 1
        assert f.attrs["git_revision"]
        assert f.attrs["software_version"]

        cfg = tomllib.loads(f["config"].attrs["toml"])
        assert cfg["run"]["seed"] == 11
        assert cfg["lattice"]["shape_voxels"] == [70, 64, 60]
        assert cfg["lattice"]["synthetic"]["preset"] == "femoral_head"
        assert f["config"].attrs["seed"] == 11

        bone = f["lattice/bone_fraction"]
        assert bone.shape == (60, 64, 70)  # [nz, ny, nx]
        assert bone.dtype == np.float32
        assert bone.attrs["units"] == "1"
        volume = bone[...]
        assert volume.min() >= 0.0 and volume.max() <= 1.0

        metrics = f["lattice/metrics"]
        for name, units in METRIC_UNITS.items():
            assert metrics[name].attrs["units"] == units, name
        # BV/TV stored is the fraction of voxels counted as bone, recomputed here.
        assert metrics["bv_tv"][()] == np.count_nonzero(volume >= 0.5) / volume.size
        assert metrics["components"][()] == 1
