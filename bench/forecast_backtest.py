"""Backtest the demand model on the demo history: RMSSE and MASE against seasonal naive and
bottom-up exponential smoothing (the M5 competition's strong baseline), per store x SKU and per
district (region) x SKU, the last `--holdout` days held out.

    .venv/bin/python -m bench.forecast_backtest --history-days 90 --holdout 14

The history comes from the seed's own generator (api/demo/history_receipts.store_history, the
demo chain and catalogue, `--history-seed`), aggregated to units per store, SKU and local day
in memory: no database, deterministic for a seed and end date. Members are left out (they only
choose who buys, not what). The weather of the held-out days is the history's own (a perfect
forecast); the uplift per degree is estimated from the training days, as the job does.

RMSSE per series: sqrt(mean squared error / mean squared one-day change over the training
days); MASE: the same with absolute values. Both averaged over series with a non-zero scale.
Districts are bottom-up: the sums of their stores' forecasts.
"""

from __future__ import annotations

import argparse
import random
import time as clock
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from api.demo import history_patterns as patterns
from api.demo.catalogue import CATALOGUE
from api.demo.chain import HOURS, STORES
from api.demo.history import DEFAULT_SEED
from api.demo.history_receipts import ProductInfo, StoreInfo, store_history
from api.domain.forecasting import model
from api.domain.forecasting.model import FloatArray

Key = tuple[str, int]  # (store code, product id)
Method = Callable[[FloatArray, int, Key], FloatArray]


def generate(
    days: int, seed: int, end: date, stores: int
) -> tuple[dict[Key, FloatArray], dict[str, str], dict[int, str], date]:
    """Units per (store, SKU) per day from `end - days`, the stores' regions, SKU categories."""
    first = end - timedelta(days=days)
    products = []
    for n, spec in enumerate(CATALOGUE, start=1):
        rng = random.Random(f"{seed}:{spec.sku}")  # demo data, not secrets
        products.append(
            ProductInfo(n, spec.name, spec.category, spec.price_cents, spec.region_code,
                        spec.seasonal, rng.lognormvariate(0, 1))
        )  # fmt: skip
    units: dict[Key, FloatArray] = {}
    regions = {}
    for sid, place in enumerate(STORES[:stores], start=1):
        zone = ZoneInfo(place.time_zone)
        info = StoreInfo(sid, place.code, place.type, place.region, zone, HOURS[place.hours])
        regions[place.code] = place.region
        sold = [p for p in products if p.region is None or p.region == place.region]
        end_moment = date_moment(end, zone)
        h = store_history(info, sold, (1, 2), [], first, days, seed=seed, last_moment=end_moment)
        local_day = [(s[3].astimezone(zone).date() - first).days for s in h.sales]
        for line in h.lines:
            key = (place.code, line[3])
            if key not in units:
                units[key] = np.zeros(days)
            units[key][local_day[line[1]]] += line[4]
    return units, regions, {p.id: p.category for p in products}, first


def date_moment(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def seasonal_naive(train: FloatArray, horizon: int, key: Key) -> FloatArray:
    return np.array([train[len(train) - 7 + h % 7] for h in range(horizon)])


def exponential_smoothing(train: FloatArray, horizon: int, key: Key) -> FloatArray:
    level, _ = model.smooth_level(train)
    return np.full(horizon, level)


def scores(actual: FloatArray, predicted: FloatArray, train: FloatArray) -> tuple[float, float]:
    diffs = np.diff(train)
    sq, ab = float((diffs**2).mean()), float(np.abs(diffs).mean())
    if sq <= 0:
        return float("nan"), float("nan")
    err = actual - predicted
    return float(np.sqrt((err**2).mean() / sq)), float(np.abs(err).mean() / ab)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--history-days", type=int, default=90)
    parser.add_argument("--holdout", type=int, default=14)
    parser.add_argument("--history-seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 12, 1))
    parser.add_argument("--stores", type=int, default=len(STORES), help="the first N stores")
    args = parser.parse_args()
    started = clock.perf_counter()
    units, regions, categories, first = generate(
        args.history_days, args.history_seed, args.end, args.stores
    )
    generated = clock.perf_counter() - started
    n_train = args.history_days - args.holdout
    origin = first + timedelta(days=n_train)

    def heat_of(region: str, start: date, count: int) -> FloatArray:
        temps = [patterns.temperature(region, start + timedelta(days=i), args.history_seed)[0]
                 for i in range(count)]  # fmt: skip
        return np.maximum(np.array(temps) - patterns.HOT_FROM_C, 0.0)

    heat_train = {r: heat_of(r, first, n_train) for r in set(regions.values())}
    heat_test = {r: heat_of(r, origin, args.holdout) for r in set(regions.values())}
    store_totals: dict[str, FloatArray] = defaultdict(lambda: np.zeros(n_train))
    category_totals: dict[tuple[str, str], FloatArray] = defaultdict(lambda: np.zeros(n_train))
    for (store, pid), series in units.items():
        store_totals[store] += series[:n_train]
        category_totals[(store, categories[pid])] += series[:n_train]
    priors = {s: model.weekday_index(t, first, None, 0.0) for s, t in store_totals.items()}
    betas = {
        category: model.estimate_weather_beta(
            [model.SeriesHistory(first, t, heat_train[regions[s]], np.zeros(n_train, dtype=bool))
             for (s, c), t in category_totals.items() if c == category]
        )
        for category in patterns.WEATHER_CATEGORIES
    }  # fmt: skip

    def ours(train: FloatArray, horizon: int, key: Key) -> FloatArray:
        region = regions[key[0]]
        history = model.SeriesHistory(
            first, train, heat_train[region], np.zeros(len(train), dtype=bool)
        )
        signals = model.Signals(heat_test[region], np.zeros(horizon, dtype=bool))
        params = model.Params(
            weather_beta=betas.get(categories[key[1]], 0.0), weekday_prior=priors[key[0]]
        )
        return model.forecast(history, signals, params).units

    methods: dict[str, Method] = {
        "seasonal naive (last week)": seasonal_naive,
        "bottom-up exponential smoothing": exponential_smoothing,
        "chainstore model": ours,
    }
    keys = sorted(k for k, s in units.items() if s[:n_train].sum() > 0)
    forecasts: dict[str, dict[Key, FloatArray]] = {}
    seconds: dict[str, float] = {}
    for name, method in methods.items():
        t0 = clock.perf_counter()
        forecasts[name] = {k: method(units[k][:n_train], args.holdout, k) for k in keys}
        seconds[name] = clock.perf_counter() - t0
    print(
        f"{len(STORES[: args.stores])} stores, {len(keys)} store x SKU series, "
        f"{args.history_days} days ({first} to {args.end - timedelta(days=1)}), last "
        f"{args.holdout} held out; seed {args.history_seed}; history generated in "
        f"{generated:.0f} s; weather uplift a degree over {patterns.HOT_FROM_C:g} °C: "
        + ", ".join(f"{c} {b:.3f}" for c, b in sorted(betas.items()))
    )
    print()
    print("| method | RMSSE store x SKU | MASE store x SKU | RMSSE district x SKU | "
          "MASE district x SKU | ms / series |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name in methods:
        bottom = [scores(units[k][n_train:], forecasts[name][k], units[k][:n_train]) for k in keys]
        district: dict[tuple[str, int], list[Key]] = defaultdict(list)
        for k in keys:
            district[(regions[k[0]], k[1])].append(k)
        top = []
        for members in district.values():
            actual = sum((units[k] for k in members), np.zeros(args.history_days))
            predicted = sum((forecasts[name][k] for k in members), np.zeros(args.holdout))
            top.append(scores(actual[n_train:], predicted, actual[:n_train]))
        b, t = np.array(bottom), np.array(top)
        print(
            f"| {name} | {np.nanmean(b[:, 0]):.3f} | {np.nanmean(b[:, 1]):.3f} | "
            f"{np.nanmean(t[:, 0]):.3f} | {np.nanmean(t[:, 1]):.3f} | "
            f"{1000 * seconds[name] / len(keys):.2f} |"
        )


if __name__ == "__main__":
    main()
