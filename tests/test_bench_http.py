"""The HTTP benchmark's plumbing at a tiny size: wrk's output read right, and one short
round against a real `make run` server that it seeded itself. No speed is asserted."""

import pytest

from bench.http import Options, Round, WrkResult, measure, parse_wrk, summarize

# What `wrk -t1 -c16 -d10s --latency URL` prints (wrk 4.1), figures made up.
WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/healthz
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.10ms    3.20ms  80.00ms   90.00%
    Req/Sec     1.30k   100.00     1.50k    70.00%
  Latency Distribution
     50%   11.50ms
     75%   13.00ms
     90%   15.00ms
     99%   24.75ms
  13000 requests in 10.00s, 2.00MB read
Requests/sec:   1300.25
Transfer/sec:    204.80KB
"""


def test_reads_requests_per_second_and_p99() -> None:
    assert parse_wrk(WRK_OUTPUT) == WrkResult(requests_per_second=1300.25, p99_ms=24.75, failures=0)


def test_reads_p99_in_any_unit_and_counts_failures() -> None:
    # 1.02 s is 1,020 ms and 850 µs is 0.85 ms; 3 non-2xx answers and 1 + 2 socket
    # errors (read, timeout) are 6 failures.
    slow = WRK_OUTPUT.replace("99%   24.75ms", "99%    1.02s").replace(
        "Requests/sec:",
        "  Socket errors: connect 0, read 1, write 0, timeout 2\n"
        "  Non-2xx or 3xx responses: 3\nRequests/sec:",
    )
    assert parse_wrk(slow) == WrkResult(1300.25, 1020.0, 6)
    fast = parse_wrk(WRK_OUTPUT.replace("99%   24.75ms", "99%  850.00us"))
    assert fast.p99_ms == pytest.approx(0.85)


def test_output_without_figures_is_an_error() -> None:
    with pytest.raises(ValueError, match="no Requests/sec"):
        parse_wrk("unable to connect to 127.0.0.1:8000 Connection refused\n")


def test_ratio_is_the_median_of_each_rounds_own_ratio() -> None:
    # Rounds of 0.25, 0.5 and 0.1: the median ratio is 0.25, not 300/1000 from the
    # medians of the rates (which would pair figures of different rounds).
    rounds = [
        Round(WrkResult(1000, 5, 0), WrkResult(250, 40, 0)),
        Round(WrkResult(600, 5, 0), WrkResult(300, 30, 0)),
        Round(WrkResult(3000, 5, 0), WrkResult(300, 20, 0)),
    ]
    summary = summarize(rounds)
    assert summary.ratio == 0.25
    assert summary.report_rps == 300
    assert summary.report_p99_ms == 30


def test_one_short_round_against_a_seeded_server(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Seeds 5 services × 10 windows through the API, checks the report lists every
    # window (measure raises otherwise), then one 1-second wrk run of each path.
    database = tmp_path_factory.mktemp("bench") / "ledger.db"
    options = Options(seconds=1, rounds=1, connections=2, threads=1, warm_up=False)
    (measured,) = measure(f"sqlite:///{database}", options)
    # wrk raised if any request failed; each path answered at least one request.
    assert measured.healthz.requests_per_second > 0
    assert measured.report.requests_per_second > 0
    assert measured.report.failures == 0
