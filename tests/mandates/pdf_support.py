"""Reading receipt PDFs in tests: text with `pdftotext`, page images with `pdftoppm`."""

import subprocess
from pathlib import Path

from PIL import Image  # already installed: a WeasyPrint dependency


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                         check=True, capture_output=True)
    return out.stdout.decode()


def first_page_png(pdf: bytes, tmp_path: Path, dpi: int = 50, gray: bool = True) -> Path:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    colour = ["-gray"] if gray else []
    subprocess.run(["pdftoppm", "-png", *colour, "-r", str(dpi), "-f", "1", "-l", "1",
                    "-singlefile", str(path), str(tmp_path / "page1")], check=True)
    return tmp_path / "page1.png"


def coloured_ratio(png: Path, tolerance: int = 12) -> float:
    """Share of pixels whose channels differ: 0 for a page printed in black and white only."""
    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    total = sum(count for count, _ in colours)
    tinted = sum(count for count, (r, g, b) in colours
                 if max(r, g, b) - min(r, g, b) > tolerance)
    return tinted / total


def dark_ratio(png: Path) -> float:
    """Share of pixels darker than mid-grey (ink on the page)."""
    with Image.open(png) as image:
        histogram = image.convert("L").histogram()
    return sum(histogram[:128]) / sum(histogram)


def words(text: str) -> str:
    """Collapse whitespace so a sentence wrapped across lines still matches."""
    return " ".join(text.split())
