//! Synthetic trabecular generator (placeholder).
