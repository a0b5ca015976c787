"""ringside's benchmarks: ``make bench`` prints speed and memory figures beside their baselines."""
