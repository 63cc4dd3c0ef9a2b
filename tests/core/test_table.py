"""The one table model (mllab.core.table): each rendering keeps the cells, the marks and the number format."""

import csv
import io
import math

from markupsafe import Markup

from mllab.core.table import Table, number

ROWS = [["lr0.1", 0.9712345, None, 3], ["lr<0.01>", 0.5, 0.001234, 12]]


def table(**kw):
    return Table(["setting", "val_accuracy mean", "val_psnr mean", "n"], ROWS,
                 metrics={"val_accuracy mean": "val_accuracy", "val_psnr mean": "val_psnr"}, **kw)


def test_number_gives_a_metric_four_decimals_and_anything_else_four_significant_digits():
    assert [number(v, "test_accuracy") for v in (0.5, 0.123456, 1.0)] == ["0.5000", "0.1235", "1.0000"]
    assert number(31.41592, "test_psnr") == "31.4159" and number(-0.0004, "test_loss", signed=True) == "-0.0004"
    assert [number(v) for v in (148.54, 2.0, 7, 1e7, 0.000123456)] == ["148.5", "2", "7", "1e+07", "0.0001235"]
    assert [number(v) for v in (None, True, math.nan, "text")] == ["-", "True", "nan", "text"]


def test_text_aligns_columns_and_right_aligns_numbers():
    lines = table().text().splitlines()
    assert len({len(line) for line in lines}) == 1  # the last column (numbers) is right-aligned
    assert lines[0].split() == [
        "setting", "val_accuracy", "mean", "val_psnr", "mean", "n"]
    assert lines[1].split() == ["lr0.1", "0.9712", "-", "3"] and lines[2].split() == ["lr<0.01>", "0.5000", "0.0012",
                                                                                          "12"]
    assert lines[1].endswith(" 3") and lines[2].endswith("12")  # right-aligned
    assert table(widths=[20]).text(header=False).splitlines()[0].startswith("lr0.1" + " " * 15)


def test_markdown_marks_the_best_row_and_aligns_numeric_columns_right():
    md = table(marked=[False, True]).markdown().splitlines()
    assert md[0] == "| setting | val_accuracy mean | val_psnr mean | n | best |"
    assert md[1] == "|---|---:|---:|---:|---|"
    assert md[2] == "| lr0.1 | 0.9712 | - | 3 |  |" and md[3].endswith("| 12 | **best** |")
    assert "best" not in table().markdown()  # nothing marked: no column


def test_csv_keeps_exact_numbers_and_empty_cells():
    rows = list(csv.reader(io.StringIO(table(marked=[True, False]).csv())))
    assert rows[0][-1] == "best" and rows[1] == ["lr0.1", "0.9712345", "", "3", "1"]
    assert rows[2] == ["lr<0.01>", "0.5", "0.001234", "12", "0"]


def test_html_escapes_text_keeps_markup_and_sorts_numbers_by_their_exact_value():
    link = Markup('<a href="x/report.html">x</a>')
    page = str(Table(["setting", "n"], [[link, 0.123456], ["<b>", None]], marked=[True]).html())
    assert page.startswith('<table class="sortable"><thead><tr><th>setting</th><th>n</th></tr></thead>')
    assert '<tr class="best"><td><a href="x/report.html">x</a></td><td class="num" data-v="0.123456">0.1235</td>' \
        in page
    assert "<td>&lt;b&gt;</td><td>-</td>" in page and "<b>" not in page
    assert 'class="sortable"' not in str(Table(["a"], [[1]]).html(sortable=False))
