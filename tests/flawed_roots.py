"""Dataset roots as they really come: tiny trees of the seven training sources and three TIR benchmarks,
each with the flaws that real downloads show.

Every writer returns `(root, expected)`: `expected` says which sequences a reader must use, which it
must skip (name -> a few words of the reason) and which frame files are unusable when opened.
Each flaw carries a comment saying where it comes from. Trees are a few frames of 32x24 pixels.
"""
import os
import zlib

import cv2
import numpy as np

SIZE = (32, 24)  # width, height


def _rng(path):
    return np.random.default_rng(zlib.crc32(os.fspath(path).encode()))


def rgb(path, size=SIZE):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), _rng(path).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


def thermal8(path, size=SIZE):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), _rng(path).integers(0, 255, (size[1], size[0]), dtype=np.uint8))


def thermal16(path, size=SIZE):
    # Radiometric cameras (e.g. FLIR) store 16-bit counts; PNG/TIFF keep them.
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), _rng(path).integers(7000, 9000, (size[1], size[0]), dtype=np.uint16))


def zero_bytes(path):
    # A copy or download interrupted before any data arrived (or a full disk) leaves 0-byte files.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'')


def truncated(path, writer=rgb):
    # An interrupted transfer or an archive split across volumes cuts a JPEG short: the header
    # (and so its size) reads, the pixels do not.
    writer(path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3])


def stray_files(folder):
    """The files that come with real archives but are no data."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / '.DS_Store').write_bytes(b'\x00\x00\x00\x01Bud1')        # Finder metadata, archives made on macOS
    (folder / 'Thumbs.db').write_bytes(b'\xd0\xcf\x11\xe0')             # Windows Explorer thumbnail cache
    (folder / 'README.txt').write_text('Dataset downloaded from the authors\' page.\n')  # notes shipped by the authors
    # __MACOSX/ with AppleDouble "._" twins of every file: typical of zip archives created on macOS
    (folder / '__MACOSX' / folder.name).mkdir(parents=True, exist_ok=True)
    (folder / '__MACOSX' / folder.name / '._README.txt').write_bytes(b'\x00\x05\x16\x07')


def _two_folder(seq, rgb_dir, tir_dir, rgb_names, tir_names, tir_writer=thermal8, size=SIZE, tir_size=None):
    for name in rgb_names:
        rgb(seq / rgb_dir / name, size)
    for name in tir_names:
        tir_writer(seq / tir_dir / name, tir_size or size)


# ------------------------------------------------------------------------------------------------
# Training sources
# ------------------------------------------------------------------------------------------------

def lasher(root):
    """LasHeR layout: <seq>/visible/v000.jpg, <seq>/infrared/i000.jpg, init.txt."""
    stray_files(root)
    v = ['v{:03d}.jpg'.format(i) for i in range(4)]
    i = ['i{:03d}.jpg'.format(k) for k in range(4)]
    _two_folder(root / 'boy', 'visible', 'infrared', v, i)
    (root / 'boy' / 'visible' / 'Thumbs.db').write_bytes(b'\xd0\xcf')    # Windows thumbnail cache inside a frame folder
    (root / 'boy' / 'visible' / '._v000.jpg').write_bytes(b'\x00\x05')  # AppleDouble twin (macOS copy to FAT/exFAT disk)
    zero_bytes(root / 'boy' / 'infrared' / 'i002.jpg')                 # interrupted copy: listed, unreadable
    # init.txt with tabs and a trailing blank line (box files differ in separators across RGB-T datasets;
    # CMD reads no boxes, this must not matter)
    (root / 'boy' / 'init.txt').write_text('10\t5\t8\t6\n10\t5\t8\t6\n\n')
    # 8-bit and 16-bit thermal mixed in one sequence, upper-case extensions (cameras and Windows tools write .JPG)
    _two_folder(root / 'car', 'visible', 'infrared', ['v000.JPG', 'v001.JPG', 'v002.jpg'], ['i000.jpg'])
    thermal16(root / 'car' / 'infrared' / 'i001.png')
    thermal16(root / 'car' / 'infrared' / 'i002.PNG')
    truncated(root / 'car' / 'visible' / 'v003.jpg')                   # interrupted transfer
    thermal8(root / 'car' / 'infrared' / 'i003.jpg')
    # count mismatch: one camera recorded a frame more (the infrared stream ends one frame later)
    _two_folder(root / 'extra_tir', 'visible', 'infrared', v[:3], i)
    # a frame missing in the middle of one modality (dropped frame): same count would be wrong pairing
    _two_folder(root / 'gap', 'visible', 'infrared', v[:3], ['i000.jpg', 'i002.jpg', 'i003.jpg'])
    # the infrared folder never extracted (partial download of a multi-part archive)
    _two_folder(root / 'no_infrared', 'visible', 'infrared', v[:3], [])
    # visible at another resolution than infrared: not an aligned pair
    _two_folder(root / 'resized', 'visible', 'infrared', v[:3], i[:3], tir_size=(40, 30))
    # a browser's duplicate download "v001 (1).jpg": a name without a frame index
    _two_folder(root / 'copy', 'visible', 'infrared', v[:3] + ['v001 (1).jpg'], i[:3])
    (root / 'docs').mkdir()                                            # a folder that is not a sequence
    (root / 'docs' / 'LasHeR_readme.pdf').write_bytes(b'%PDF-1.4')
    return root, {'used': {'boy': 4, 'car': 4},
                  'skipped': {'extra_tir': '3 rgb frames but 4 tir frames', 'gap': 'frames without a partner',
                              'no_infrared': 'is missing', 'resized': 'differ in size',
                              'copy': 'cannot read a frame index', 'docs': 'no visible/ or infrared/ folder'},
                  'unusable': [root / 'boy' / 'infrared' / 'i002.jpg', root / 'car' / 'visible' / 'v003.jpg']}


def rgbt234(root):
    """RGBT234 layout: <seq>/visible/00001v.jpg, <seq>/infrared/00001i.jpg."""
    stray_files(root)
    _two_folder(root / 'afterrain', 'visible', 'infrared', ['{:05d}v.jpg'.format(k) for k in range(1, 5)],
                ['{:05d}i.jpg'.format(k) for k in range(1, 5)])
    # ground truth with a header line and tabs (files edited in spreadsheets); CMD reads no boxes
    (root / 'afterrain' / 'init.txt').write_text('x\ty\tw\th\n1\t2\t3\t4\n')
    zero_bytes(root / 'afterrain' / 'infrared' / '00003i.jpg')
    # one frame more in visible than in infrared (the two cameras' streams cut at different frames)
    _two_folder(root / 'baby', 'visible', 'infrared', ['{:05d}v.jpg'.format(k) for k in range(1, 5)],
                ['{:05d}i.jpg'.format(k) for k in range(1, 4)])
    return root, {'used': {'afterrain': 4}, 'skipped': {'baby': '4 rgb frames but 3 tir frames'},
                  'unusable': [root / 'afterrain' / 'infrared' / '00003i.jpg']}


def rgbt210(root):
    """RGBT210 layout: <seq>/visible/00001v.jpg, <seq>/infrared/00001i.jpg."""
    stray_files(root)
    _two_folder(root / 'balancebike', 'visible', 'infrared', ['{:05d}v.JPG'.format(k) for k in range(1, 4)],
                ['{:05d}i.JPG'.format(k) for k in range(1, 4)])        # upper-case extensions
    truncated(root / 'balancebike' / 'visible' / '00002v.JPG')
    # infrared frame 2 dropped: equal counts would pair 3v with 4i by position
    _two_folder(root / 'bike', 'visible', 'infrared', ['{:05d}v.jpg'.format(k) for k in (1, 2, 3)],
                ['{:05d}i.jpg'.format(k) for k in (1, 3, 4)])
    return root, {'used': {'balancebike': 3}, 'skipped': {'bike': 'frames without a partner'},
                  'unusable': [root / 'balancebike' / 'visible' / '00002v.JPG']}


def gtot(root):
    """GTOT layout: <seq>/v/, <seq>/i/, groundTruth_v.txt, groundTruth_i.txt."""
    stray_files(root)
    _two_folder(root / 'BlackCar', 'v', 'i', ['{:05d}v.png'.format(k) for k in range(1, 4)],
                ['{:05d}i.png'.format(k) for k in range(1, 4)])
    # GTOT's box files are space separated, with blank lines at the end in some copies; not read by CMD
    (root / 'BlackCar' / 'groundTruth_v.txt').write_text('1 2 10 12\n\n\n')
    # only v/ extracted
    _two_folder(root / 'Quarreling', 'v', 'i', ['{:05d}v.png'.format(k) for k in range(1, 4)], [])
    return root, {'used': {'BlackCar': 3}, 'skipped': {'Quarreling': 'is missing'}, 'unusable': []}


def kaist(root):
    """KAIST multispectral: setXX/VXXX/{visible,lwir}/I00000.jpg."""
    stray_files(root)
    names = ['I{:05d}.jpg'.format(k) for k in range(3)]
    _two_folder(root / 'set00' / 'V000', 'visible', 'lwir', names, names)
    zero_bytes(root / 'set00' / 'V000' / 'lwir' / 'I00001.jpg')
    # lwir one frame short (the sequence cut at a different frame)
    _two_folder(root / 'set00' / 'V001', 'visible', 'lwir', names, names[:2])
    (root / 'annotations').mkdir()                                     # KAIST ships annotations beside the sets
    (root / 'set00' / '.DS_Store').write_bytes(b'\x00')
    return root, {'used': {'set00/V000': 3}, 'skipped': {'set00/V001': '3 rgb frames but 2 tir frames'},
                  'unusable': [root / 'set00' / 'V000' / 'lwir' / 'I00001.jpg']}


def side_by_side(root):
    """Side-by-side pair images: <seq>/*.jpg, RGB half left, TIR half right."""
    stray_files(root)
    for k in range(3):
        rgb(root / 'clip1' / '{:04d}.jpg'.format(k), (2 * SIZE[0], SIZE[1]))
    rgb(root / 'clip1' / '0003.jpg', (2 * SIZE[0] + 1, SIZE[1]))      # odd width: not two equal halves (a crop)
    zero_bytes(root / 'clip1' / '0004.JPG')
    (root / 'empty').mkdir()                                           # a folder left by a failed extraction
    return root, {'used': {'clip1': 5}, 'skipped': {'empty': 'no image files'},
                  'unusable': [root / 'clip1' / '0003.jpg', root / 'clip1' / '0004.JPG']}


def generic(root):
    """The generic layout: <seq>/rgb/<stem>.jpg, <seq>/tir/<stem>.tif (same stems)."""
    stray_files(root)
    for k in range(3):
        rgb(root / 'walk' / 'rgb' / '{:06d}.jpg'.format(k))
    thermal16(root / 'walk' / 'tir' / '000000.tif')                    # 16-bit and 8-bit thermal mixed
    thermal8(root / 'walk' / 'tir' / '000001.png')
    thermal16(root / 'walk' / 'tir' / '000002.TIF')
    # an rgb frame without its tir partner (exported at a different frame rate)
    for k in range(3):
        rgb(root / 'run' / 'rgb' / '{:06d}.jpg'.format(k))
    for k in (0, 1, 5):
        thermal8(root / 'run' / 'tir' / '{:06d}.png'.format(k))
    return root, {'used': {'walk': 3}, 'skipped': {'run': 'frames without a partner'}, 'unusable': []}


SOURCES = {'lasher': lasher, 'rgbt234': rgbt234, 'rgbt210': rgbt210, 'gtot': gtot, 'kaist': kaist,
           'side_by_side': side_by_side, 'generic': generic}


# ------------------------------------------------------------------------------------------------
# TIR benchmarks (evaluation)
# ------------------------------------------------------------------------------------------------

def _otb_sequence(seq, frames, digits, gt_lines, writer=thermal8, ext='jpg'):
    for k in range(1, frames + 1):
        writer(seq / 'img' / '{:0{}d}.{}'.format(k, digits, ext))
    (seq / 'groundtruth_rect.txt').write_text(gt_lines)


def lsotb_tir(root):
    """LSOTB-TIR layout: <seq>/img/0001.jpg, <seq>/groundtruth_rect.txt."""
    stray_files(root)
    _otb_sequence(root / 'bird_H_001', 4, 4, '2,2,8,6\n3,2,8,6\n4,2,8,6\n5,2,8,6\n\n')   # trailing blank line
    (root / 'bird_H_001' / 'img' / '._0001.jpg').write_bytes(b'\x00\x05')  # AppleDouble twin (macOS tar / FAT disk)
    (root / 'bird_H_001' / 'img' / 'Thumbs.db').write_bytes(b'\xd0')
    # a frame truncated in the middle of the sequence (interrupted download)
    _otb_sequence(root / 'airplane_H_001', 4, 4, '2\t2\t8\t6\n3\t2\t8\t6\n4\t2\t8\t6\n5\t2\t8\t6\n')  # tab separated
    truncated(root / 'airplane_H_001' / 'img' / '0003.jpg', thermal8)
    return root, {'used': ['airplane_H_001', 'bird_H_001'], 'corrupt': root / 'airplane_H_001' / 'img' / '0003.jpg'}


def ptb_tir(root):
    """PTB-TIR layout: <seq>/img/00000001.jpg, <seq>/groundtruth_rect.txt."""
    stray_files(root)
    # a header line in the box file (files re-saved from a spreadsheet)
    _otb_sequence(root / 'campus1', 3, 8, 'x,y,w,h\n2,2,8,6\n3,2,8,6\n4,2,8,6\n')
    _otb_sequence(root / 'crossroad', 3, 8, '2 2 8 6\n3 2 8 6\n4 2 8 6\n', ext='JPG')  # upper-case extension
    return root, {'used': ['campus1', 'crossroad']}


def vot_tir(root):
    """VOT-TIR layout: list.txt, <seq>/sequence, <seq>/groundtruth.txt, <seq>/%08d.png."""
    stray_files(root)
    # list.txt with a blank line and trailing spaces (hand-edited lists)
    (root / 'list.txt').write_text('bird\n\ncrowd  \n')
    for name, writer in (('bird', thermal16), ('crowd', thermal8)):   # 16-bit and 8-bit sequences
        seq = root / name
        for k in range(1, 4):
            writer(seq / '{:08d}.png'.format(k))
        (seq / 'groundtruth.txt').write_text('2,2,10,2,10,8,2,8\n3,2,11,2,11,8,3,8\n4,2,12,2,12,8,4,8\n')
    (root / 'bird' / '.DS_Store').write_bytes(b'\x00')
    return root, {'used': ['bird', 'crowd']}


BENCHMARKS = {'lsotb_tir': lsotb_tir, 'ptb_tir': ptb_tir, 'vot_tir2016': vot_tir}
