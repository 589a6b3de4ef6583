"""Demand forecasts per store x SKU and per district, days-of-cover warnings, and the weather
signal behind them (README "Demand forecasts").

The model is a compact exponential smoothing on NumPy (model.py), chosen over the libraries by
measurement on this machine (2 shared cores, 2026-12):
- statsmodels 0.15.0: 405 MB installed with numpy, scipy and pandas; 10 s to import;
  Holt-Winters with weekday seasonality 0.60 s and ETSModel 0.85 s per 400-day series, neither
  with regressors for weather or promotions: the demo's 31,000 series would take 5 to 7 hours.
- statsforecast 2.1.1 (LIBRARIES.md): 584 MB installed (pyarrow through fugue, pins pandas<3),
  AutoETS 0.29 s per series after numba's first-call compilation; no exogenous regressors in
  AutoETS either, and the image and CI cache would carry the weight for one model.
- this model: numpy alone (~45 MB, the base of either of them), about 1.7 ms per series
  (bench/forecast_backtest.py prints it), weekday and yearly seasonality, weather and
  promotion multipliers; on the 90-day demo history it beats seasonal naive and bottom-up
  exponential smoothing (bench/README.md has the table).
"""
