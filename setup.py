"""pytracking-cmd: Cross-Modal Distillation (Sun et al., ACM MM 2021) for thermal infrared tracking,
as a plugin for an unmodified visionml/pytracking checkout.

pytracking itself is not on any package registry (the PyPI project called `pytracking` is unrelated):
it is a checkout that `pytracking-cmd register` attaches to. torch and torchvision are not pinned
here, only torch's floor (ltr_cmd/torch_floor.py says which API sets it): scripts/setup.sh installs the
builds that fit the machine (see docs/install.md).
"""
from setuptools import find_packages, setup

setup(
    name='pytracking-cmd',
    version='0.1.0',
    description='Cross-modal distillation for thermal infrared tracking, as a pytracking plugin',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.9',  # torch 2.5 has no Python 3.8 builds (pytorch/pytorch#138979); our code needs 3.8
    # The top-level parameter/ folder ships as pytracking_cmd.parameter: a top-level package named
    # `parameter` would collide with pytracking/parameter when scripts run from pytracking/.
    packages=find_packages(include=['ltr_cmd', 'ltr_cmd.*', 'pytracking_cmd', 'pytracking_cmd.*'])
    + ['pytracking_cmd.parameter'] + ['pytracking_cmd.parameter.' + p for p in find_packages('parameter')],
    package_dir={'pytracking_cmd.parameter': 'parameter'},
    install_requires=['torch>=2.5', 'torchvision', 'numpy', 'opencv-python-headless', 'scipy', 'matplotlib', 'tqdm',
                      'tensorboard', 'pyyaml'],
    # The VOT toolkit is installed by scripts/install-vot.sh: its opencv-python requirement would
    # clash with opencv-python-headless, so it goes in with --no-deps and its other requirements.
    # ONNX export and ONNX Runtime tracking (docs/deploy.md): onnx (the format, onnx.checker), onnxscript (what
    # torch.onnx.export(dynamo=True) writes the graph with), onnxruntime (the CPU build; onnxruntime-gpu for CUDA
    # and TensorRT replaces it).
    extras_require={'onnx': ['onnx', 'onnxruntime', 'onnxscript'],
                    'test': ['pytest', 'onnx', 'onnxruntime', 'onnxscript']},
    entry_points={'console_scripts': ['pytracking-cmd = pytracking_cmd.cli:main']},
    license='GPL-3.0',
)
