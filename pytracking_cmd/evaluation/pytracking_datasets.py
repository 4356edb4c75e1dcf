"""pytracking's dataset class for the TIR benchmarks: one BaseDataset over tir_benchmarks, which does
all the reading.

pytracking's dataset_dict holds one entry per benchmark of tir_benchmarks.BENCHMARKS, each
`TIRBenchmarkDataset(benchmark=<name>)` (see registry.py). Roots come from
pytracking/evaluation/local.py (settings.lsotb_tir_path etc., see docs/evaluation-data.md) unless
root= is given. Attributes follow pytracking's convention (OTB, LaSOT): attribute= keeps the
sequences that have it (short or long name), and get_attribute_names(mode) lists the attributes,
which is what pytracking.evaluation.get_dataset_attributes and the per-attribute analysis use.
"""
from pytracking.evaluation.data import BaseDataset, Sequence, SequenceList

from pytracking_cmd.evaluation import tir_benchmarks as tb


class TIRBenchmarkDataset(BaseDataset):
    """Any benchmark of tir_benchmarks.BENCHMARKS, by name.

    args:
        benchmark - a key of tir_benchmarks.BENCHMARKS
        attribute - keep only the sequences with this attribute (short or long name); None: all
        root, attributes_path, options - passed to tir_benchmarks.load_benchmark (e.g. channel= for VOT-TIR)
    """

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
                        object_class=seq.object_class,
                        target_visible=None if seq.exist is None else seq.exist.copy())

    def __len__(self):
        return len(self.sequences)

    def get_attribute_names(self, mode='short'):
        """Attributes known for every sequence (all of them with the toolkit's attribute files; for
        LSOTB-TIR without them, the four scenarios taken from the sequence names; none for VOT-TIR)."""
        return tb.available_attribute_names(self.all_sequences, self.name, mode)
