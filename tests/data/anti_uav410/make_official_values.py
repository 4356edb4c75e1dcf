"""Score tests/anti_uav_predictions.py's predictions with the official Anti-UAV code; writes official_values.json.

    python tests/data/anti_uav410/make_official_values.py ANTI_UAV410_CHECKOUT ANTI_UAV_CHECKOUT

ANTI_UAV410_CHECKOUT: github.com/HwangBo94/Anti-UAV410 (its experiments/, datasets/, utils/ and annos/; needs
numpy, matplotlib, shapely, six, wget importable). ANTI_UAV_CHECKOUT: github.com/ZhaoJ9014/Anti-UAV (the
challenge's anti_uav_jittor/anti_uav_edtc_jit/tracking/evaluate_antiuav_performance.py, whose functions
are run, not its script part, which reads fixed paths). Nothing of theirs is copied here: this script
builds an Anti-UAV410 test root from annos_test.tar.gz (IR_label.json per sequence, empty frame files),
writes the predictions as the toolkit's JSON result files, and records what the official code computes.
"""
import ast
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..'))
from tests import anti_uav_predictions as P  # noqa: E402

CHALLENGE = 'anti_uav_jittor/anti_uav_edtc_jit/tracking/evaluate_antiuav_performance.py'


def challenge_functions(path):
    """The script's function definitions (iou, not_exist, eval), executed without its script part."""
    tree = ast.parse(open(path).read())
    module = ast.Module(body=[n for n in tree.body if isinstance(n, ast.FunctionDef)], type_ignores=[])
    namespace = {'np': np}
    exec(compile(module, path, 'exec'), namespace)
    return namespace


def main(toolkit, challenge_checkout):
    work = tempfile.mkdtemp(prefix='anti_uav_official_')
    root, results = os.path.join(work, 'AntiUAV410'), os.path.join(work, 'results')
    os.makedirs(results)
    annotations = P.annotations()
    labels, rows = {}, {}
    for i, (name, (boxes, _)) in enumerate(annotations.items()):
        seq = os.path.join(root, 'test', name)
        os.makedirs(seq)
        labels[name] = P.label(boxes, empty_absent=i % 2 == 1)
        with open(os.path.join(seq, 'IR_label.json'), 'w') as fh:
            json.dump(labels[name], fh)
        for k in range(len(boxes)):
            open(os.path.join(seq, '%06d.jpg' % (k + 1)), 'w').close()
        rows[name] = P.predictions(name, boxes)
        with open(os.path.join(results, name + '.txt'), 'w') as fh:
            json.dump({'res': rows[name]}, fh)

    os.chdir(toolkit)   # the toolkit reads annos/<subset>/att relative to the working directory
    sys.path.insert(0, toolkit)
    from experiments import ExperimentAntiUAV410
    experiment = ExperimentAntiUAV410(root_dir=root, subset='test', result_dir=os.path.join(work, 'r'),
                                      report_dir=os.path.join(work, 'reports'))
    performance = experiment.report([{'name': 'generated', 'path': results, 'mode': 1}],
                                    plot_curves=False, plot_attcurves=False)['generated']
    challenge = challenge_functions(os.path.join(challenge_checkout, CHALLENGE))

    sequences, sa, sa_challenge = {}, [], []
    for name in experiment.dataset.seq_names:
        _, label_res = experiment.dataset[name]
        sa.append(experiment.eval(rows[name], label_res))
        # the challenge reads tab-separated result files: 4 values per line, 0 0 0 0 where absent
        as_text = [tuple(float(v) for v in r) if len(r) == 4 else (0.0, 0.0, 0.0, 0.0) for r in rows[name]]
        sa_challenge.append(challenge['eval'](as_text, label_res))
        seq = performance['seq_wise'][name]
        sequences[name] = {'state_accuracy': float(sa[-1]), 'state_accuracy_challenge': float(sa_challenge[-1]),
                           'success_curve': seq['success_curve'], 'precision_curve': seq['precision_curve']}
    overall = performance['overall']
    out = {
        'produced_by': 'python tests/data/anti_uav410/make_official_values.py ANTI_UAV410_CHECKOUT ANTI_UAV_CHECKOUT',
        'toolkits': {'HwangBo94/Anti-UAV410': _commit(toolkit) + ' (experiments/anti_uav.py: ExperimentAntiUAV410.report'
                                                                ' and .eval)',
                     'ZhaoJ9014/Anti-UAV': _commit(challenge_checkout) + ' (' + CHALLENGE + ': eval)'},
        'absent_ground_truth': 'IR_label.json gt_rect of frames without the target: 0,0,0,0 for the sequences at even '
                               'positions (sorted by name), [] at odd positions',
        'numpy': np.__version__,
        'overall': {'state_accuracy': float(np.mean(sa)), 'state_accuracy_challenge': float(np.mean(sa_challenge)),
                    'success_score': overall['success_score'], 'precision_score': overall['precision_score'],
                    'success_rate': overall['success_rate'], 'success_curve': overall['success_curve'],
                    'precision_curve': overall['precision_curve']},
        'attributes': {key: {'success_score': performance[key]['att_success_score'],
                             'precision_score': performance[key]['att_precision_score'],
                             'success_curve': performance[key]['att_success_curve'],
                             'precision_curve': performance[key]['att_precision_curve']}
                       for key in experiment.att_fig_name},
        'sequences': sequences,
    }
    with open(P.VALUES, 'w') as fh:
        json.dump(out, fh, indent=1)
    print('wrote', P.VALUES, 'overall:', {k: v for k, v in out['overall'].items() if not k.endswith('curve')})


def _commit(path):
    """The checkout's commit; for an exported tree (git archive), the one written in its file COMMIT."""
    try:
        return subprocess.run(['git', '-C', path, 'rev-parse', 'HEAD'], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        marker = os.path.join(path, 'COMMIT')
        return open(marker).read().strip() if os.path.isfile(marker) else 'unknown commit'


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] in ('-h', '--help'):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 and sys.argv[1] in ('-h', '--help') else 2)
    main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
