//! HDF5 output (placeholder).
