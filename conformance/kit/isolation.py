"""The parent's side of isolation: the backprop under test runs in a worker process, with limits.

:class:`IsolatedImpl` is what ``pytest --impl=SPEC`` and ``backprop-check SPEC`` check: it starts
``python -m conformance.kit.worker`` (:mod:`conformance.kit.worker`) in a new session, has it load
the SPEC (this process never imports the student's module), and sends it one request per drawn
example.  What comes back is unpickled with :class:`conformance.kit.protocol.PlainUnpickler`, which
knows no class at all: builtins and bytes only, arrays rebuilt here from (dtype, shape, bytes), floating
dtypes only.

Limits, enforced from here:

* a per-call wall-clock limit (``call_timeout``, ``--call-timeout``, default 20 s): the worker says
  when each call starts; past the limit its whole process group gets SIGTERM, then SIGKILL 0.2 s
  later (a worker that ignores SIGTERM dies all the same);
* a memory limit (``memory_limit_mb``, ``--memory-limit``, default 4096 MiB) on the worker's
  resident memory (VmRSS in /proc, read every 50 ms while waiting); an address-space limit
  (RLIMIT_AS) would break torch and jax, which reserve far more than they use;
* a worker that exits, crashes or is killed is reported as such, and a new one is started for the
  next example (a spare is kept warm after the first death, so shrinking a crash stays quick).

Platforms: Linux holds all of it.  Other POSIX systems (macOS): no /proc, so no memory limit;
the rest holds.  Windows: no process groups or inheritable pipe descriptors here, so
:func:`isolation_available` is False and the kit checks in-process (it says so in its header).
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import signal
import subprocess
import sys
import time
import weakref

import numpy as np

from . import protocol
from .protocol import CALL_NAMES

POLL_S = 0.05
START_TIMEOUT_S = 60.0  # Python and numpy starting on a loaded machine (the student's import has its own limit)


def isolation_available() -> bool:
    """Whether the function under test can run in a worker here (POSIX: process groups, inherited pipes)."""
    return os.name == "posix"


def memory_limit_enforced() -> bool:
    """Whether the worker's resident memory can be read here (/proc: Linux)."""
    return os.path.exists(f"/proc/{os.getpid()}/statm")


class Stopped(Exception):
    """The worker gave no answer: ``cause`` is timeout, died, memory or garbled; ``detail`` a sentence."""

    def __init__(self, cause, detail, during=None):
        super().__init__(detail)
        self.cause, self.detail, self.during = cause, detail, during


def _signal_name(number) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def death_sentence(returncode) -> str:
    if returncode is None:
        return "it stopped answering"
    if returncode < 0:
        sig = _signal_name(-returncode)
        why = {"SIGSEGV": "a crash in native code (ctypes, a C extension, a bad pointer)",
               "SIGKILL": "killed from outside (the system's out-of-memory killer?)",
               "SIGABRT": "an abort in native code", "SIGBUS": "a crash in native code"}.get(sig, "")
        return f"the process running it was killed by {sig}" + (f": {why}" if why else "")
    return (f"the process running it exited with status {returncode} (os._exit(), or sys.exit() from another "
            "thread?): a backprop must return its gradients, never end the process")


def _rss_mib(pid) -> float | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


class _Process:
    """One worker process and its two pipes."""

    def __init__(self, spec, forbid):
        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        env = dict(os.environ)
        paths = [p for p in sys.path if isinstance(p, str)]
        env["PYTHONPATH"] = os.pathsep.join([os.getcwd(), *paths])
        env.pop("PYTHONSTARTUP", None)
        # as before isolation, when the kit set it in its own process: a JAX backprop computes in float64
        # (read by jax at import: nothing is imported here for it)
        env.setdefault("JAX_ENABLE_X64", "1")
        self.proc = subprocess.Popen([sys.executable, "-m", "conformance.kit.worker", str(req_r), str(ans_w)],
                                     pass_fds=(req_r, ans_w), stdin=subprocess.DEVNULL, env=env,
                                     start_new_session=True)
        os.close(req_r)
        os.close(ans_w)
        self.wfd, self.rfd = req_w, ans_r
        self.buffer = b""
        self.send(protocol.load_request(spec.text, forbid))

    def send(self, obj):
        try:
            protocol.write_all(self.wfd, protocol.frame(obj))
        except OSError:
            pass  # a dead worker: the answer that never comes says why

    def receive(self, timeout, memory_limit_mb, during=None):
        """The next message, or :class:`Stopped` (the worker is killed first unless it died by itself)."""
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self.rfd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            try:
                data, self.buffer = protocol.split(self.buffer)
            except ValueError as exc:
                self.kill()
                raise Stopped("garbled", f"{exc}: something wrote into the kit's channel", during) from None
            if data is not None:
                try:
                    return protocol.read_answer(data)
                except Exception as exc:  # noqa: BLE001
                    self.kill()
                    raise Stopped("garbled", f"its answer could not be read ({exc}): something wrote into the "
                                  "kit's channel", during) from None
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise Stopped("timeout", "", during)
            events = poller.poll(min(left, POLL_S) * 1000)
            if events:
                try:
                    chunk = os.read(self.rfd, 1 << 20)
                except OSError:
                    chunk = b""
                if chunk:
                    self.buffer += chunk
                    continue
                rc = self._reap()
                raise Stopped("died", death_sentence(rc), during)
            if self.proc.poll() is not None:
                rc = self._reap()
                raise Stopped("died", death_sentence(rc), during)
            if memory_limit_mb:
                rss = _rss_mib(self.proc.pid)
                if rss is not None and rss > memory_limit_mb:
                    self.kill()
                    raise Stopped("memory", f"its process used {rss:.0f} MiB of memory, more than the limit of "
                                  f"{memory_limit_mb:g} MiB (--memory-limit)", during)

    def _reap(self):
        try:
            rc = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            rc = None
        self.kill()
        return rc

    def kill(self):
        """SIGTERM to the worker's whole process group, SIGKILL 0.2 s later if anything is left."""
        for sig, pause in ((signal.SIGTERM, 0.2), (signal.SIGKILL, 0)):
            try:
                os.killpg(self.proc.pid, sig)
            except (ProcessLookupError, PermissionError, OSError):
                break
            end = time.monotonic() + pause
            while pause and time.monotonic() < end and self.proc.poll() is None:
                time.sleep(0.01)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.close_fds()

    def close_fds(self):
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.wfd = self.rfd = -1

    def close(self):
        if self.wfd >= 0:
            try:
                os.close(self.wfd)  # EOF: the worker leaves by os._exit(0)
            except OSError:
                pass
            self.wfd = -1
        try:
            self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


_LIVE = weakref.WeakSet()


@atexit.register
def _close_all():
    for impl in list(_LIVE):
        impl.close()


class IsolatedImpl:
    """The implementation a SPEC names, run in a worker process (see the module docstring).

    :meth:`start` loads it (raising :class:`conformance.kit.loader.ImplLoadError` as
    :func:`~conformance.kit.loader.load` would); :meth:`run` makes one example's calls; calling the
    object itself (``impl(*args)``) is one bare call that returns (dC_dw, dC_db) or raises
    :class:`RuntimeError`, for the diagnosis' probes.
    """

    def __init__(self, spec, *, call_timeout: float = 20.0, memory_limit_mb: float = 4096, forbid=()):
        from .loader import parse

        self.spec = parse(spec) if isinstance(spec, str) else spec
        self.call_timeout, self.memory_limit_mb, self.forbid = float(call_timeout), memory_limit_mb, tuple(forbid)
        self.__name__ = self.spec.function
        self.forbidden_at_import = []
        self._proc = self._spare = None
        self._deaths = 0
        self._probe_stopped = None  # why the diagnosis' probes stopped (one timed out), or None
        self._answered = {}
        self._probes = 0
        _LIVE.add(self)

    # ------------------------------------------------------------ processes

    def _launch(self):
        return _Process(self.spec, self.forbid)

    def _loaded(self, proc):
        """Wait for `proc`'s answer to the load request: the answer, or Stopped (the import hung or died)."""
        answer = proc.receive(START_TIMEOUT_S + self.call_timeout, self.memory_limit_mb, during="import")
        if not answer.get("ok"):
            proc.kill()
        return answer

    def start(self):
        """Start the worker and load the SPEC in it; ImplLoadError if it cannot be loaded."""
        from .loader import ImplLoadError

        proc = self._launch()
        try:
            answer = self._loaded(proc)
        except Stopped as stop:
            detail = stop.detail or f"it did not finish within {self.call_timeout:g} s (--call-timeout)"
            raise ImplLoadError(f"{self.spec.text}: importing {self.spec.target} failed: {detail}") from None
        if not answer.get("ok"):
            raise ImplLoadError(answer.get("error") or f"{self.spec.text}: it could not be loaded")
        self.forbidden_at_import = list(answer.get("forbidden") or [])
        self._proc = proc
        return self

    def _worker(self):
        if self._proc is not None and self._proc.proc.poll() is None:
            return self._proc
        self._proc = None
        proc, self._spare = self._spare, None
        if proc is None or proc.proc.poll() is not None:
            proc = self._launch()
        answer = self._loaded(proc)  # Stopped propagates: the run says so
        if not answer.get("ok"):
            raise Stopped("died", f"a new worker could not load your module again: {answer.get('error')}")
        self._proc = proc
        if self._deaths and self._spare is None:
            self._spare = self._launch()  # warm, for the next death (shrinking a crash)
        return proc

    def _dead(self):
        self._deaths += 1
        if self._proc is not None:
            self._proc.kill()
        self._proc = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass

    def close(self):
        """Stop its workers (a later call starts a new one)."""
        for proc in (getattr(self, "_proc", None), getattr(self, "_spare", None)):
            if proc is not None:
                proc.close()
        self._proc = self._spare = None

    # ------------------------------------------------------------ calls

    def _exchange(self, request):
        """Send `request`; the outcomes, or Stopped (timeout per call, death, memory)."""
        proc = self._worker()
        proc.send(request)
        during = None
        timeout = self.call_timeout
        while True:
            try:
                msg = proc.receive(timeout, self.memory_limit_mb, during)
            except Stopped as stop:
                if stop.cause == "timeout":
                    stop.detail = (f"it gave no answer within {self.call_timeout:g} s (--call-timeout) on the "
                                   f"{CALL_NAMES.get(during, 'call')}: an endless loop, a sleep, a deadlock? The kit "
                                   "stopped it (SIGTERM, then SIGKILL)")
                self._dead()
                raise
            if not isinstance(msg, dict):
                self._dead()
                raise Stopped("garbled", "its answer was not the kit's", during)
            if msg.get("event") == "calling":
                during, timeout = msg.get("which"), self.call_timeout
                continue
            if msg.get("event") == "done":
                outcomes = msg.get("outcomes")
                if not isinstance(outcomes, dict) or "error" in outcomes:
                    self._dead()
                    raise Stopped("garbled", (outcomes or {}).get("error", "its answer was not the kit's")
                                  if isinstance(outcomes, dict) else "its answer was not the kit's", during)
                return outcomes
            self._dead()
            raise Stopped("garbled", "its answer was not the kit's", during)

    def run(self, case, calls, layout="plain", seed=0) -> dict:
        """The outcomes of one example's calls (:func:`conformance.kit.worker.run_example`), or {"stopped": ...}."""
        try:
            return self._exchange(protocol.run_request(case, calls, layout, seed))
        except Stopped as stop:
            return {"stopped": {"cause": stop.cause, "detail": stop.detail, "during": stop.during}}

    def __call__(self, weights, biases, activations, x, y):
        """One bare call (the diagnosis' probes): (dC_dw, dC_db), or RuntimeError saying why not.

        After one probe timed out, every later probe fails at once: a diagnosis waits for one limit at most.
        """
        args = ([np.asarray(w, dtype=float) for w in weights], [np.asarray(b, dtype=float) for b in biases],
                list(activations), np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        key = pickle.dumps(args, protocol=4)
        if self._probe_stopped is not None:
            if key in self._answered:  # the same question again: the same answer, not a second wait
                return self._answered[key]
            raise RuntimeError(self._probe_stopped)
        try:
            self._probes += 1  # another seed each time: a function that draws random numbers shows it
            out = self._exchange(protocol.call_request(args, self._probes))["probe"]
        except Stopped as stop:
            if stop.cause in ("timeout", "memory"):
                self._probe_stopped = stop.detail
            raise RuntimeError(stop.detail) from None
        if out.get("raised"):
            raise RuntimeError(f"{out['raised']['type']}: {out['raised']['text']}")
        if out.get("problem"):
            raise RuntimeError(out["problem"])
        self._answered[key] = out["result"]
        return out["result"]

    def probe(self):
        """The callable the diagnosis probes with: this object (each call goes through the worker)."""
        return self

    def fresh(self) -> IsolatedImpl:
        """The same SPEC in a new worker: a module imported anew, no state of earlier calls."""
        return IsolatedImpl(self.spec, call_timeout=self.call_timeout, memory_limit_mb=self.memory_limit_mb,
                            forbid=self.forbid).start()


__all__ = ["IsolatedImpl", "Stopped", "isolation_available"]
