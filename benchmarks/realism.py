"""The 120-second realism check (issue #6, item 6): render continuous bilingual selling speech
with the default avatar while the head sweeps to the pose limits, then run `twincast check`.

Run:  .venv/bin/python benchmarks/realism.py [--seconds 120] [--emotion warm] [--no-sweep]
      [--out out/realism] [--label before]
Prints the renderer it measured, the driver's pose coverage, the check table and the JSON path.
The script comes from the sample catalog through the show's script writer (Mandarin and English
product blocks in turn), synthesised by the avatar's own voice router, so nothing is canned.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Iterator


def selling_lines(seed: int = 3) -> Iterator[tuple[str, str]]:
    """(lang, text) lines of a live-commerce script, a Mandarin and an English product block
    in turn, from the bundled sample catalog (never repeating)."""
    from twincast.show.catalog_io import load_catalog
    from twincast.show.scripts import ScriptWriter

    cat = load_catalog()
    writers = {lang: ScriptWriter(cat, lang, seed=seed) for lang in ("zh", "en")}
    products = [p for p in cat.products if p.stock > 0]
    k = 0
    while True:
        lang = ("zh", "en")[k % 2]
        p, nxt = products[k % len(products)], products[(k + 1) % len(products)]
        for line in writers[lang].block(p, nxt):
            yield lang, line.text
        k += 1


def selling_speech(router, seconds: float, said: list[str], seed: int = 3):
    """Synthesise script lines until ``seconds`` of speech exist; ``said`` collects the text."""
    total = 0.0
    for lang, text in selling_lines(seed):
        said.append(text)
        for speech in router.synthesize(text, lang):
            yield speech
            total += speech.duration
        if total >= seconds:
            return


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--emotion", default="warm")
    ap.add_argument("--no-sweep", action="store_true", help="expression only, no pose sweep")
    ap.add_argument("--out", type=Path, default=Path("out/realism"))
    ap.add_argument("--label", default="", help="tag for the output files, e.g. before/after")
    ap.add_argument("--skip-check", action="store_true")
    args = ap.parse_args(argv)

    from rich.console import Console

    from twincast.avatar.defaults import default_avatar_path, default_photo
    from twincast.avatar.model import AvatarModel
    from twincast.clock import MediaClock
    from twincast.driving.drive import DriveConfig
    from twincast.output.labels import ai_metadata
    from twincast.pipeline import perform
    from twincast.render.compose import Layout
    from twincast.render.factory import renderer_for
    from twincast.voice.defaults import router_for_avatar

    console = Console()
    sweep = not args.no_sweep
    tag = f"{args.label + '-' if args.label else ''}{args.emotion}{'-sweep' if sweep else ''}"
    args.out.mkdir(parents=True, exist_ok=True)
    video = args.out / f"realism-{tag}.mp4"
    model = AvatarModel.load(default_avatar_path())
    r = renderer_for(model)
    renderer = f"{type(r).__module__}.{type(r).__name__}"
    gaze = all(c in r.controls for c in ("gaze_x", "gaze_y"))
    console.print(f"renderer: {renderer} (gaze controls: {'yes' if gaze else 'no'}), avatar {model.meta.get('name')}")
    config = DriveConfig(emotion=args.emotion, pose_sweep=sweep)
    router = router_for_avatar(model)
    clock = MediaClock(sample_rate=router.sample_rate, fps=config.fps)
    said: list[str] = []
    t0, c0 = time.perf_counter(), _cpu()
    frames, langs, synth = perform(model, selling_speech(router, args.seconds + 0.5, said), video, Layout(),
                                   config, clock, metadata=ai_metadata(title="twincast realism sweep"))
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    duration = frames / clock.fps
    script = " ".join(said)
    (args.out / f"realism-{tag}.txt").write_text(script, encoding="utf-8")
    console.print(f"wrote {video}: {duration:.1f} s ({'+'.join(sorted(langs))}), render wall {wall:.0f} s "
                  f"(RTF {wall / duration:.2f}), CPU {cpu:.0f} s, synthesis {synth:.0f} s, "
                  f"load {os.getloadavg()[0]:.1f}")
    result = {"video": str(video), "renderer": renderer, "gaze": gaze, "emotion": args.emotion, "sweep": sweep,
              "duration_s": duration, "render_wall_s": wall, "render_cpu_s": cpu}
    if not args.skip_check:
        from twincast.evaluation.check import run_check, table
        from twincast.evaluation.check_chart import save_chart

        report = run_check(video, default_photo(), script, min(args.seconds, duration))
        console.print(table(report))
        for note in report.notes:
            console.print(f"[dim]note: {note}[/]")
        json_path = args.out / f"realism-{tag}.check.json"
        json_path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        save_chart(report, args.out / f"realism-{tag}.check.png")
        console.print(f"check JSON: {json_path}  ({report.runtime_s:.0f} s; "
                      f"{'PASS' if not report.failed else 'FAIL: ' + ', '.join(m.key for m in report.failed)})")
        result.update(check=str(json_path), passed=not report.failed,
                      metrics={m.key: {"value": m.value, "status": m.status, "display": m.display}
                               for m in report.metrics})
    (args.out / f"realism-{tag}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    return result


if __name__ == "__main__":
    out = main()
    sys.exit(0 if out.get("passed", True) else 1)
