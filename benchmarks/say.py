"""Real-time factor of the whole `say` path (text -> MP4) on this machine's 2 cores.

Run: .venv/bin/python benchmarks/say.py
Prints, per language, synthesis and render+encode seconds against the video duration, once
cold (engines loading) and once warm; the target is RTF <= 0.5 warm.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

TEXTS = {
    "en": ("Hello everyone and welcome back to the live room. Today I have three things for you: noise-cancelling "
           "earbuds with thirty hours of battery, a stainless steel thermos that keeps tea hot for twelve hours, and "
           "a light down jacket in four colours. Stay with me, the prices are the best of the season."),
    "zh": ("家人们大家好，欢迎来到直播间！今天给大家带来三款好物：第一款是蓝牙5.3降噪耳机，续航三十个小时；"
           "第二款是500ml不锈钢保温杯，热水保温十二个小时；第三款是轻薄羽绒服，有四个颜色可以选。"
           "今天的到手价只要¥199.9，库存不多，喜欢的家人们抓紧下单。"),
}


def _cpu() -> float:
    """CPU seconds of this process and its threads: comparable even on a loaded machine."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> dict[str, float]:
    from twincast.avatar.defaults import default_avatar_path
    from twincast.avatar.model import AvatarModel
    from twincast.pipeline import say

    model = AvatarModel.load(default_avatar_path())
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for run in ("cold", "warm"):
            for lang, text in TEXTS.items():
                t, cpu0 = time.perf_counter(), _cpu()
                r = say(model, text, Path(tmp) / f"{lang}.mp4", lang=lang)
                wall, cpu = time.perf_counter() - t, _cpu() - cpu0
                rtf = wall / r.duration
                results[f"{lang}_{run}_rtf"] = rtf
                results[f"{lang}_{run}_cpu_rtf"] = cpu / r.duration
                print(f"{lang} {run}: video {r.duration:5.1f}s  synth (overlapped) {r.synth_seconds:5.2f}s  "
                      f"wall {wall:5.2f}s  RTF {rtf:.3f}  CPU-time RTF {cpu / r.duration:.3f} "
                      f"(load avg {os.getloadavg()[0]:.1f})")
    warm = max(results["en_warm_rtf"], results["zh_warm_rtf"])
    print(f"target warm RTF <= 0.5: {'PASS' if warm <= 0.5 else 'FAIL'} (worst {warm:.3f}); "
          "CPU-time RTF / 2 is the floor on two idle cores")
    return results


if __name__ == "__main__":
    main()
