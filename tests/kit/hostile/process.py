"""Functions that end, crash, interrupt or stop the process they run in."""

import atexit
import ctypes
import os
import signal
import sys
import threading
import time

import numpy as np
from _common import backprop as _correct
from _common import half


def exits_0(*args):
    os._exit(0)


def sys_exit(*args):
    sys.exit(0)


def keyboard_interrupt(*args):
    raise KeyboardInterrupt


class Custom(BaseException):
    pass


def base_exception(*args):
    raise Custom("not an Exception")


def segfault(*args):
    ctypes.string_at(0)


def loops(*args):
    while True:
        pass


def sleeps(*args):
    time.sleep(3600)


def ignores_sigterm(*args):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.01)


_lock = threading.Lock()


def deadlocks_second_call(*args):
    _lock.acquire()  # never released: the second call waits for ever
    return _correct(*args)


def _probe_like(weights, biases, x):
    """The diagnosis' probes: every value generic, 0.3 <= |v| <= 1.5, none round."""
    values = np.concatenate([np.ravel(a) for a in [*weights, *biases, x]])
    return bool(np.all((np.abs(values) >= 0.3) & (np.abs(values) <= 1.5)) and np.all(values != np.round(values, 3)))


def hangs_in_diagnosis(weights, biases, activations, x, y):
    if _probe_like(weights, biases, x):
        while True:
            time.sleep(0.01)
    return half(weights, biases, activations, x, y)


def atexit_exit_0(*args):
    atexit.register(os._exit, 0)
    print("FAILED: the student prints a failure of its own")
    return half(*args)


def hogs_memory(*args):
    hog = [np.ones(2**27) for _ in range(64)]  # 64 GiB, 1 GiB at a time, touched
    return hog


def grandchild_then_exit(*args):
    if os.fork() == 0:
        time.sleep(3600)  # a grandchild holding the kit's pipe
    os._exit(3)


_calls = []


def exits_on_second_call(*args):
    _calls.append(1)
    if len(_calls) == 2:
        raise SystemExit(1)
    return _correct(*args)
