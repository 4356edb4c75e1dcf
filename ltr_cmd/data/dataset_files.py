"""Small readers shared by the training sources and the evaluation benchmarks.

One place for: the frame file extensions, the box (annotation / result) file reader, the VOT
`sequence` metadata reader, and the shortened lists that error messages print. Imports only
numpy and the standard library, so that both sides (and `pytracking_cmd`) can use it.
"""
import re

import numpy as np

from ltr_cmd.errors import UserError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')

_SEPARATORS = re.compile(r'[,;\s]+')


class AnnotationError(UserError, ValueError):
    """A box file exists but a line of it cannot be read (the message names file:line and the text)."""


def format_list(items, limit=10, separator=', '):
    """The first `limit` items joined by `separator`, then '... (M more)' when there are more.

    args:
        items - iterable of strings
        limit - how many items to show
        separator - text between two items
    returns:
        str
    """
    items = list(items)
    text = separator.join(items[:limit])
    if len(items) > limit:
        text += '{}... ({} more)'.format(separator, len(items) - limit)
    return text


def read_lines(path):
    """Lines of a text file (utf-8, BOM and undecodable bytes tolerated), without trailing blank lines."""
    with open(path, 'r', encoding='utf-8-sig', errors='replace') as f:
        lines = f.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def read_boxes(path, polygons=False, error=AnnotationError):
    """Read a box file: one box per line, values separated by commas, semicolons and/or whitespace.

    The one reader of the ground-truth files of the benchmarks and of pytracking's result files
    (which pytracking writes tab-separated). Trailing blank lines are ignored; a blank line between
    boxes is an error, since it would shift every later box to the wrong frame. A first line
    without any digit (a header such as `x,y,w,h`, left by files saved from a spreadsheet) is
    skipped.
    args:
        path - the file
        polygons - also accept VOT regions: an even number >= 6 of values is a polygon, replaced by
                   its axis-aligned bounding rectangle (as pytracking's VOTDataset and the VOT
                   toolkit's convert_region(..., 'rectangle') do); a single value (the toolkit's
                   code for an unknown region) becomes a row of NaN
        error - exception class raised for a malformed line
    returns:
        float64 array [N, 4] of x, y, w, h; NaN, zero and negative values are kept as written
    """
    lines = read_lines(path)
    expected = '4 values x,y,w,h' + (' or 8 polygon values x1,y1,...,x4,y4' if polygons else '')
    first = 1 if lines and _is_header(lines[0]) else 0
    boxes = np.empty((len(lines) - first, 4), dtype=np.float64)
    for i, line in enumerate(lines[first:], first):
        where = '{}:{}'.format(path, i + 1)
        tokens = [t for t in _SEPARATORS.split(line.strip()) if t]
        if not tokens:
            raise error('{}: empty line; expected {} (separated by commas or whitespace)'.format(where, expected))
        try:
            values = [float(t) for t in tokens]
        except ValueError:
            raise error('{}: cannot read {!r} as numbers; expected {} separated by commas or whitespace'
                        .format(where, line, expected)) from None
        n = len(values)
        row = i - first
        if n == 4:
            boxes[row] = values
        elif polygons and n >= 6 and n % 2 == 0:
            xs, ys = np.array(values[0::2]), np.array(values[1::2])
            x0, y0 = xs.min(), ys.min()
            boxes[row] = (x0, y0, xs.max() - x0, ys.max() - y0)
        elif polygons and n == 1:
            boxes[row] = np.nan
        else:
            raise error('{}: {} values in {!r}; expected {}'.format(where, n, line, expected))
    return boxes


def _is_header(line):
    """A line without any digit that is not all numbers either ('x,y,w,h', not 'nan,nan,nan,nan')."""
    tokens = [t for t in _SEPARATORS.split(line.strip()) if t]
    if not tokens or re.search(r'\d', line):
        return False
    try:
        [float(t) for t in tokens]
    except ValueError:
        return True
    return False


def read_key_values(path):
    """Read `key=value` lines (a VOT `sequence` metadata file); '#' lines and lines without '=' are skipped.

    returns:
        dict key -> value (both stripped)
    """
    values = {}
    for line in read_lines(path):
        if '=' in line and not line.lstrip().startswith('#'):
            key, value = line.split('=', 1)
            values[key.strip()] = value.strip()
    return values
