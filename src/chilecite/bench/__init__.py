"""Benchmarks a user can run: `python -m chilecite.bench` (see `chilecite.bench.__main__`).

- `synthetic`: N copies of the bundled records in one consistent tree, to see how chilecite scales;
- `anchors`: what each operation is measured against, done with the libraries alone;
- `__main__`: runs each operation and its anchor in turn and prints one table of ratios.
"""
