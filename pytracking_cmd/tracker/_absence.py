"""Trackers that say "absent": pytracking's own not-found decision as an empty box.

pytracking's DiMP, ToMP and ATOM decide every frame whether the target was found (the `flag` their
`localize_target` returns: 'normal', 'uncertain', 'hard_negative' or 'not_found'); on 'not_found' they
keep their state and report the last box. Benchmarks with frames without the target (Anti-UAV's `exist`
flag, state accuracy) need the decision itself. With `params.report_absence = True` a frame whose flag is
'not_found' is output as ABSENT_BOX, `[0, 0, 0, 0]`, which pytracking's run_tracker.py writes as the row
`0	0	0	0` (the convention of docs/anti-uav.md: the Anti-UAV toolkit reads x == 0 and w == 0 as absent,
the plugin's evaluation an all-zero row). Tracking and re-detection go on exactly as without it: only the
returned box changes, never the tracker's state.

pytracking's own `output_not_found_box` is not used: DiMP's writes -1s, which pytracking's analysis
rejects, and ToMP's replaces every box, found or not.
"""

ABSENT_BOX = [0, 0, 0, 0]


class AbsenceReporting:
    """Mixin before a pytracking tracker class (`class DiMPCMD(AbsenceReporting, DiMP)`) that outputs
    ABSENT_BOX on frames the tracker's localisation calls 'not_found', when `params.report_absence` is True.

    The tracker class must call `localize_target` once per `track` and return the flag at index 3 (DiMP
    and ATOM: translation, scale index, scores, flag; ToMP: the same and the score location).
    """

    def localize_target(self, *args, **kwargs):
        result = super().localize_target(*args, **kwargs)
        self.localization_flag = result[3]
        return result

    def track(self, image, info: dict = None) -> dict:
        """Track one frame with the tracker class's own `track`; on request, say absent where it found nothing.

        args:
            image - the frame, as for the tracker class.
            info - as for the tracker class.

        returns:
            the tracker class's output; with `params.report_absence` and a 'not_found' flag, `target_bbox`
            is ABSENT_BOX.
        """
        self.localization_flag = None  # a flag of the previous frame must not leak into this one
        out = super().track(image, info)
        if self.params.get('report_absence', False) and self.localization_flag == 'not_found':
            out = dict(out, target_bbox=list(ABSENT_BOX))
        return out
