"""``twincast ask`` (one comment, or ``--replay`` a whole stream) and ``twincast catalog check``.

Why here and not in cli.py: the commerce commands share the catalog loader and the answer
engine, and keeping them together keeps cli.py about media. See docs/answers.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from .cli import app, console
from .errors import TwincastError

catalog_app = typer.Typer(no_args_is_help=True, help="Check a product catalog before going live.")
app.add_typer(catalog_app, name="catalog")


@app.command()
def ask(comment: Optional[str] = typer.Argument(None, help="A viewer comment, e.g. \"多少钱\" or \"ship to Xinjiang?\"."),
        catalog: Optional[Path] = typer.Option(None, help="Catalog .yaml/.json/.csv (default: the bundled sample)."),
        product: Optional[str] = typer.Option(None, help="Id of the product on screen (the default for 'how much?')."),
        lang: Optional[str] = typer.Option(None, help="Reply language zh or en (default: the comment's)."),
        user: str = typer.Option("viewer", help="Viewer name for the @mention."),
        as_json: bool = typer.Option(False, "--json", help="Also print intents, products and the catalog fields used."),
        replay_file: Optional[Path] = typer.Option(None, "--replay", help="JSONL of a stream's comments "
                                                   "({user, text, t?, on_screen?} per line), run in order in one session."),
        output: Optional[Path] = typer.Option(None, "-o", "--output", help="With --replay: write decisions.jsonl here "
                                              "(default: standard output)."),
        llm_url: Optional[str] = typer.Option(None, "--llm-url", help="Optional phrasing by an OpenAI-compatible "
                                              "endpoint, e.g. http://127.0.0.1:8080/v1 (key: TWINCAST_LLM_API_KEY); "
                                              "kept only when every claim is traceable to the catalog facts."),
        llm_model: str = typer.Option("local", "--llm-model", help="Model name sent to --llm-url."),
        config: Optional[Path] = typer.Option(None, "--config", help="twincast.yaml: its catalog and llm: "
                                              "section (flags typed here win).")) -> None:
    """Show how the host answers one viewer COMMENT (or why it stays silent), or replay a stream."""
    import os

    from .show.ask import ask as run_ask
    from .show.llm import LLMConfig

    llm = None
    if llm_url:
        if not llm_url.startswith(("http://", "https://")):
            raise TwincastError(f"--llm-url {llm_url!r} is not an http(s) URL", "pass e.g. http://127.0.0.1:8080/v1")
        llm = LLMConfig(base_url=llm_url, model=llm_model, api_key=os.environ.get("TWINCAST_LLM_API_KEY", "none"))
    elif config is not None:  # the file's llm: section (off when it has no base_url) and catalog
        from .assembly import llm_config
        from .config.load import load_config

        cfg = load_config(config)
        llm = llm_config(cfg) if cfg.llm.answers else None
        catalog = catalog or cfg.catalog
    if replay_file is not None:
        _replay(replay_file, catalog, lang, output, llm)
        return
    if comment is None:
        raise TwincastError("no comment given", 'pass a comment in quotes (twincast ask "多少钱") or --replay FILE.jsonl')
    result = run_ask(comment, catalog, on_screen=product, lang=lang, user=user, llm=llm)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif result["action"] == "silent":
        print(f"(silent) {result['why']}")
    else:
        print(result["reply"])


def _replay(path: Path, catalog: Optional[Path], lang: Optional[str], output: Optional[Path], llm=None) -> None:
    from .show.ask import replay

    if lang not in (None, "zh", "en"):
        raise TwincastError(f"unknown language {lang!r}", "use --lang zh or --lang en (or leave it out)")
    if not path.is_file():
        raise TwincastError(f"replay file not found: {path}", "pass a .jsonl file with one comment per line")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise TwincastError(f"{path} is not UTF-8 text", "save the comments as UTF-8 JSON lines") from None
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
    sink = open(output, "w", encoding="utf-8") if output else sys.stdout
    counts: dict[str, int] = {}
    try:
        with Progress(TextColumn("[bold blue]replay"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console, transient=True, disable=output is None) as bar:
            task = bar.add_task("", total=len(lines))
            for rec in replay(catalog, iter(lines), lang, progress=lambda n: bar.update(task, completed=n), llm=llm):
                counts[rec["action"]] = counts.get(rec["action"], 0) + 1
                sink.write(json.dumps(rec, ensure_ascii=False) + "\n")
                if rec["action"] == "error":
                    console.print(f"[yellow]{path}:{rec['line']}[/]: {rec['error']} (skipped)")
    finally:
        if output is not None:
            sink.close()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    console.print(f"replayed {sum(counts.values())} comments: {summary}" + (f" -> {output}" if output else ""))


@catalog_app.command("check")
def catalog_check(catalog: Optional[Path] = typer.Argument(None, help="Catalog .yaml/.json/.csv to check "
                                                          "(default: the --config file's catalog)."),
                  as_json: bool = typer.Option(False, "--json", help="Facts and warnings as JSON."),
                  lang: str = typer.Option("zh", help="Language of the listed facts (zh or en)."),
                  config: Optional[Path] = typer.Option(None, "--config", help="twincast.yaml: checks the catalog "
                                                        "it names.")) -> None:
    """List every fact a viewer can be told, product by product, and warn about gaps."""
    from .config.flags import with_flags
    from .show.catalog_check import gaps, product_facts
    from .show.catalog_io import load_catalog

    if catalog is None and config is None:
        raise TwincastError("no catalog to check", "name a catalog file, or --config twincast.yaml that names one")
    if catalog is None:
        catalog = with_flags(config, {}).catalog  # None: the file names no catalog -> the sample shop
    cat = load_catalog(catalog)
    warnings = gaps(cat)
    if as_json:
        data = {"catalog": str(cat.source), "version": cat.version,
                "products": {p.id: [{"field": f.field, "zh": f.zh, "en": f.en} for f in product_facts(cat, p)]
                             for p in cat.products},
                "warnings": warnings}
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for p in cat.products:
        print(f"\n## {p.id}  {p.name.get(lang)}")
        for f in product_facts(cat, p):
            print(f"  {f.field:<28} {f.zh if lang == 'zh' else f.en}")
    print()
    for w in warnings:
        console.print(f"[yellow]warning:[/] {w}")
    console.print(f"{cat.source}: catalog v{cat.version}, {len(cat.products)} products, {len(warnings)} warning(s)")
