//! Micro-CT import (placeholder; filled in by the import module).
