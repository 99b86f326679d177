"""The XDMF sidecar (X.xdmf beside X.h5) against the HDF5 file it describes.

For files written by the `stream_timeseries` example (a lattice and two snapshots)
and by `trabecula lattice` (a lattice only): the sidecar is well-formed XDMF 3;
every DataItem that points into the HDF5 file names a dataset that exists with
exactly the stated shape and type; inline DataItems hold as many numbers as they
claim; grids are cell-centred 3DCoRectMeshes with one more node than voxels per
axis and the voxel size in mm as spacing; every snapshot (and each of its fields)
is described, at its day, with times increasing.

Build the binary and the examples first (`cargo build --bins --examples`).
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import h5py
import numpy as np

from conftest import run_trabecula

# XDMF NumberType and Precision (bytes) -> numpy dtype.
DTYPES = {
    ("Float", "4"): np.float32,
    ("Float", "8"): np.float64,
    ("Int", "1"): np.int8,
    ("Int", "4"): np.int32,
    ("Int", "8"): np.int64,
    ("UInt", "1"): np.uint8,
    ("UInt", "4"): np.uint32,
    ("Char", "1"): np.int8,
    ("UChar", "1"): np.uint8,
}

SMALL_CONFIG = """\
[run]
seed = 3

[lattice]
voxel_um = 20.0
side_mm = 1.2

[lattice.synthetic]
preset = "iliac_crest"
"""


def dims(element: ET.Element) -> tuple[int, ...]:
    return tuple(int(n) for n in element.attrib["Dimensions"].split())


def check_data_items(xdmf: Path, h5: Path, root: ET.Element) -> int:
    """Checks every DataItem; returns how many point into the HDF5 file."""
    items = list(root.iter("DataItem"))
    assert items, "no DataItem at all"
    referenced = 0
    with h5py.File(h5, "r") as f:
        for item in items:
            shape = dims(item)
            want = DTYPES[(item.attrib.get("NumberType", "Float"), item.attrib.get("Precision", "4"))]
            fmt = item.attrib.get("Format", "XML")
            if fmt == "XML":
                values = np.array(item.text.split(), dtype=np.float64)
                assert values.size == int(np.prod(shape)), ET.tostring(item)
                continue
            assert fmt == "HDF", ET.tostring(item)
            file_name, dataset = item.text.strip().split(":", 1)
            assert (xdmf.parent / file_name).resolve() == h5.resolve(), item.text
            assert dataset in f, f"{item.text}: no such dataset"
            ds = f[dataset]
            assert ds.shape == shape, f"{item.text}: shape {ds.shape}, XDMF says {shape}"
            assert ds.dtype == want, f"{item.text}: dtype {ds.dtype}, XDMF says {want}"
            referenced += 1
    return referenced


def check_grid(grid: ET.Element, group: h5py.Group) -> list[str]:
    """Checks a uniform grid against the HDF5 group holding its volumes; returns
    the names of its attributes."""
    assert grid.attrib["GridType"] == "Uniform"
    topology = grid.find("Topology")
    assert topology.attrib["TopologyType"] == "3DCoRectMesh"
    nx, ny, nz = (int(n) for n in group.attrs["dims"])
    # Cell data: one more node than voxels along each axis, z y x.
    assert dims(topology) == (nz + 1, ny + 1, nx + 1)
    geometry = grid.find("Geometry")
    assert geometry.attrib["GeometryType"] == "ORIGIN_DXDYDZ"
    origin, spacing = (np.array(d.text.split(), dtype=float) for d in geometry.findall("DataItem"))
    np.testing.assert_array_equal(origin, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(spacing, [group.attrs["voxel_um"] / 1000.0] * 3, rtol=1e-12)
    names = []
    for attribute in grid.findall("Attribute"):
        assert attribute.attrib["Center"] == "Cell"
        assert attribute.attrib["AttributeType"] == "Scalar"
        assert dims(attribute.find("DataItem")) == (nz, ny, nx)
        names.append(attribute.attrib["Name"])
    return names


def load(h5: Path) -> tuple[Path, ET.Element]:
    xdmf = h5.with_suffix(".xdmf")
    assert xdmf.exists(), f"no sidecar beside {h5}"
    assert not xdmf.with_suffix(".xdmf.tmp").exists()
    root = ET.parse(xdmf).getroot()  # raises on malformed XML
    assert root.tag == "Xdmf" and root.attrib["Version"] == "3.0"
    return xdmf, root


def test_sidecar_of_a_streamed_run(tmp_path, example_bin):
    h5 = tmp_path / "stream.h5"
    rows = 12
    subprocess.run(
        [str(example_bin("stream_timeseries")), str(h5), str(rows), "0"],
        capture_output=True,
        check=True,
    )
    xdmf, root = load(h5)
    # The lattice, plus bone_fraction of two snapshots.
    assert check_data_items(xdmf, h5, root) == 3

    domain = root.find("Domain")
    with h5py.File(h5, "r") as f:
        lattice = domain.find("Grid[@Name='lattice']")
        assert lattice.find("Time") is None
        assert check_grid(lattice, f["lattice"]) == ["bone_fraction"]

        collection = domain.find("Grid[@Name='snapshots']")
        assert collection.attrib["GridType"] == "Collection"
        assert collection.attrib["CollectionType"] == "Temporal"
        grids = collection.findall("Grid")
        times = [float(g.find("Time").attrib["Value"]) for g in grids]
        assert times == sorted(set(times)), f"times do not increase: {times}"
        assert sorted(g.attrib["Name"] for g in grids) == sorted(f["snapshots"])
        for grid, time in zip(grids, times):
            snapshot = f["snapshots"][grid.attrib["Name"]]
            assert snapshot.attrs["day"] == time
            fields = list(snapshot.attrs.get("fields", []))
            assert check_grid(grid, snapshot) == ["bone_fraction", *fields]
        assert times == [0.0, float(rows)]


def test_sidecar_of_a_lattice_file(tmp_path, trabecula_bin):
    config = tmp_path / "small.toml"
    config.write_text(SMALL_CONFIG)
    h5 = tmp_path / "lattice.h5"
    run_trabecula(trabecula_bin, "--quiet", "lattice", str(config), "-o", str(h5))
    xdmf, root = load(h5)
    assert check_data_items(xdmf, h5, root) == 1
    grids = root.find("Domain").findall("Grid")
    assert [g.attrib["Name"] for g in grids] == ["lattice"], "no snapshots, no collection"
    with h5py.File(h5, "r") as f:
        assert check_grid(grids[0], f["lattice"]) == ["bone_fraction"]
        assert f["lattice/bone_fraction"].shape == (60, 60, 60)
