"""Image uploads: the time and memory it takes to check and re-encode one image.

For each case it makes an image (a phone photo of 12, 24 or 48 megapixels, and a PNG that is
small on disk but huge once decoded), then checks and re-encodes it with
``portal.documents.content.prepare`` in a fresh Python process, and records the wall time and how
high the process's resident memory went (Linux's VmRSS before and VmHWM after: what the operating system saw,
Pillow's pixel buffers included, which tracemalloc would not see).

Writes the table to bench/reports/image-decode.md (and prints it).

Usage: python bench/image_decode.py
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    # (label, width, height, format)
    ("phone photo 12 MP (4032×3024)", 4032, 3024, "JPEG"),
    ("phone photo 24 MP (5712×4284)", 5712, 4284, "JPEG"),
    ("phone photo 48 MP (8064×6048)", 8064, 6048, "JPEG"),
    ("PNG screenshot 4 MP (2560×1600)", 2560, 1600, "PNG"),
    ("PNG with transparency 25 MP (5000×5000)", 5000, 5000, "PNG RGBA"),
    ("PNG bomb 50 MP (7071×7071)", 7071, 7071, "PNG"),
    ("PNG bomb 50 MP with transparency (7071×7071)", 7071, 7071, "PNG RGBA"),
]

CHILD = r"""
import json, sys, time
from pathlib import Path

def status(key):  # kB; VmHWM is the peak of this process since exec (ru_maxrss also counts the parent's)
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(key + ":"))
    return int(line.split()[1])

from portal.documents import content
from portal.documents.errors import DocumentRefused
data = Path(sys.argv[1]).read_bytes()
before = status("VmRSS")
start = time.perf_counter()
try:
    prepared = content.prepare(data)
    outcome = f"kept ({len(prepared.data) // 1024} KB {prepared.content_type})"
except DocumentRefused as refused:
    outcome = f"refused: {refused.reason}"
seconds = time.perf_counter() - start
after = status("VmHWM")
print(json.dumps({"seconds": seconds, "base_mb": before / 1024, "peak_mb": after / 1024, "outcome": outcome}))
"""


def make(width: int, height: int, fmt: str) -> bytes:
    """A photo-like image (a gradient with some shapes), or for PNG a flat one: a bomb compresses well."""
    if fmt.startswith("PNG") and width * height > 10_000_000:
        mode = fmt.partition(" ")[2] or "RGB"
        image = Image.new(mode, (width, height), (200, 200, 200, 128)[:len(mode)])
        fmt = "PNG"
    else:
        gradient = Image.linear_gradient("L").resize((width, height))
        across = Image.linear_gradient("L").rotate(90).resize((width, height))
        image = Image.merge("RGB", (gradient, across, gradient))
        draw = ImageDraw.Draw(image)
        for i in range(0, width, max(1, width // 40)):
            draw.ellipse((i, i % height, i + width // 20, i % height + height // 20), fill=(i % 255, 90, 160))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": 92} if fmt == "JPEG" else {"optimize": True}))
    return out.getvalue()


def measure(path: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                            cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT)})
    return json.loads(result.stdout)


def main() -> None:
    lines = ["# Checking and re-encoding one image upload", "",
             "Made by `bench/image_decode.py`: one fresh process per image; memory is the process's "
             "resident size before the call and at its peak.", "",
             "| image | file size | outcome | time | memory before | peak memory |",
             "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for label, width, height, fmt in CASES:
            data = make(width, height, fmt)
            path = Path(tmp) / f"{width}x{height}.{fmt.lower().replace(' ', '-')}"
            path.write_bytes(data)
            row = measure(path)
            lines.append(f"| {label} | {len(data) / 1024 / 1024:.1f} MB | {row['outcome']} | "
                         f"{row['seconds']:.2f} s | {row['base_mb']:.0f} MB | {row['peak_mb']:.0f} MB |")
    report = "\n".join(lines) + "\n"
    (ROOT / "bench" / "reports" / "image-decode.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
