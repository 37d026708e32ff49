"""Escapers for every text output: Markdown (prose and table cells), Mermaid labels, CSV cells.

A name comes from whoever registered the product: it may hold ``<script>``, quotes, newlines,
a code fence or a pipe. Each escaper keeps it inside the place it is printed:

- :func:`md` (Markdown text and table cells): HTML-escaped (``&``, ``<``, ``>``), Markdown's
  punctuation backslash-escaped (CommonMark, section 2.4: any ASCII punctuation may be; those that
  act anywhere always, a list marker only at the start), every
  run of whitespace (newlines included) and control characters folded to one space, so a
  value can neither end its table row nor open a code block.
- :func:`mermaid_label` (a ``["..."]`` node or ``|"..."|`` edge label inside a ```` ```mermaid ````
  block): Mermaid's entity codes (``#quot;``, ``#35;``...) for every character that could end
  the label or the block (quotes, ``#``, backticks, pipes, brackets, angle brackets), and the
  same folding of whitespace: a name with a newline and a code fence stays one label.
- :func:`csv_cell` (CSV and spreadsheet cells): a string starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading ``'`` (the OWASP rule against formula
  injection); numbers stay numbers (a negative number is not a formula).

>>> md("a|b <i>`x`</i>\\n# c")
'a\\\\|b &lt;i&gt;\\\\`x\\\\`&lt;/i&gt; \\\\# c'
>>> mermaid_label('x"]\\n```\\nend')
'x#quot;#93; #96;#96;#96; end'
>>> csv_cell("=HYPERLINK(1)"), csv_cell(-1.5), csv_cell("-")
("'=HYPERLINK(1)", -1.5, "'-")
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

__all__ = ["FORMULA_PREFIXES", "csv_cell", "md", "mermaid_label", "one_line"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_MD_PUNCT = "\\`*_[]#!|~>"  # escaped anywhere; "-", "+" and "1." only where they start a line
_MD_LEAD = re.compile(r"^([-+]|\d+[.)])")
_MERMAID = {"#": "#35;", '"': "#quot;", "`": "#96;", "|": "#124;", "[": "#91;", "]": "#93;",
            "{": "#123;", "}": "#125;", "(": "#40;", ")": "#41;", "<": "#lt;", ">": "#gt;",
            "&": "#amp;", ";": "#59;"}
_WS = re.compile(r"\s+")


def one_line(text: object) -> str:
    """``text`` as one line: control and format characters dropped, whitespace runs (newlines,
    tabs, line and paragraph separators) folded to one space, ends stripped."""
    s = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                for c in str(text) if unicodedata.category(c) != "Cf")
    return _WS.sub(" ", s).strip()


def md(text: object) -> str:
    """Escape a user-supplied string for Markdown text and table cells (module docstring)."""
    s = html.escape(one_line(text), quote=False)
    s = "".join("\\" + ch if ch in _MD_PUNCT else ch for ch in s)
    return _MD_LEAD.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], s)


def mermaid_label(text: object) -> str:
    """Escape a string for a quoted Mermaid label (module docstring)."""
    return "".join(_MERMAID.get(ch, ch) for ch in one_line(text))


def csv_cell(value: Any) -> Any:
    """A value safe in a CSV or spreadsheet cell: a string that a spreadsheet would read as
    a formula gets a leading ``'``; anything else (numbers included) is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
