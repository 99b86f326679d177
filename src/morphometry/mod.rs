//! Morphometry (placeholder).
