"""What the start-up hook adds to every interpreter start: `python -c pass` with and without it.

    python benchmarks/startup.py [--runs 30]

Runs alternate (hooked, unhooked, hooked, ...) so that machine noise hits both alike; the baseline
is measured by moving the plugin's own .pth file aside for the unhooked runs (it is always put
back). Prints medians and their ratio. Needs a registered environment (`pytracking-cmd register`).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from pytracking_cmd import registration  # noqa: E402


def time_start(command):
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--runs', type=int, default=30, help='runs of each kind (default 30)')
    args = parser.parse_args()
    pth = registration.pth_path()
    if not pth.exists():
        sys.exit('no start-up hook at {}: run `pytracking-cmd register` first'.format(pth))
    aside = pth.with_name(pth.name + '.benchmark-aside')
    command = [sys.executable, '-c', 'pass']
    hooked, plain = [], []
    time_start(command)  # warm the file cache
    try:
        for _ in range(args.runs):
            hooked.append(time_start(command))
            pth.rename(aside)
            try:
                plain.append(time_start(command))
            finally:
                aside.rename(pth)
    finally:
        if aside.exists() and not pth.exists():
            aside.rename(pth)
    h, p = statistics.median(hooked), statistics.median(plain)
    print('python -c pass, median of {} runs each: with hook {:.1f} ms, without {:.1f} ms, ratio {:.3f} '
          '(+{:.1f} ms)'.format(args.runs, h * 1e3, p * 1e3, h / p, (h - p) * 1e3))


if __name__ == '__main__':
    main()
