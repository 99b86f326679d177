//! Tables of numeric parameters declared once: the struct with its documented fields,
//! its `Default` from the listed defaults, and a reader that validates every key
//! against its range and records its unit.
//!
//! A table reads as
//!
//! ```text
//! param_table! {
//!     /// What the table is.
//!     pub struct OsteoclastConfig {
//!         /// Meaning, source of the default.
//!         apoptosis_per_day ["1/d"]: Range::open_closed(0.0, 10.0) => 1.0 / 14.0,
//!     }
//! }
//! ```
//!
//! Each key is declared with its unit in brackets (`"1"` for a dimensionless number;
//! the spelling of the output files: `1/d`, `um^3`, `1/(mm^2 d)`), which
//! `trabecula collect` labels the key's column with. Every key is optional (absent
//! keys take the default); a value outside its range is reported with the key, its
//! line and the range, like every other key.

/// Declares a parameter table; see the [module documentation](self).
macro_rules! param_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident [$unit:literal] : $range:expr => $default:expr,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: f64, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $name {
            /// Reads the table (absent: every default); bad values are reported on the
            /// section's reader and give `None`.
            pub(crate) fn read(s: &$crate::config::reader::Section<'_, '_>) -> Option<Self> {
                let d = Self::default();
                $( let $field = s.f64(stringify!($field), $unit, $range, Some(d.$field)); )*
                Some(Self { $( $field: $field?, )* })
            }
        }
    };
}

pub(crate) use param_table;
