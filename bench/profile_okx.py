"""Profile the OKX adapter's lifecycle (evidence on) with pyinstrument, grouped by library.

Run from the project root:
    .venv/bin/python -m bench.profile_okx [--rounds 300] [--transport default] [--tree]
    .venv/bin/python -m bench.profile_okx --cprofile [--top 30]

--cprofile measures with cProfile instead: every function's own time in µs per call and per
lifecycle (deterministic, so the figures are inflated by cProfile's own cost per call; compare
them with each other, not with the bench's wall time).

Same lifecycle and simulator (child process) as bench.okx_adapter. Prints the share of the
sampled time per top-level package (httpx, httpcore, h11, anyio, the project's own modules ...)
counted by the innermost frame that is not the standard library's asyncio/selectors machinery,
so the figure answers "whose code was running".
"""

import argparse
import asyncio
import multiprocessing
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from adapters.clock import SystemClock
from adapters.okx import OkxConfig
from bench.okx_adapter import CREDS, TRANSPORTS, adapter_lifecycle, make_transport, serve
from entrypoints.container import okx_venue

OWN = ("adapters", "application", "domain", "ports", "entrypoints")


def owner(file_path: str) -> str:
    """The package a frame's file belongs to: a site-packages top level, ours, or stdlib."""
    parts = Path(file_path).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    for name in OWN:
        if name in parts:
            at = parts.index(name)
            sub = parts[at + 1] if name == "adapters" and at + 2 < len(parts) else ""
            return f"(ours) {name}/{sub}" if sub else f"(ours) {name}"
    if file_path.startswith("<"):
        return "(built-in)"
    return f"(stdlib) {Path(file_path).stem}"


def shares(frame: Any) -> Counter[str]:
    """Self time per owner over the whole tree."""
    counts: Counter[str] = Counter()
    stack = [frame]
    while stack:
        node = stack.pop()
        # pyinstrument's synthetic "[self]" frames hold their parent's own time
        real = node.parent if node.function.startswith("[") and node.parent else node
        path = real.file_path or "<built-in>"
        name = owner(path)
        if name == "(built-in)" or path.startswith("<"):
            # the poll for readiness is the wait for the server, not CPU of ours
            name = "(waiting) select" if "poll" in real.function or "select" in real.function \
                else f"(built-in) {real.function}"
        counts[name] += node.total_self_time
        stack.extend(node.children)
    return counts


def print_cprofile(stats: Any, rounds: int, top: int) -> None:
    """Own time per function: µs a call, µs a lifecycle, share of the profiled total."""
    rows = []
    for (file, line, func), (_cc, calls, own, _cum, _callers) in stats.stats.items():
        name = f"{owner(file)}:{func}" if not file.startswith("~") else f"(built-in) {func}"
        rows.append((own, calls, name, line))
    total = sum(r[0] for r in rows)
    waiting = sum(r[0] for r in rows if "select" in r[2] or "poll" in r[2])
    print(f"cProfile: {total * 1e6 / rounds:.0f} µs a lifecycle of own time, "
          f"{waiting * 1e6 / rounds:.0f} µs of it waiting in select/poll")
    print(f"{'µs/call':>9}{'calls/lc':>9}{'µs/lc':>8}{'share':>7}  function")
    for own, calls, name, line in sorted(rows, reverse=True)[:top]:
        print(f"{own * 1e6 / calls:9.2f}{calls / rounds:9.1f}{own * 1e6 / rounds:8.1f}"
              f"{own / total * 100:6.1f}%  {name}:{line}")


async def profiled(rest_url: str, ws_url: str, rounds: int, transport: str, tree: bool,
                   top: int = 0) -> None:
    from pyinstrument import Profiler

    from adapters.evidence import FileEvidenceSink
    config = OkxConfig(rest_url=rest_url, ws_url=ws_url, demo=True, pacing=False)
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as tmp, \
            FileEvidenceSink(Path(tmp) / "run", clock=clock, secrets=CREDS.values()) as sink:
        async with okx_venue(config, CREDS, clock, sink,
                             transport=make_transport(transport)).exchange() as exchange:
            lifecycle = adapter_lifecycle(exchange, "pf")
            for n in range(20):
                await lifecycle(n)
            if top:
                import cProfile
                import pstats
                deterministic = cProfile.Profile()
                deterministic.enable()
                for n in range(20, 20 + rounds):
                    await lifecycle(n)
                deterministic.disable()
                print_cprofile(pstats.Stats(deterministic), rounds, top)
                return
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
            for n in range(20, 20 + rounds):
                await lifecycle(n)
            session = profiler.stop()
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is None:
        raise SystemExit("no samples")
    counts = shares(root)
    total = sum(counts.values())
    print(f"{rounds} lifecycles, {session.duration * 1000 / rounds:.3f} ms each (profiled), "
          f"transport {transport}")
    # the kernel's part (waiting for the server, socket calls) is the floor's, not the client's
    kernel = sum(v for k, v in counts.items() if k.startswith(("(waiting)", "(built-in) socket")))
    cpu = total - kernel
    print(f"{'of all':>8}{'of client CPU':>15}  owner (kernel / waiting: {kernel / total:.0%})")
    for name, value in counts.most_common(25):
        share = "" if name.startswith(("(waiting)", "(built-in) socket")) else \
            f"{value / cpu * 100:13.1f} %"
        print(f"{value / total * 100:6.1f} %{share:>15}  {name}")
    if tree:
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--transport", default="default", choices=TRANSPORTS)
    parser.add_argument("--tree", action="store_true", help="also print the call tree")
    parser.add_argument("--cprofile", action="store_true",
                        help="cProfile's own time per function (µs a call) instead")
    parser.add_argument("--top", type=int, default=30, help="rows for --cprofile")
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(theirs,), daemon=True)
    server.start()
    try:
        rest_url, ws_url = ours.recv()
        asyncio.run(profiled(rest_url, ws_url, args.rounds, args.transport, args.tree,
                             args.top if args.cprofile else 0))
    finally:
        ours.send("stop")
        server.join(10)


if __name__ == "__main__":
    main()
