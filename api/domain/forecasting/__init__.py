"""Demand forecasts per store x SKU and per district, days-of-cover warnings, and the weather
signal behind them (README "Demand forecasts").

The model is a compact exponential smoothing on NumPy (model.py), chosen over the libraries by
measurement on this machine (2 shared cores, 2026-12):
- statsmodels 0.15.0: 405 MB installed with numpy, scipy and pandas; 10 s to import;
  Holt-Winters with weekday seasonality 0.60 s and ETSModel 0.85 s per 400-day series, neither
  with regressors for weather or promotions: the demo's 31,000 series would take 5 to 7 hours.
- statsforecast 2.1.1: 584 MB installed (pyarrow through fugue, pins pandas<3); 10.6 s to
  import, 0.84 s for the first AutoETS call, then 0.094 s per 76-day series and 0.77 s per
  400-day one: 49 minutes to 6.6 hours a pass over the demo's 31,000 series, beyond a worker
  run and CI's 30 minutes; AutoETS takes no exogenous regressors either.
- this model: numpy alone (~45 MB, the base of either of them), about 2 ms per series
  (bench/forecast_backtest.py prints it), weekday and yearly seasonality, weather and
  promotion multipliers; on the 90-day demo history it beats seasonal naive and bottom-up
  exponential smoothing (bench/README.md has the table).
"""
