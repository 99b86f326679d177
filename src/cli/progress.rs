//! Progress display: an indicatif bar or spinner on standard error, hidden when
//! standard error is not a terminal (batch jobs, pipes) or with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Creates progress displays that respect `--quiet` and the terminal.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    /// Visible only when not `quiet` and standard error is a terminal.
    pub fn new(quiet: bool) -> Self {
        Self {
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// A spinner showing `message` until the returned handle is finished or dropped.
    pub fn spinner(&self, message: impl Into<String>) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(None, self.target());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"),
        );
        bar.set_message(message.into());
        // The tick is a thread (spawned by indicatif, which panics if it cannot
        // start one): only for a spinner someone sees.
        if self.visible {
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        bar
    }

    /// A bar over `len` units labelled `unit` (e.g. "days"), with rate and ETA.
    pub fn bar(&self, len: u64, unit: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(len), self.target());
        let template =
            format!("{{msg}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}}, ETA {{eta}})");
        bar.set_style(
            ProgressStyle::with_template(&template)
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }
}
