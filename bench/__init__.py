"""Benchmarks (SPEC §9): `make bench` runs them all, `make bench ONLY=name` one of them."""
