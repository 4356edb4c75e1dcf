"""pytracking datasets for the TIR benchmarks: thin ``BaseDataset`` subclasses over
:mod:`pytracking_cmd.evaluation.tir_benchmarks`, which does all the reading.

Registered in pytracking's ``dataset_dict`` as::

    lsotb_tir        -> LSOTBTIRDataset()              lsotb_tir_legacy -> LSOTBTIRDataset(legacy=True)
    ptb_tir          -> PTBTIRDataset()
    vot_tir2015      -> VOTTIRDataset(year=2015)       vot_tir2016      -> VOTTIRDataset(year=2016)
    cmd_demo         -> CMDDemoDataset()               cmd_demo_rgb     -> CMDDemoDataset(modality='rgb')

Roots come from ``pytracking/evaluation/local.py`` (``settings.lsotb_tir_path`` etc., see
docs/evaluation-data.md) unless ``root=`` is given. The attribute-aware classes follow pytracking's
convention (OTB, LaSOT): ``attribute=`` keeps the sequences that have it (short or long name), and
``get_attribute_names(mode)`` lists the attributes, which is what
``pytracking.evaluation.get_dataset_attributes`` and the per-attribute analysis use.
"""
from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList

from pytracking_cmd.evaluation import tir_benchmarks as tb


class TIRBenchmarkDataset(BaseDataset):
    """Any benchmark of :data:`tir_benchmarks.BENCHMARKS`, by name."""

    def __init__(self, benchmark, attribute=None, root=None, attributes_path=None, **options):
        super().__init__()
        self.name = benchmark
        self.all_sequences = tb.load_benchmark(benchmark, root=root, attributes_path=attributes_path,
                                               settings=self.env_settings, **options)
        self.sequences = (self.all_sequences if attribute is None
                          else tb.filter_by_attribute(self.all_sequences, benchmark, attribute))

    def get_sequence_list(self):
        return SequenceList([self._construct_sequence(s) for s in self.sequences])

    def _construct_sequence(self, seq):
        return Sequence(seq.name, list(seq.frames), self.name, seq.ground_truth.copy(),
                        object_class=seq.object_class)

    def __len__(self):
        return len(self.sequences)


class _WithAttributes:
    def get_attribute_names(self, mode='short'):
        """Attributes known for every sequence (all of them with the toolkit's attribute files;
        for LSOTB-TIR without them, the four scenarios taken from the sequence names)."""
        return tb.available_attribute_names(self.all_sequences, self.name, mode)


class LSOTBTIRDataset(_WithAttributes, TIRBenchmarkDataset):
    """LSOTB-TIR evaluation set; ``legacy=True``: the list before Nov 2020 (car_D_001 instead of
    cat_D_001) that the CMD paper evaluated."""

    def __init__(self, legacy=False, attribute=None, **kwargs):
        super().__init__('lsotb_tir_legacy' if legacy else 'lsotb_tir', attribute=attribute, **kwargs)


class PTBTIRDataset(_WithAttributes, TIRBenchmarkDataset):
    """PTB-TIR (60 pedestrian sequences)."""

    def __init__(self, attribute=None, **kwargs):
        super().__init__('ptb_tir', attribute=attribute, **kwargs)


class VOTTIRDataset(TIRBenchmarkDataset):
    """VOT-TIR2015 / VOT-TIR2016, one-pass (polygons -> bounding rectangles). No attributes."""

    def __init__(self, year=2015, channel='ir', **kwargs):
        if year not in (2015, 2016):
            raise ValueError('VOT-TIR year must be 2015 or 2016, got {!r}'.format(year))
        super().__init__('vot_tir{}'.format(year), channel=channel, **kwargs)


class CMDDemoDataset(_WithAttributes, TIRBenchmarkDataset):
    """The synthetic demo benchmark (LSOTB-TIR layout in ``settings.cmd_demo_path``/tir, or /rgb with
    ``modality='rgb'``: the same sequences and boxes rendered in RGB)."""

    def __init__(self, modality='tir', attribute=None, **kwargs):
        if modality not in ('tir', 'rgb'):
            raise ValueError("modality must be 'tir' or 'rgb', got {!r}".format(modality))
        super().__init__('cmd_demo' if modality == 'tir' else 'cmd_demo_rgb', attribute=attribute, **kwargs)
