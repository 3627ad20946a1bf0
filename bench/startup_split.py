"""Where `prometheus-exec status --venue okx-demo` spends its start (issue 14 P3), against a
simulator this bench keeps running (so no simulator start is in the figure).

Three views, each from fresh interpreters:
1. split: a fresh `python -c` that first imports every module a status run loads, in the order
   that run began them (taken from one status run in a fresh interpreter; the GC paused as the
   CLI pauses it), then
   runs the command in the same process: imports / the command's own work (settings, container,
   evidence and its fsyncs, the requests, the table). Next to it `python -c pass` (the
   interpreter's own start) and the floor `import httpx, typer`.
2. imports beyond the floor with one round trip (`python -X importtime`, one run): self times
   of the modules status loads that that floor does not, by top-level package, and the largest
   modules. importtime's own overhead inflates them (~1.5x); compare them with each other.
3. the command's work by step (pyinstrument, if installed), one run, modules already imported.

Rate limits: the simulator's windows are cleared before each run (OKX allows 10 public/time a
2 s per IP; status reads it for its clock offset), so no run waits on them.

    .venv/bin/python -m bench.startup_split [--rounds 9]
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.startup import ENV, KEYS, okx_demo_env, timed
from simulator.embedded import EmbeddedSimulator

ARGS = ["status", "--venue", "okx-demo"]
# runs the command and lists the modules it imported in the order their imports began (a
# parent before its children, the engine's guards before what they guard: entrypoints/absent.py),
# which sys.modules does not keep (a module moves to its end when its body has run)
LIST_MODULES = ("import json, pathlib, sys\n"
                "began = []\n"
                "class Recorder:\n"
                "    @staticmethod\n"
                "    def find_spec(name, path=None, target=None):\n"
                "        began.append(name)\n"
                "sys.meta_path.insert(0, Recorder)\n"
                "from entrypoints.cli import app\n"
                "try:\n    app(sys.argv[2:])\nexcept SystemExit:\n    pass\n"
                "loaded = [name for name in dict.fromkeys(began) if name in sys.modules]\n"
                "pathlib.Path(sys.argv[1]).write_text(json.dumps(loaded))")
# imports then runs the command in one interpreter; prints "imports_s command_s"
SPLIT = ("import gc, time\n"
         "gc.disable()\n"
         "started = time.perf_counter()\n"
         "import importlib, json, sys, contextlib, io\n"
         "for name in json.load(open(sys.argv[1])):\n"
         "    with contextlib.suppress(Exception):\n"
         "        importlib.import_module(name)\n"
         "imported = time.perf_counter()\n"
         "from entrypoints.cli import app\n"
         "profile = sys.argv[2] != '-'\n"
         "if profile:\n"
         "    from pyinstrument import Profiler\n"
         "    profiler = Profiler(interval=0.0002)\n"
         "    profiler.start()\n"
         "ran = time.perf_counter()\n"
         "with contextlib.redirect_stdout(io.StringIO()):\n"
         "    try:\n        app(sys.argv[3:])\n    except SystemExit:\n        pass\n"
         "done = time.perf_counter()\n"
         "if profile:\n"
         "    profiler.stop()\n"
         "    open(sys.argv[2], 'w').write(profiler.output_text(show_all=True))\n"
         "sys.stderr.write(f'{imported - started} {done - ran}\\n')")
# the same imports with attrs' class building timed: each attrs class compiles its methods
# (__init__, __eq__, __repr__, ...) from generated source when its module is imported
ATTRS_BUILDS = ("import gc, time\n"
                "gc.disable()\n"
                "import attr._make as make\n"
                "spent, built = [0.0], [0]\n"
                "def timing(method):\n"
                "    def timed(*args, **kwargs):\n"
                "        started = time.perf_counter()\n"
                "        try:\n"
                "            return method(*args, **kwargs)\n"
                "        finally:\n"
                "            spent[0] += time.perf_counter() - started\n"
                "    return timed\n"
                "make._ClassBuilder.__init__ = timing(make._ClassBuilder.__init__)\n"
                "build = make._ClassBuilder.build_class\n"
                "def counted(self):\n"
                "    built[0] += 1\n"
                "    return build(self)\n"
                "make._ClassBuilder.build_class = timing(counted)\n"
                "import importlib, json, sys, contextlib\n"
                "started = time.perf_counter()\n"
                "for name in json.load(open(sys.argv[1])):\n"
                "    with contextlib.suppress(Exception):\n"
                "        importlib.import_module(name)\n"
                "print(built[0], spent[0], time.perf_counter() - started)")
# the same imports under cProfile: how much of them is compiling source (attrs' generated
# methods; the modules themselves come from bytecode caches)
COMPILES = ("import gc\n"
            "gc.disable()\n"
            "import cProfile, contextlib, importlib, json, pstats, sys\n"
            "names = json.load(open(sys.argv[1]))\n"
            "profile = cProfile.Profile()\n"
            "profile.enable()\n"
            "for name in names:\n"
            "    with contextlib.suppress(Exception):\n"
            "        importlib.import_module(name)\n"
            "profile.disable()\n"
            "stats = pstats.Stats(profile).stats\n"
            "total = max(row[3] for row in stats.values())\n"
            "calls, spent = next((row[1], row[2]) for key, row in stats.items()\n"
            "                    if key[2] == \"<built-in method builtins.compile>\")\n"
            "print(calls, spent, total)")
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def run(argv: list[str], cwd: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, capture_output=True, text=True, cwd=cwd, env=env)


def self_times(stderr: str) -> dict[str, int]:
    return {m.group(4): int(m.group(1)) for m in map(IMPORT_LINE.match, stderr.splitlines())
            if m}


def ms(values: list[float]) -> str:
    q1, median, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return f"{median * 1000:.0f} ms ({q1 * 1000:.0f}-{q3 * 1000:.0f})"


def steps(profile: str, depth: int) -> list[str]:
    """The profile's lines down to a depth, with their times (the command's steps)."""
    shown = []
    for line in profile.splitlines():
        text = line.lstrip(" |`-")
        indent = len(line) - len(text)
        head = text.split(" ", 1)[0]
        if re.fullmatch(r"\d+\.\d+", head) and indent <= depth and float(head) >= 0.002:
            shown.append(line)
    return shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--depth", type=int, default=52, help="profile lines shown, by indent")
    rounds = parser.parse_args().rounds
    depth = parser.parse_args().depth
    py = sys.executable
    with EmbeddedSimulator(**KEYS, seed=7) as sim, tempfile.TemporaryDirectory() as scratch:
        env = okx_demo_env(sim)
        listed = Path(scratch, "modules.json")
        run([py, "-c", LIST_MODULES, str(listed), *ARGS], scratch, env)
        modules = [m for m in json.loads(listed.read_text())
                   if m not in sys.builtin_module_names and m != "__main__"]
        listed.write_text(json.dumps(modules))
        url = f"{sim.rest_url}/api/v5/public/time"
        samples: dict[str, list[float]] = {
            "interpreter (python -c pass)": [], "floor (import httpx, typer)": [],
            "status: its imports": [], "status: the command's work": []}
        for round_ in range(rounds + 1):  # round 0 warms the file cache and is dropped
            floors = {"interpreter (python -c pass)": [py, "-c", "pass"],
                      "floor (import httpx, typer)": [py, "-c", "import httpx, typer"]}
            for name, argv in floors.items():
                elapsed = timed(argv, scratch)
                if round_:
                    samples[name].append(elapsed)
            sim.runtime.limiter.reset()
            out = run([py, "-c", SPLIT, str(listed), "-", *ARGS], scratch, env)
            imports_s, work_s = map(float, out.stderr.split()[-2:])
            if round_:
                samples["status: its imports"].append(imports_s)
                samples["status: the command's work"].append(work_s)
        print(f"status --venue okx-demo on a running simulator, {len(modules)} modules, "
              f"medians (p25-p75) of {rounds} fresh interpreters:")
        for name, values in samples.items():
            print(f"  {name:<32} {ms(values)}")
        sim.runtime.limiter.reset()
        floor = self_times(run([py, "-X", "importtime", "-c",
                                f"import httpx, typer; httpx.get({url!r})"],
                               scratch, ENV).stderr)
        sim.runtime.limiter.reset()
        status = self_times(run([py, "-X", "importtime", "-m", "entrypoints", *ARGS],
                                scratch, env).stderr)
        extra = {m: us for m, us in status.items() if m not in floor}
        by_package = Counter[str]()
        for module, us in extra.items():
            by_package[module.split(".")[0]] += us
        print(f"imports beyond the floor with one round trip (-X importtime self times, one "
              f"run): {len(extra)} modules, {sum(extra.values()) / 1000:.0f} ms "
              f"(the floor's own: {sum(floor.values()) / 1000:.0f} ms)")
        print("  by package: " + ", ".join(f"{p} {us / 1000:.1f}"
                                           for p, us in by_package.most_common(14)))
        print("  largest:    " + ", ".join(f"{m} {us / 1000:.1f}" for m, us in
                                           sorted(extra.items(), key=lambda kv: -kv[1])[:12]))
        builds = [run([py, "-c", ATTRS_BUILDS, str(listed)], scratch, env).stdout.split()
                  for _ in range(3)]
        print(f"attrs classes built by those imports: {builds[0][0]}; building them took "
              + " / ".join(f"{float(b[1]) * 1000:.0f} of {float(b[2]) * 1000:.0f} ms"
                           for b in builds) + " of the imports (3 fresh interpreters)")
        calls, spent, total = run([py, "-c", COMPILES, str(listed)], scratch, env).stdout.split()
        print(f"under cProfile (one run): builtins.compile {calls} calls, "
              f"{float(spent) * 1000:.0f} of {float(total) * 1000:.0f} ms of the imports")
        try:
            import pyinstrument  # noqa: F401
        except ImportError:
            print("the command's work by step: pyinstrument is not installed")
            return 0
        sim.runtime.limiter.reset()
        profile = Path(scratch, "profile.txt")
        run([py, "-c", SPLIT, str(listed), str(profile), *ARGS], scratch, env)
        print("the command's work by step (pyinstrument, one run, imports done before):")
        for line in steps(profile.read_text(), depth):
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
