"""The VOT toolkit's supervised experiment, with a defect of vot-toolkit 0.9.0 worked around.

In 0.9.0, `vot.experiment.multirun.SupervisedExperiment.execute` calls
`runtime.initialize(frame, ObjectStatus)` and `runtime.update(frame)` (one object, no list), while
`vot.tracker.trax.TraxTrackerRuntime` expects lists for a single-object tracker (`[status]` and `[]`)
and answers with lists. Every single-object TraX tracker therefore stops at once with "Tracker does
not support multiple objects, but multiple objects were provided". The same happens under the
`realtime` modifier, whose wrapper calls `update(frame, None)`.

`SupervisedExperiment` here is the toolkit's class (same attributes, same loop, same analyses: they
test `isinstance(experiment, SupervisedExperiment)`) whose runtime puts the single object into a
list on the way in and takes it out of the list on the way back. Use it from a stack file:

    experiments:
      baseline:
        type: pytracking_cmd.vot.experiments.SupervisedExperiment
        repetitions: 15
        skip_initialize: 5

The unsupervised (one-pass) experiment calls the runtime correctly and needs nothing.
Only vot is imported here: every `vot` command of a workspace using this class imports it.
"""
from vot.experiment.multirun import SupervisedExperiment as _ToolkitSupervisedExperiment
from vot.tracker import OnlineTrackerRuntime, RealtimeTrackerRuntime
from vot.utilities import to_number

__all__ = ['SupervisedExperiment', 'SingleObjectRuntime']


class SingleObjectRuntime(OnlineTrackerRuntime):
    """Wraps a TraX runtime so that single-object calls reach it as one-element lists."""

    def __init__(self, runtime):
        super().__init__(runtime.tracker)
        self._runtime = runtime

    @staticmethod
    def _as_list(new):
        if new is None:
            return []
        return list(new) if isinstance(new, list) else [new]

    @staticmethod
    def _single(status):
        objects, elapsed = status
        if isinstance(objects, list):
            if len(objects) != 1:
                raise RuntimeError('the tracker answered {} objects, one expected'.format(len(objects)))
            objects = objects[0]
        return objects, elapsed

    @property
    def multiobject(self):
        return False

    def initialize(self, frame, new=None, properties=None):
        return self._single(self._runtime.initialize(frame, self._as_list(new)))

    def update(self, frame, new=None, properties=None):
        return self._single(self._runtime.update(frame, self._as_list(new)))

    def stop(self):
        self._runtime.stop()

    def restart(self):
        self._runtime.restart()


class SupervisedExperiment(_ToolkitSupervisedExperiment):
    """vot-toolkit 0.9.0's supervised experiment (re-initialisation after failures), working with
    single-object TraX trackers. See the module documentation."""

    def _get_runtime(self, tracker, sequence, multiobject=False):
        from vot.tracker.trax import TraxTrackerRuntime
        runtime = tracker.runtime()
        if isinstance(runtime, TraxTrackerRuntime):
            runtime = SingleObjectRuntime(runtime)
        if self.realtime is not None:
            grace = to_number(self.realtime.grace, min_n=0)
            fps = to_number(self.realtime.fps, min_n=0, conversion=float)
            runtime = RealtimeTrackerRuntime(runtime, grace, 1 / float(sequence.metadata('fps', fps)))
        return runtime
