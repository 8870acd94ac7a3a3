"""tfbind.features.extract.keep_freed_memory: freed buffers are reused, not faulted in again (glibc only)."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

from helpers import REPO

# Allocates three 3 MiB buffers (a model's file bytes, parser tape, matrices) and frees them, 50 times, and counts
# the minor page faults of the last 40 rounds: by default glibc hands the freed 9 MiB at the top of its heap
# back to the kernel (above its dynamic trim threshold, twice the largest freed mmap block) and faults its 2,300
# pages in again in the next round.
SCRIPT = textwrap.dedent("""
    import resource, sys
    sys.path.insert(0, sys.argv[1])
    from tfbind.features.extract import keep_freed_memory
    tuned = sys.argv[2] == "tuned" and keep_freed_memory()
    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    def model():
        blocks = [bytearray(3 << 20) for _ in range(3)]
        del blocks
    for _ in range(10):
        model()
    start = faults()
    for _ in range(40):
        model()
    print(tuned, faults() - start)
""")


def faults(mode: str) -> tuple[bool, int]:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO / "workflow"), mode], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0] == "True", int(out[1])


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_freed_buffers_are_reused():
    tuned, tuned_faults = faults("tuned")
    default = faults("default")[1]
    assert tuned
    assert default >= 40 * 1500  # every round faults most of the buffers in again
    assert tuned_faults < 100
