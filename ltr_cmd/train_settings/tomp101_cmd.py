"""CMD for ToMP-101: tomp50_cmd (which says what is trained, frozen and why) with pytracking's tomp/tomp101
network and batch: the RGB release network tomp101.pth.tar, batch 24 and 12 workers on a GPU."""
from ltr.models.tracking import tompnet

from ltr_cmd.train_settings import tomp50_cmd


def run(settings):
    tomp50_cmd.run(settings, setting='tomp101_cmd', constructor=tompnet.tompnet101, batch_size=24, num_workers=12)
