//! Benchmarks of the field solvers (filled in below).
