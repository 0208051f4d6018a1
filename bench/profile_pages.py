"""Profile where a page's server time goes outside its SQL: cProfile over many requests.

    .venv/bin/python bench/profile_pages.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_10k \\
        [--only "audit log"] [--requests 200] [--top 25] [--sort cumulative|tottime]

The pages, the people and the sign-in are bench/pages.py's (the same test client on the
same generated database). Each page matching --only is fetched once to warm up, then
--requests times under one cProfile; the top entries (by cumulative time by default) are
printed per page with the mean time of a request, so a cost can be traced to the hook,
template, filter or loader that pays it.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time

import psycopg
from benchlib import bench_app, conninfo, local_url
from pages import ROLES, pages, sign_in, targets

from app.jobs.engine import wait_for_background


def profile_page(client, url: str, requests: int) -> tuple[float, pstats.Stats]:
    """(mean seconds per request, the profile of `requests` fetches of `url`)."""
    client.get(url, buffered=True)
    wait_for_background()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    for _ in range(requests):
        profiler.enable()
        client.get(url, buffered=True)
        profiler.disable()
        wait_for_background()  # the jobs a request leaves are not its own time
    elapsed = time.perf_counter() - started
    return elapsed / requests, pstats.Stats(profiler, stream=io.StringIO())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--only", default="", help="profile only pages whose name contains this")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 5000 or not 1 <= args.top <= 500:
        parser.error("--requests 1..5000, --top 1..500")
    app = bench_app(args.database_url)
    with psycopg.connect(conninfo(local_url(args.database_url))) as conn:
        t = targets(conn)
    clients = {role: sign_in(app, email) for role, email in ROLES.items()}
    list_html = clients["chair"].get("/cases").get_data(as_text=True)
    for page in pages(t, list_html):
        if page.url is None or args.only not in page.label:
            continue
        mean, stats = profile_page(clients[page.role], page.url, args.requests)
        print(f"\n=== {page.label} ({page.role}) {page.url}: {mean * 1000:.2f} ms per request "
              f"(wall, with the profiler), {args.requests} requests")
        stats.sort_stats(args.sort).print_stats(args.top)
        print(stats.stream.getvalue().split("\n\n", 2)[-1].rstrip(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
