"""Help texts for the terminal: a one-sentence first line (the command list shows it), then
paragraphs written as single strings so the terminal wraps them, then examples."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Help:
    summary: str
    details: str
    examples: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.summary}\n\n{self.details}"

    @property
    def epilog(self) -> str:
        return "Examples:\n\n" + "\n\n".join(f"  {e}" for e in self.examples)


ROOT = Help(
    "Execution engine for OKX and Binance USDⓈ-M perpetual swaps: evidence first, every "
    "position under an exchange-side stop.",
    "With no credentials every command runs on a built-in simulator on loopback (--venue sim "
    "speaks OKX, sim-binance Binance USDⓈ-M). The options "
    "--venue, --config, --json and --i-understand-live go before or after the command's name. "
    "Exit codes: 0 done, 1 failed at the exchange, 2 bad input (nothing sent), 3 needs "
    "attention, 4 refused by the engine's rules, 130 interrupted.",
    ("prometheus-exec probe", "prometheus-exec status --venue okx-demo --json",
     "prometheus-exec open --help"))

PROBE = Help(
    "Run the PROBE of seed 000 §5 and package its evidence.",
    "Lists the instruments, checks the instId is listed and live, reads the account config, "
    "places a limit buy that cannot fill, reads its status, cancels it and reads the status "
    "again. The run directory gets the raw evidence, the seed's documents and a report with no "
    "conclusions. The default price is one band width under public/price-limit's sellLmt, "
    "never taken from the ticker. The PROBE is OKX's (seed 000): on a Binance venue it exits 2.",
    ("prometheus-exec probe", "prometheus-exec probe --inst ETH-USDT-SWAP --out /data/runs",
     "prometheus-exec probe --venue okx-demo --px 20000 --json"))

SELFCHECK = Help(
    "Check that the engine can trade safely on this venue (seed 001 §9).",
    "Clock skew, keys against the venue, permissions, account and position mode, instrument "
    "sizes, parameters, the evidence directory and the WebSocket streams, one line each. "
    "--with-orders also places, sees and cancels a far-away algo stop.",
    ("prometheus-exec selfcheck", "prometheus-exec selfcheck --venue okx-demo --with-orders",
     "prometheus-exec selfcheck --venue binance-testnet --with-orders"))

OPEN = Help(
    "Open a position with its stop and take-profits.",
    "The gate (locks, cooldowns, a position already open, the tier's risk budget) decides "
    "first; then the entry is sent, its fill is read from the exchange, and an algo stop on "
    "the mark price must be visible within one second or the position is closed again and "
    "the symbol locked. TP1 and TP2 rest as reduce-only limits; what is left of --qty is the "
    "runner. A refusal by the gate exits 4 and sends nothing.",
    ("prometheus-exec open --symbol BTC-USDT-SWAP --side long --qty 0.10 --stop 29400 "
     "--tp1 30300 --tp1-qty 0.04 --tp2 30600 --tp2-qty 0.03",
     "prometheus-exec open --symbol ETH-USDT-SWAP --side short --qty 1 --stop 2100 "
     "--tp1 1900 --tp1-qty 0.5 --tp2 1800 --tp2-qty 0.3 --entry-px 2000 --tier B "
     "--intent-id q20261122a1 --venue okx-demo",
     "prometheus-exec open --venue sim-binance --symbol BTCUSDC --side long --qty 0.010 "
     "--stop 29400 --tp1 30300 --tp1-qty 0.004 --tp2 30600 --tp2-qty 0.003"))

CLOSE = Help(
    "Close a symbol's position at market, reduce-only, until the exchange shows it flat.",
    "Recovery runs first; the position's stop and take-profits are cancelled once it is flat.",
    ("prometheus-exec close --symbol BTC-USDT-SWAP --venue okx-demo",))

MANAGE = Help(
    "Apply what the exchange shows to a position, and a closed bar if given.",
    "Take-profit fills and stop triggers are read from the exchange, never assumed. A closed "
    "bar (--bar-close, with its --regime) drives the runner's exits (seed 001 §5).",
    ("prometheus-exec manage --symbol BTC-USDT-SWAP --venue okx-demo",
     "prometheus-exec manage --symbol BTC-USDT-SWAP --bar-close 30450 --regime TREND"))

REGIME = Help(
    "Run the regime-shift playbook for a symbol (seed 001 §6).",
    "Always in the same order: shock guard and de-risk, runner exit, stop tightening, then "
    "locks and the regime_shift_log. SHOCK and CHOP act on the position; TREND and RANGE are "
    "calm regimes. Case does not matter.",
    ("prometheus-exec regime --symbol BTC-USDT-SWAP --new SHOCK --venue okx-demo",))

RECOVER = Help(
    "Give every position on the exchange a visible stop and cancel stray stops of ours.",
    "Missing or deviating stops are rebuilt; a position the engine has no plan for is "
    "protected (or flattened, per params.protection.unknown_position_policy).",
    ("prometheus-exec recover --venue okx-demo",))

WATCH = Help(
    "Keep positions protected until stopped.",
    "Recovers at start and after every stream gap, and applies take-profit fills and stop "
    "triggers as the exchange pushes them. Ctrl-C stops it.",
    ("prometheus-exec watch --venue okx-demo", "prometheus-exec watch --run-for 3600 --json"))

HALT = Help(
    "Incident stop: cancel our working orders and algos, keep or flatten positions, freeze.",
    "Every working order and algo of ours is cancelled (all of them with --all-orders); stops "
    "that guard a position stay, unless --flatten closes it reduce-only first. Every symbol "
    "is frozen until `prometheus-exec resume` (or --for). The incident record is written to "
    "the run directory and the event log. Works when the state store cannot be read; exits 3 "
    "when anything could not be confirmed at the exchange.",
    ("prometheus-exec halt --reason 'venue incident' --venue okx-demo",
     "prometheus-exec halt --flatten --all-orders --for 30m --reason drill"))

RESUME = Help(
    "Lift the freeze a halt set.",
    "Each halted symbol's freeze goes back to what it was before the halt (a freeze another "
    "lock set beyond the halt stays); written to the event log and the run directory.",
    ("prometheus-exec resume --venue okx-demo",))

STATUS = Help(
    "Show positions, stops and locks per symbol.",
    "The exchange's position and open algo stops beside the stored plan and the open gate's "
    "locks, and each stop of ours still pending (sent, not yet settled) with its age and "
    "whether the exchange shows it. Exit 3 when a position is unprotected or a pending stop is "
    "live with no position owning it.",
    ("prometheus-exec status --venue okx-demo", "prometheus-exec status --json"))

VERIFY = Help(
    "Prove a run directory: package, hash chain, schemas, documents, manifest, credentials.",
    "SHA256SUMS.txt and FILELIST.ls.txt must cover exactly the files present; every record "
    "must follow from the one before; every file must fit its frozen schema (schemas/v1/); "
    "every seed document and run_manifest.json must say what the raw record it names says; no "
    "credential may be left unredacted; with --events, the state store's event log must still "
    "hold the lines the manifest says the run appended. Exit 0 intact, 1 broken (the first "
    "broken file or record is named), 2 not a run directory or an unknown contract_version, "
    "3 unfinished: only what a process killed mid-run leaves (no package, a torn last line).",
    ("prometheus-exec verify runs/20261122T101500Z_probe_1",
     "prometheus-exec verify runs/20261122T101500Z_probe_1 --json",
     "prometheus-exec verify runs/20261122T101500Z_open_1 --events "
     "state/okx-demo/events.jsonl"))

REPLAY = Help(
    "Run a recorded command again against its run directory, offline, and say whether it "
    "did the same.",
    "The command, its arguments, settings and parameters come from the run's manifest; every "
    "exchange answer and WebSocket frame from its raw records, in recorded order, on the "
    "recording's clock (no waiting, no socket). "
    "Requests must match the recorded ones (method, path, fields and client ids; timestamps "
    "and signatures aside). It starts from the state store as the recorded command found it "
    "(the manifest keeps it). Exit 0 reproduced (the same calls and the same outcome), 1 "
    "diverged (the first request that differs, expected against actual, with its record, or "
    "the outcome that differs), 2 not a replayable run (not a run directory, unfinished, an "
    "unknown contract_version).",
    ("prometheus-exec replay runs/20261122T101500Z_probe_1",
     "prometheus-exec replay runs/20261122T101500Z_probe_1 --json"))

VERSION = Help("Print the installed version.", "Same as prometheus-exec --version.",
               ("prometheus-exec version",))

SIM_SERVE = Help(
    "Serve the exchange simulator (REST and WebSocket) on HOST:PORT until stopped.",
    "--exchange okx (default) serves OKX v5: point the engine at it as venue okx-demo with "
    "OKX_REST_URL and OKX_WS_URL. --exchange binance serves Binance USDⓈ-M futures (no "
    "passphrase): point the engine at it as venue binance-testnet with BINANCE_REST_URL and "
    "BINANCE_WS_URL. Keys not given are generated and printed.",
    ("prometheus-exec sim serve --port 18080 --api-key demoKey01 --secret demoSecret01 "
     "--passphrase demoPass01",
     "prometheus-exec sim serve --exchange binance --port 18081 --api-key demoKey01 "
     "--secret demoSecret01"))
