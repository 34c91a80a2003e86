"""Helpers shared by the JupyterLab UI benchmark scripts (a file starting with _ is no benchmark of its own).

    from _wire import KernelWire, parse_v1, pct, stats   # scripts run as `python benchmarks/<name>.py`

``parse_v1`` splits a message of Jupyter's v1 kernel websocket protocol (JupyterLab 4's default)
into its JSON parts and binary buffers; ``KernelWire`` counts the bytes of every kernel websocket
frame the page receives and sends (Playwright's ``framereceived`` / ``framesent``), by Jupyter
message type, while it is started.
"""
from __future__ import annotations

import json
import re
import statistics
from typing import Any

import numpy as np


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))


def stats(values: list[float]) -> str:
    return f"median {statistics.median(values):6.1f} ms, p90 {pct(values, 90):6.1f} ms  (n={len(values)})"


def parse_v1(payload: bytes) -> tuple[list[bytes], list[bytes]] | None:
    """Jupyter's v1 kernel websocket message: ([header, parent, metadata, content], buffers)."""
    try:
        n = int.from_bytes(payload[:8], "little")
        if not 3 <= n <= 1000:
            return None
        offsets = [int.from_bytes(payload[8 * (i + 1): 8 * (i + 2)], "little") for i in range(n)]
        # offsets: the channel's start, then the end of the channel and of each part
        parts = [payload[offsets[i]: offsets[i + 1]] for i in range(1, n - 1)]
        return parts[:4], parts[4:]
    except (IndexError, ValueError):
        return None


# a JSON array of 32 or more numbers, the first with a fraction: floats sent as text
JSON_FLOATS = re.compile(rb"\[\s*-?\d+\.\d*(?:[eE][-+]?\d+)?(?:\s*,\s*-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?){31,}\s*\]")


class KernelWire:
    """Bytes of the page's kernel websocket frames while started: ``start()``, act, ``stop()``.

    Each frame is one record: direction ("in": kernel -> page, "out": page -> kernel), whole size
    (envelope included), the Jupyter msg_type, buffer bytes, and the bytes of JSON arrays of
    floats in its JSON parts (``JSON_FLOATS``).
    """

    def __init__(self, page: Any):
        self.on = False
        self.records: list[dict] = []
        page.on("websocket", self._ws)

    def _ws(self, ws: Any) -> None:
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", lambda p: self._frame("in", p))
            ws.on("framesent", lambda p: self._frame("out", p))

    def _frame(self, direction: str, payload: Any) -> None:
        if not self.on:
            return
        data = payload.encode() if isinstance(payload, str) else bytes(payload)
        parsed = None if isinstance(payload, str) else parse_v1(data)
        if parsed is None:  # a text message (JSON only)
            json_parts, buffers = [data], []
            try:
                msg_type = json.loads(data).get("header", {}).get("msg_type", "?")
            except (ValueError, AttributeError):
                msg_type = "?"
        else:
            json_parts, buffers = parsed
            try:
                msg_type = json.loads(json_parts[0]).get("msg_type", "?")
            except (ValueError, AttributeError, IndexError):
                msg_type = "?"
        floats = sum(len(m.group(0)) for part in json_parts for m in JSON_FLOATS.finditer(part))
        self.records.append({"dir": direction, "size": len(data), "type": msg_type,
                             "buffers": sum(len(b) for b in buffers), "json_floats": floats})

    def start(self) -> None:
        self.records, self.on = [], True

    def stop(self, types: tuple[str, ...] = ("comm_open", "comm_msg", "comm_close")) -> dict:
        """Totals of the frames seen since ``start`` whose msg_type is in ``types`` (the widgets'
        own messages, not the cell's execute_* and status traffic): bytes each way, frames,
        buffer bytes, bytes of JSON float arrays."""
        self.on = False
        mine = [r for r in self.records if r["type"] in types]
        return {
            "in": sum(r["size"] for r in mine if r["dir"] == "in"),
            "out": sum(r["size"] for r in mine if r["dir"] == "out"),
            "frames": len(mine),
            "buffers": sum(r["buffers"] for r in mine),
            "json_floats": sum(r["json_floats"] for r in mine),
            "largest": max((r["size"] for r in mine), default=0),
        }
