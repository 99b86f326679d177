//! Records the git revision the binary was built from, for output files.
//!
//! `TRABECULA_GIT_REVISION` in the build environment wins (for builds from a source
//! archive); otherwise `git rev-parse`; otherwise "unknown". A "-dirty" suffix marks a
//! build from a work tree with uncommitted changes to tracked files.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=TRABECULA_GIT_REVISION");
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/index");
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={dir}/{head_ref}");
        }
    }
    let revision = std::env::var("TRABECULA_GIT_REVISION").ok().or_else(|| {
        let rev = git(&["rev-parse", "--short=12", "HEAD"])?;
        let dirty =
            git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
        Some(if dirty { format!("{rev}-dirty") } else { rev })
    });
    println!(
        "cargo:rustc-env=TRABECULA_GIT_REVISION={}",
        revision.unwrap_or_else(|| "unknown".into())
    );
}
