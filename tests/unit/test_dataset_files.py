"""ltr_cmd.data.dataset_files: the one box-file reader, the key=value reader and the list formatter."""
import numpy as np
import pytest

from ltr_cmd.data.dataset_files import AnnotationError, format_list, read_boxes, read_key_values
from ltr_cmd.errors import UserError


def _lines(path, lines):
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_read_boxes_lenient_separators_and_polygons(tmp_path):
    path = _lines(tmp_path / 'gt.txt', ['1,2,3,4', '1 2 3 4', '1\t2, 3 ;4', '0,0,10,0,10,5,0,5', '', ''])
    boxes = read_boxes(path, polygons=True)
    assert boxes.tolist() == [[1, 2, 3, 4]] * 3 + [[0, 0, 10, 5]]


@pytest.mark.parametrize('bad,line', [(['1,2,3,4', '1,2,3'], 2), (['1,2,3,4', '', '1,2,3,4'], 2),
                                      (['x,2,3,4'], 1)])
def test_read_boxes_malformed_lines(tmp_path, bad, line):
    path = _lines(tmp_path / 'gt.txt', bad)
    with pytest.raises(AnnotationError, match='gt.txt:{}'.format(line)) as info:
        read_boxes(path)
    assert isinstance(info.value, UserError) and isinstance(info.value, ValueError)


def test_read_key_values_and_format_list(tmp_path):
    path = _lines(tmp_path / 'sequence', ['# comment', 'channels.ir = ir/%08d.png', 'fps=30', 'no equals sign'])
    assert read_key_values(path) == {'channels.ir': 'ir/%08d.png', 'fps': '30'}
    assert format_list(['a', 'b']) == 'a, b'
    assert format_list([str(i) for i in range(12)], limit=3) == '0, 1, 2, ... (9 more)'
    assert np.isnan(read_boxes(_lines(tmp_path / 'vot.txt', ['0'], ), polygons=True)).all()
