"""The stage-3 speed figures `npm run bench:p3` writes under `<results>/perf/`, read and checked:

    perf/throughput.json  {kind: "throughput", when, host, cpus, rf, partitions, valueBytes, seconds,
                           rows: [{clients, op: "put"|"get", ours_ops, etcd_ops, ratio,
                                   ours_p50_ms, ours_p99_ms, etcd_p50_ms, etcd_p99_ms}]}
    perf/failover.json    {kind: "failover", when, host, rf, kills, samples_ms, p50_ms, p99_ms, max_ms}
    perf/restart.json     {kind: "restart", when, host, keys, restart_ms, leader_rss_mb,
                           follower_rss_mb, log_bytes_max, snapshot_bytes}

etcd's figures and the ratio may be null (etcd not measured). A file that is missing is
`None`; one that cannot be read or does not have this shape raises PerfFileError with a
message saying what is wrong (the report prints it in the section).
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

PERF_COMMANDS = {
    "throughput": "npm run bench:p3 -- throughput --clients 10,50,200 --seconds 10",
    "failover": "npm run bench:p3 -- failover --kills 20",
    "restart": "npm run bench:p3 -- restart --keys 1000000",
}

Record = Dict[str, Any]


class PerfFileError(Exception):
    pass


def _number(record: Record, key: str, where: str, nullable: bool = False) -> None:
    value = record.get(key, "absent") if isinstance(record, dict) else "absent"
    if value is None and nullable:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PerfFileError(f"{where}: '{key}' must be a number{' or null' if nullable else ''}, got {json.dumps(value)[:40]}")


def _string(record: Record, key: str, where: str) -> None:
    if not isinstance(record.get(key), str):
        raise PerfFileError(f"{where}: '{key}' must be a string, got {json.dumps(record.get(key, 'absent'))[:40]}")


def _check_common(data: Any, kind: str) -> Record:
    if not isinstance(data, dict):
        raise PerfFileError("not a JSON object")
    if data.get("kind") != kind:
        raise PerfFileError(f"'kind' must be \"{kind}\", got {json.dumps(data.get('kind', 'absent'))[:40]}")
    _string(data, "when", "the file")
    _string(data, "host", "the file")
    return data


def _check_throughput(data: Record) -> None:
    for key in ("cpus", "rf", "partitions", "valueBytes", "seconds"):
        _number(data, key, "the file")
    rows = data.get("rows")
    if not isinstance(rows, list) or not rows:
        raise PerfFileError("'rows' must be a non-empty list")
    for i, row in enumerate(rows):
        where = f"rows[{i}]"
        if not isinstance(row, dict):
            raise PerfFileError(f"{where} is not an object")
        _number(row, "clients", where)
        if row.get("op") not in ("put", "get"):
            raise PerfFileError(f"{where}: 'op' must be \"put\" or \"get\", got {json.dumps(row.get('op', 'absent'))[:40]}")
        for key in ("ours_ops", "ours_p50_ms", "ours_p99_ms"):
            _number(row, key, where)
        for key in ("etcd_ops", "ratio", "etcd_p50_ms", "etcd_p99_ms"):
            _number(row, key, where, nullable=True)


def _check_failover(data: Record) -> None:
    for key in ("rf", "kills", "p50_ms", "p99_ms", "max_ms"):
        _number(data, key, "the file")
    samples = data.get("samples_ms")
    if not isinstance(samples, list) or any(isinstance(s, bool) or not isinstance(s, (int, float)) for s in samples):
        raise PerfFileError("'samples_ms' must be a list of numbers")


def _check_restart(data: Record) -> None:
    for key in ("keys", "restart_ms", "leader_rss_mb", "follower_rss_mb", "log_bytes_max", "snapshot_bytes"):
        _number(data, key, "the file")


CHECKS = {"throughput": _check_throughput, "failover": _check_failover, "restart": _check_restart}


def perf_path(results_dir: str, kind: str) -> str:
    return os.path.join(results_dir, "perf", f"{kind}.json")


def load_perf(results_dir: str, kind: str) -> Optional[Record]:
    """The checked record of perf/<kind>.json, None if the file is missing; PerfFileError if malformed."""
    path = perf_path(results_dir, kind)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as f:
            raw = f.read(16 * 1024 * 1024 + 1)
    except OSError as err:
        raise PerfFileError(f"cannot read it: {err.strerror or err}") from None
    if len(raw) > 16 * 1024 * 1024:
        raise PerfFileError("larger than 16 MiB: not a figures file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise PerfFileError(f"not valid JSON ({err})") from None
    record = _check_common(data, kind)
    CHECKS[kind](record)
    return record


def throughput_rows(record: Record) -> List[Record]:
    return sorted(record["rows"], key=lambda r: (r["clients"], r["op"] != "put"))
