"""VOT toolkit integration (vot-toolkit 0.9.0 / vot-trax 4): see docs/vot.md.

- `pytracking_cmd.vot.trax_tracker`: the tracker process the toolkit starts
  (`python -m pytracking_cmd.vot.trax_tracker TRACKER PARAM ...`): one process, network loaded once,
  a TraX server loop serving every (re)initialisation.
- `pytracking_cmd.vot.workspace`: `pytracking-cmd vot init`, an offline-ready toolkit workspace.
- `pytracking_cmd.vot.experiments`: the supervised experiment with the 0.9.0 defect worked around,
  referenced from stack files as `type: pytracking_cmd.vot.experiments.SupervisedExperiment`.

Nothing is imported here: the toolkit imports `pytracking_cmd.vot.experiments` in every `vot`
command, and that must not pull in torch.
"""
