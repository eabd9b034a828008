"""Abuse benchmark (issue 18): a hostile crowd against a live show, while a real viewer watches.

Run: .venv/bin/python benchmarks/abuse.py [--show real|fake] [--seconds 30] [--rate 1000]

The show runs in this process and its web server in a process of its own, as under ``twincast
live`` (``--web thread``: on a thread of this process, as before session 11; the server trusts
127.0.0.1 as a proxy so the load can claim 50 addresses with X-Forwarded-For). A third process
(started here, stopped by its PID, niced so it does not take the show's place on two cores)
plays the crowd, on loopback only and bounded in time:
- ``--rate`` comments/s from 500 invented viewer ids spread over 50 addresses for ``--seconds``;
- 200 idle WebSockets (150 /ws/events, 50 /ws/flv; they never send and never read);
- 20 oversized bodies (2 MB announced, and streamed chunked);
- a real viewer, from an address of its own, joins, comments, buys and waits for the answer.
Reported: repeated-frame share during the attack (target <= 0.5 %), whether and when the real
viewer's comment was answered, the server's memory growth (target <= 100 MB), status counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HOST = "127.0.0.1"
ADDRESSES = [f"198.18.{i // 250}.{i % 250 + 1}" for i in range(50)]
REAL_ADDRESS = "192.0.2.10"
FLOOD_TEXT = ["这个多少钱", "包邮吗", "有优惠吗", "spam 加微信 abc123", "主播好", "怎么买", "有货吗", "666666"]


def thread_cpu() -> dict[str, float]:
    """CPU seconds of this process's threads by name (threads with one name summed)."""
    tick = os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = names.get(int(task.name), "other")
        name = name.split("-")[0] if name.startswith(("AnyIO", "ThreadPool")) else name
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def process_cpu_s(pid: str | None) -> float:
    """CPU seconds (user + system) of process ``pid`` so far; 0 without one."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def web_rss(pid: str | None) -> float:
    """Resident MB of the web process (0 when the web layer runs in this process)."""
    try:
        return rss_mb(pid) if pid else 0.0
    except OSError:
        return 0.0


def machine_busy_s() -> float:
    """CPU seconds all processes have used since boot (/proc/stat), to tell our load from others'."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---- the crowd (a separate process) ---------------------------------------------------------------
async def _request(reader, writer, head: bytes, body: bytes = b"") -> int:
    return (await _exchange(reader, writer, head, body))[0]


async def _exchange(reader, writer, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """One request on a keep-alive connection: (status, response body)."""
    writer.write(head + body)
    await writer.drain()
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    status = int(raw.split(b" ", 2)[1])
    length = 0
    for line in raw.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, (await asyncio.wait_for(reader.readexactly(length), 10) if length else b"")


def _post_head(port: int, path: str, body: bytes, address: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Origin: http://{HOST}:{port}\r\nX-Forwarded-For: {address}\r\nContent-Length: {len(body)}\r\n\r\n").encode()


async def flood(port: int, conn: int, rate: float, until: float, stats: Counter) -> None:
    """One keep-alive connection: comments at ``rate``/s from its address's invented ids."""
    rng = random.Random(conn)
    address = ADDRESSES[conn % len(ADDRESSES)]
    ids = [f"invented-{(conn % len(ADDRESSES)) * 10 + k:05d}" for k in range(10)]  # 500 ids over 50 addresses
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(HOST, port)
    next_t = loop.time()
    try:
        while loop.time() < until:
            body = json.dumps({"viewer": rng.choice(ids), "user": f"u{rng.randrange(1000)}",
                               "text": rng.choice(FLOOD_TEXT)}).encode()
            try:
                stats[await _request(reader, writer, _post_head(port, "/api/comment", body, address), body)] += 1
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                stats["conn_error"] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
            next_t += 1.0 / rate
            await asyncio.sleep(max(0.0, next_t - loop.time()))
    finally:
        writer.close()


async def idle_socket(port: int, i: int, until: float, stats: Counter) -> None:
    """Connects and then does nothing at all; notes whether the server ended it."""
    from websockets.asyncio.client import connect

    address = ADDRESSES[i % len(ADDRESSES)]
    path = f"/ws/events?viewer=idle-{i:05d}" if i < 150 else "/ws/flv"
    try:
        ws = await connect(f"ws://{HOST}:{port}{path}", additional_headers={"X-Forwarded-For": address},
                           max_queue=1, open_timeout=10)
    except Exception as e:  # noqa: BLE001 - refused by a cap: counted
        stats[f"idle_refused_{type(e).__name__}"] += 1
        return
    stats["idle_open"] += 1
    try:
        await asyncio.wait_for(ws.wait_closed(), max(0.1, until - asyncio.get_running_loop().time()))
        stats["idle_ended_by_server"] += 1
    except asyncio.TimeoutError:
        stats["idle_still_open"] += 1
    finally:
        await ws.close()


async def oversized(port: int, i: int, stats: Counter) -> None:
    """2 MB bodies: half announce their length, half stream chunks without one. Body bytes go
    out 64 KiB at a time until the server answers (it should, after at most the limit)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    t0 = time.monotonic()
    if i % 2 == 0:
        head, chunk = _post_head(port, "/api/comment", b"x" * (2 << 20), ADDRESSES[i]), b"x" * 65536
    else:
        head = (f"POST /api/buy HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
                f"Transfer-Encoding: chunked\r\nX-Forwarded-For: {ADDRESSES[i]}\r\n\r\n").encode()
        chunk = b"10000\r\n" + b"y" * 65536 + b"\r\n"
    raw, sent = b"", 0
    try:
        writer.write(head)
        for _ in range(32):  # 2 MB at most
            try:
                raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 0.01)
                break
            except asyncio.TimeoutError:
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        raw = raw or await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        stats[f"oversized_{int(raw.split(b' ', 2)[1])}"] += 1
        stats["oversized_ms_max"] = max(stats["oversized_ms_max"], int((time.monotonic() - t0) * 1000))
        stats["oversized_body_kb_sent_max"] = max(stats["oversized_body_kb_sent_max"], sent // 1024)
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as e:
        stats[f"oversized_{type(e).__name__}"] += 1
    finally:
        writer.close()


async def real_viewer(port: int, start_after: float, wait_answer: float, out: dict) -> None:
    """Joins, comments, buys, then waits for the host's answer to its comment."""
    from websockets.asyncio.client import connect

    await asyncio.sleep(start_after)
    hdr = {"X-Forwarded-For": REAL_ADDRESS}
    t0 = time.monotonic()
    async with connect(f"ws://{HOST}:{port}/ws/events?viewer=real-viewer-0001&nick=小李",
                       additional_headers=hdr, origin=f"http://{HOST}:{port}", open_timeout=10) as ws:
        while not any(m.get("type") == "hello" for m in _messages(await asyncio.wait_for(ws.recv(), 10))):
            pass
        out["join_s"] = round(time.monotonic() - t0, 3)
        reader, writer = await asyncio.open_connection(HOST, port)
        body = json.dumps({"viewer": "real-viewer-0001", "user": "小李", "text": "这款多少钱？包邮吗"}).encode()
        status, reply = await _exchange(reader, writer, _post_head(port, "/api/comment", body, REAL_ADDRESS), body)
        posted = time.monotonic()
        out["comment_status"] = status
        cid = out["comment_id"] = json.loads(reply or b"{}").get("id")
        status, bought = await _buy(port)
        out["buy_status"], out["bought"] = status, bought
        writer.close()
        deadline = posted + wait_answer
        while time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            answer = next((m for m in _messages(raw) if m.get("type") == "host" and cid in (m.get("answers") or [])),
                          None)
            if answer is not None:
                out["answered_after_s"] = round(time.monotonic() - posted, 2)
                out["answer"] = answer.get("text")
                break
        out.setdefault("answered_after_s", None)


def _messages(raw: str) -> list[dict]:
    """The server sends what queued up together as {"type":"batch","items":[...]}."""
    msg = json.loads(raw)
    return msg["items"] if msg.get("type") == "batch" else [msg]


async def _noting(coro, out: dict) -> None:
    """Runs ``coro``; an exception becomes ``out["error"]`` instead of vanishing with the task."""
    try:
        await coro
    except Exception as e:  # noqa: BLE001 - reported, not raised: the run must finish
        out["error"] = f"{type(e).__name__}: {e}"[:200]


async def _buy(port: int) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(f"GET /api/products HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Forwarded-For: {REAL_ADDRESS}\r\n\r\n".encode())
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = int(next(x for x in raw.split(b"\r\n") if x.lower().startswith(b"content-length")).split(b":")[1])
    products = json.loads(await reader.readexactly(length))["products"]
    pid = next(p["id"] for p in products if p["stock"] > 0)
    body = json.dumps({"viewer": "real-viewer-0001", "user": "小李", "product_id": pid, "qty": 1}).encode()
    status = await _request(reader, writer, _post_head(port, "/api/buy", body, REAL_ADDRESS), body)
    writer.close()
    return status, pid


async def crowd(port: int, seconds: float, rate: float, wait_answer: float,
                parts: tuple[str, ...] = ("flood", "idle", "oversized", "real")) -> dict:
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    until = loop.time() + seconds
    stats: Counter = Counter()
    real: dict = {}
    conns = 100
    tasks = [asyncio.create_task(flood(port, c, rate / conns, until, stats)) for c in range(conns) if "flood" in parts]
    tasks += [asyncio.create_task(idle_socket(port, i, until, stats)) for i in range(200) if "idle" in parts]
    if "real" in parts:
        tasks.append(asyncio.create_task(_noting(real_viewer(port, 5.0, wait_answer, real), real)))
    for i in range(20 if "oversized" in parts else 0):
        await asyncio.sleep(seconds / 25)
        tasks.append(asyncio.create_task(oversized(port, i, stats)))
    if not tasks:
        await asyncio.sleep(seconds)
    await asyncio.wait(tasks, timeout=seconds + wait_answer + 30)
    for t in tasks:
        t.cancel()
    sent = sum(v for k, v in stats.items() if isinstance(k, int))
    return {"stats": {str(k): v for k, v in stats.items()}, "real_viewer": real, "comments_sent": sent,
            "comments_per_s": round(sent / seconds, 1), "elapsed_s": round(time.monotonic() - t0, 1)}


# ---- the show (this process) ------------------------------------------------------------------------
def make_show(kind: str, record_dir: Path):
    if kind == "fake":
        from twincast.live.fake_show import FakeShow

        return FakeShow(width=720, height=1280, answer_every=3.0)  # a host answers every few seconds
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from live import make_show as real_show

    return real_show(record_dir)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", choices=("real", "fake"), default="real")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--wait-answer", type=float, default=60.0)
    ap.add_argument("--load-nice", type=int, default=19, help="the crowd stands for remote clients: lowest priority")
    ap.add_argument("--quiet", action="store_true", help="the same window with no crowd: the baseline")
    ap.add_argument("--switch-interval", type=float, default=0.0,
                    help="sys.setswitchinterval for the show process (default: the engine's, live/engine.py)")
    ap.add_argument("--parts", default="flood,idle,oversized,real", help="what the crowd does (for isolating costs)")
    ap.add_argument("--web", choices=("process", "thread"), default="process",
                    help="the web layer in its own process (as `twincast live` runs it) or on a thread of the show's")
    ap.add_argument("--role", default="show")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    if args.role == "crowd":
        os.nice(args.load_nice)
        result = asyncio.run(crowd(args.port, args.seconds, args.rate, args.wait_answer, tuple(args.parts.split(","))))
        print(json.dumps(result, ensure_ascii=False))
        return
    run_show(args)


def run_show(args) -> None:
    from twincast.live.analytics import Analytics
    from twincast.live.web import serve
    from twincast.live.web.clients import ClientPolicy
    from twincast.live.web.process import serve_process

    tmp = Path(tempfile.mkdtemp(prefix="abuse-"))
    show = make_show(args.show, tmp / "rec")
    if args.switch_interval:
        show.switch_interval = args.switch_interval
    analytics = Analytics(tmp / "analytics.db")
    policy = ClientPolicy(trusted_proxies=(HOST,))
    if args.web == "process":  # as under `twincast live`
        server = serve_process(show, host=HOST, port=0, analytics_path=tmp / "analytics.db", policy=policy)
        web_pid = str(server.pid)
    else:
        server, _ = serve(show, host=HOST, port=0, analytics=analytics, policy=policy)
        web_pid = None
    print(f"load before: {os.getloadavg()}; show {args.show}; server {server.url}", flush=True)
    show.start()
    time.sleep(10)  # settle: the first seconds on air are not the attack's
    rss0, threads0 = rss_mb() + web_rss(web_pid), threading.active_count()
    s0, cpu0, busy0 = show.on_air(), thread_cpu(), machine_busy_s()
    web0 = process_cpu_s(web_pid)
    peak = [rss0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], rss_mb() + web_rss(web_pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cmd = [sys.executable, __file__, "--role", "crowd", "--port", str(server.port), "--seconds", str(args.seconds),
           "--rate", str(args.rate), "--wait-answer", str(args.wait_answer), "--load-nice", str(args.load_nice),
           "--parts", args.parts]
    if args.quiet:
        cmd = [sys.executable, "-c", f"import time; time.sleep({args.seconds})"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    attack_end = time.monotonic() + args.seconds
    s_attack = None
    try:
        while proc.poll() is None and time.monotonic() < attack_end + args.wait_answer + 60:
            if s_attack is None and time.monotonic() >= attack_end:
                s_attack, cpu1, busy1, load1 = show.on_air(), thread_cpu(), machine_busy_s(), os.getloadavg()
                web1 = process_cpu_s(web_pid)
            time.sleep(0.2)
        if s_attack is None:  # the crowd (or --quiet's sleeper) ended first: measure while the show's threads live
            s_attack, cpu1, busy1, load1 = show.on_air(), thread_cpu(), machine_busy_s(), os.getloadavg()
            web1 = process_cpu_s(web_pid)
        if proc.poll() is None:
            proc.kill()  # ours, by PID
        out = proc.communicate(timeout=10)[0]
    finally:
        import resource

        crowd_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)  # before the web process is reaped
        s1 = show.on_air()
        stop.set()
        threads1 = threading.active_count()
        rss1 = rss_mb() + web_rss(web_pid)
        if s_attack is None:
            web1 = process_cpu_s(web_pid)
        show.stop()
        server.stop()
    if s_attack is None:
        s_attack, cpu1, busy1, load1 = s1, thread_cpu(), machine_busy_s(), os.getloadavg()
    cpu = {k: round(v - cpu0.get(k, 0.0), 2) for k, v in sorted(cpu1.items(), key=lambda kv: -kv[1])}
    crowd_result = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    frames = s_attack["frames"] - s0["frames"]
    repeated = s_attack.get("dropped_frames", 0) - s0.get("dropped_frames", 0)
    frames_all = s1["frames"] - s0["frames"]
    repeated_all = s1.get("dropped_frames", 0) - s0.get("dropped_frames", 0)
    summary = analytics.summary(server.session_id)
    report = {
        "show": args.show, "load_after": os.getloadavg(),
        "attack": {"frames": frames, "repeated": repeated, "repeated_pct": round(100 * repeated / max(frames, 1), 3)},
        "attack_and_answer_wait": {"frames": frames_all, "repeated": repeated_all,
                                   "repeated_pct": round(100 * repeated_all / max(frames_all, 1), 3)},
        "repeats_at_s_since_attack_start": [round(t - s0["t"], 2) for t in getattr(show, "drop_times", [])
                                            if t >= s0["t"]][:40],
        "rss_mb": {"start": round(rss0, 1), "peak": round(peak[0], 1), "end": round(rss1, 1),
                   "growth_peak": round(peak[0] - rss0, 1)},
        "threads": {"before": threads0, "during_end": threads1},
        "cpu_s_during_attack_by_thread": {k: v for k, v in cpu.items() if v >= 0.05},
        "crowd_process_cpu_s": round(crowd_cpu.ru_utime + crowd_cpu.ru_stime, 2),
        "load_at_attack_end": [round(x, 2) for x in load1],
        # CPU the rest of the machine used during the attack window (other jobs), of 2 x seconds
        "machine_cpu_s_during_attack": round(busy1 - busy0, 1),
        "show_process_cpu_s_during_attack": round(sum(cpu1.values()) - sum(cpu0.values()), 1),
        "web": args.web, "web_process_cpu_s_during_attack": round(web1 - web0, 1) if web_pid else None,
        "comments_recorded": sum(summary["comments"].values()), "orders": summary["orders_total"],
        **crowd_result,
    }
    analytics.close()
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
