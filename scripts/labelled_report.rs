//! Exports a signed assessment bundle for a review, with the labelled TEST FIXTURE of
//! `tests/common/synthetic_findings.rs` standing in for ground truth that reviews cannot hold yet. The
//! report says on every mention of the findings that they are synthetic.
//!
//! Used by `scripts/screenshot_report.sh` to picture a report with its per-group tables:
//!
//! ```sh
//! LINEUP_KEY_PASSWORD=... cargo run --example labelled_report -- REVIEW KEY BUNDLE
//! ```

#[path = "../tests/common/synthetic_findings.rs"]
mod synthetic;

use std::path::PathBuf;

use anyhow::{Context, bail};
use lineup::assessment::signing::{self, PasswordSource};
use lineup::assessment::{self, BundleOptions, ReportOptions};
use lineup::review;

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [review_path, key, out] = &args[..] else {
        bail!("usage: labelled_report REVIEW KEY BUNDLE (password in $LINEUP_KEY_PASSWORD)");
    };
    let document = review::load(review_path)?;
    let password = PasswordSource::EnvironmentOrTerminal.read(false)?;
    let (secret, signer) = signing::load_secret_key(key, &password)?;
    let findings = synthetic::findings(document.settings.threshold);
    let options = BundleOptions {
        out: out.clone(),
        overwrite: true,
        report: ReportOptions {
            command: format!(
                "cargo run --example labelled_report -- {} {} {}",
                review_path.display(),
                key.display(),
                out.display()
            ),
            ..ReportOptions::default()
        },
    };
    let bundle = assessment::export(
        &document,
        review_path,
        Some(&findings),
        &options,
        &secret,
        &signer,
    )
    .context("exporting the example bundle")?;
    println!("Bundle written to {}", bundle.folder.display());
    Ok(())
}
