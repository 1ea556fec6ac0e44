//! Finding and loading ONNX Runtime and the pinned model files.
//!
//! lineup links ONNX Runtime dynamically (`ort` with `load-dynamic`), so the library must be found
//! at run time. It is looked for, in order: `$LINEUP_ORT_LIB` (a file path; when set, nothing else is
//! tried), where an installed lineup keeps it (beside the executable; in a macOS `.app`, in
//! `Contents/Frameworks`), then, in a development build only, in `vendor/onnxruntime/` of the
//! checkout the executable was built in (where `./scripts/setup` puts it). Models likewise:
//! `$LINEUP_MODELS` (a folder), `models/` beside the executable (in a `.app`,
//! `Contents/Resources/models`), then the checkout's `models/`.
//!
//! A packaged build (`LINEUP_PACKAGED` set when it is compiled, as `scripts/package` does) has no
//! checkout route at all: it must never load a library or model from the machine it was built on,
//! and its binary must not even name that machine's folders (`scripts/test-package` checks with
//! `strings`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::VisionError;
use super::manifest::{self, ModelSpec};
// Defined with the manifest they describe; named here too, where code has always found them.
pub use super::manifest::{ModelRecord, ModelRole};

/// The ONNX Runtime build lineup is tested with (1.32.0, the library inside the onnxruntime wheels
/// on PyPI); `ort`'s `api-31` feature needs 1.31 or newer. Its file is named per platform.
#[cfg(target_os = "windows")]
pub(crate) const ORT_LIBRARY_FILE: &str = "onnxruntime.dll";
#[cfg(target_os = "macos")]
pub(crate) const ORT_LIBRARY_FILE: &str = "libonnxruntime.1.32.0.dylib";
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
pub(crate) const ORT_LIBRARY_FILE: &str = "libonnxruntime.so.1.32.0";
const ORT_LIBRARY_ENV: &str = "LINEUP_ORT_LIB";
const MODELS_ENV: &str = "LINEUP_MODELS";
/// This crate's folder (`crates/core`) in the checkout it was built from, in a development build;
/// none in a packaged one (see the module comment). Evaluated at compile time, so a packaged
/// binary does not contain the path.
const CHECKOUT_CRATE_DIR: Option<&str> = match option_env!("LINEUP_PACKAGED") {
    Some(_) => None,
    None => Some(env!("CARGO_MANIFEST_DIR")),
};
const MANIFEST: &str = include_str!("../../../../models/manifest.ron");

/// The pinned models as described in the manifest compiled into this binary.
pub fn model_specs() -> Vec<ModelSpec> {
    // The manifest is part of the source tree and checked by the tests, so a parse failure is a
    // build defect, not bad user input.
    match manifest::parse("models/manifest.ron", MANIFEST) {
        Ok(specs) => specs,
        Err(e) => panic!("the manifest compiled into lineup is malformed: {e}"),
    }
}

/// The manifest entry for `role`, in full.
pub fn model_spec(role: ModelRole) -> ModelSpec {
    model_specs()
        .into_iter()
        .find(|m| m.role == role)
        .expect("models/manifest.ron names every model role")
}

/// The pinned models' identities (what a review records), from the manifest.
pub fn manifest() -> Vec<ModelRecord> {
    model_specs().iter().map(ModelSpec::record).collect()
}

/// The manifest entry for `role`.
pub fn model_record(role: ModelRole) -> ModelRecord {
    manifest()
        .into_iter()
        .find(|m| m.role == role)
        .expect("models/manifest.ron names every model role")
}

/// The folder of the running executable, with symbolic links resolved (on Linux `current_exe`
/// reads `/proc/self/exe`), so `/usr/bin/lineup` linking to `/usr/lib/lineup/lineup` gives
/// `/usr/lib/lineup`.
pub fn executable_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()?
        .parent()
        .map(Path::to_path_buf)
}

/// The checkout this binary was built in (two folders above `crates/core`); `None` in a packaged
/// build.
pub fn checkout_dir() -> Option<PathBuf> {
    let crate_dir = Path::new(CHECKOUT_CRATE_DIR?);
    Some(
        crate_dir
            .ancestors()
            .nth(2)
            .unwrap_or(crate_dir)
            .to_path_buf(),
    )
}

/// What to do about a missing or altered file that lineup ships: `development` (how a checkout
/// gets it back) in a development build; in a packaged one, reinstalling.
pub(crate) fn restore_advice(development: &str) -> String {
    if CHECKOUT_CRATE_DIR.is_some() {
        return development.to_owned();
    }
    "It is part of the installed lineup: reinstall lineup (the Debian package or the archive) to \
     restore it"
        .to_owned()
}

/// Where an installed lineup whose executable is in `exe_dir` keeps its ONNX Runtime library
/// and its `models/` folder: beside the executable (the Debian package's `/usr/lib/lineup/`, the
/// portable archive's `lib/lineup/`, a Windows install folder); in a macOS `.app`
/// (`Contents/MacOS/lineup`) the library is in `Contents/Frameworks` and the models in
/// `Contents/Resources`.
fn installed_library_dirs(exe_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![exe_dir.to_path_buf()];
    if let Some(contents) = exe_dir.parent().filter(|_| cfg!(target_os = "macos")) {
        dirs.push(contents.join("Frameworks"));
    }
    dirs
}

fn installed_resource_dirs(exe_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![exe_dir.to_path_buf()];
    if let Some(contents) = exe_dir.parent().filter(|_| cfg!(target_os = "macos")) {
        dirs.push(contents.join("Resources"));
    }
    dirs
}

/// The ONNX Runtime library candidates for an executable in `exe_dir` built in `checkout`.
fn ort_library_candidates_in(exe_dir: Option<&Path>, checkout: Option<&Path>) -> Vec<PathBuf> {
    let installed = exe_dir.map(installed_library_dirs).unwrap_or_default();
    let development = checkout.map(|dir| dir.join("vendor/onnxruntime"));
    installed
        .into_iter()
        .chain(development)
        .map(|dir| dir.join(ORT_LIBRARY_FILE))
        .collect()
}

/// The model folder candidates for an executable in `exe_dir` built in `checkout`.
fn model_dir_candidates_in(exe_dir: Option<&Path>, checkout: Option<&Path>) -> Vec<PathBuf> {
    let installed = exe_dir.map(installed_resource_dirs).unwrap_or_default();
    installed
        .into_iter()
        .chain(checkout.map(Path::to_path_buf))
        .map(|dir| dir.join("models"))
        .collect()
}

/// Where lineup looks for the ONNX Runtime library, in order.
pub(crate) fn ort_library_candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os(ORT_LIBRARY_ENV) {
        return vec![PathBuf::from(path)];
    }
    ort_library_candidates_in(executable_dir().as_deref(), checkout_dir().as_deref())
}

/// Where lineup looks for the model folder, in order.
pub(crate) fn model_dir_candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os(MODELS_ENV) {
        return vec![PathBuf::from(path)];
    }
    model_dir_candidates_in(executable_dir().as_deref(), checkout_dir().as_deref())
}

/// The process-wide ONNX Runtime environment (ONNX Runtime allows only one per process).
pub fn environment() -> Result<&'static ort::environment::Environment, VisionError> {
    static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, VisionError>> =
        OnceLock::new();
    ENVIRONMENT
        .get_or_init(init_environment)
        .as_ref()
        .map_err(Clone::clone)
}

/// The loaded ONNX Runtime's build string (version, git commit, flags), or why it is unknown.
/// The library is found at run time (`LINEUP_ORT_LIB`), so lineup's own build does not fix it.
pub fn onnx_runtime_build() -> String {
    match environment() {
        Ok(_) => ort::info().to_owned(),
        Err(error) => format!("unknown: {error}"),
    }
}

/// The variable ONNX Runtime (1.32, Linux) reads to keep its telemetry off.
const ORT_TELEMETRY_OFF_ENV: &str = "ORT_DISABLE_TELEMETRY";

/// Turns ONNX Runtime's telemetry off for this process: call it first thing in `main`, before
/// any thread exists, so that setting the variable cannot race another thread reading the
/// environment.
///
/// ONNX Runtime 1.32 on Linux ships Microsoft's 1DS telemetry: left on, it writes a device ID
/// and an event database under `$HOME/.cache/Microsoft/DeveloperTools/.onnxruntime/` and tries
/// DNS lookups part-way through a run. Its `DisableTelemetryEvents` call (what `ort`'s
/// `with_telemetry(false)` makes) stops neither, measured under strace; only this variable,
/// read when the library starts, does. tests/no_network.rs proves it on a 72-second analysis.
pub fn disable_onnx_runtime_telemetry() {
    // SAFETY: called from `main` before any other thread is started (see above), so nothing
    // reads the environment while it is written.
    unsafe { std::env::set_var(ORT_TELEMETRY_OFF_ENV, "1") };
}

fn init_environment() -> Result<ort::environment::Environment, VisionError> {
    if std::env::var_os(ORT_TELEMETRY_OFF_ENV).is_none_or(|value| value != "1") {
        // Only lineup used as a library gets here (its binary set the variable in `main`), from
        // the one-time initialisation behind `environment()`, before ONNX Runtime is loaded.
        // SAFETY: a host program that reads the environment on another thread at this very
        // moment could race; lineup's own threads do not, and telemetry must be off before the
        // library is loaded, so the variable is set here as a last resort.
        unsafe { std::env::set_var(ORT_TELEMETRY_OFF_ENV, "1") };
    }
    let candidates = ort_library_candidates();
    let Some(library) = candidates.iter().find(|p| p.is_file()) else {
        return Err(VisionError::RuntimeMissing {
            looked_in: candidates,
        });
    };
    let builder = ort::init_from(library).map_err(|e| VisionError::RuntimeLoad {
        path: library.clone(),
        reason: e.to_string(),
    })?;
    // `ort` calls EnableTelemetryEvents unless told otherwise; say otherwise too, although only
    // the variable above actually stops ONNX Runtime 1.32's telemetry.
    builder
        .with_name("lineup")
        .with_telemetry(false)
        .build()
        .map_err(|e| VisionError::RuntimeLoad {
            path: library.clone(),
            reason: e.to_string(),
        })
}

/// Finds the file of `record` and checks its SHA-256 against the pinned one.
pub fn locate_verified_model(record: &ModelRecord) -> Result<PathBuf, VisionError> {
    let candidates: Vec<PathBuf> = model_dir_candidates()
        .into_iter()
        .map(|d| d.join(&record.file))
        .collect();
    let Some(path) = candidates.iter().find(|p| p.is_file()).cloned() else {
        return Err(VisionError::ModelMissing {
            file: record.file.clone(),
            looked_in: candidates,
        });
    };
    verify_model_file(&path, record)?;
    Ok(path)
}

/// Refuses a model file whose bytes are not the pinned ones.
pub fn verify_model_file(path: &Path, record: &ModelRecord) -> Result<(), VisionError> {
    let actual = crate::digest::sha256_file(path)
        .map_err(|e| VisionError::ModelUnreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?
        .sha256;
    if actual != record.sha256 {
        return Err(VisionError::ModelHashMismatch {
            path: path.to_path_buf(),
            expected: record.sha256.clone(),
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names_every_role_once() {
        let models = manifest();
        for role in [
            ModelRole::Detector,
            ModelRole::Recognizer,
            ModelRole::RecognizerAsConverted,
            ModelRole::SecondRecognizer,
        ] {
            assert_eq!(
                models.iter().filter(|m| m.role == role).count(),
                1,
                "{role:?}"
            );
        }
        assert!(models.iter().all(|m| m.sha256.len() == 64));
    }

    #[test]
    fn a_model_file_with_other_bytes_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("centerface.onnx");
        std::fs::write(&path, b"not the model").unwrap();
        let err = verify_model_file(&path, &model_record(ModelRole::Detector)).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("centerface.onnx"), "{message}");
        assert!(message.contains("SHA-256"), "{message}");
    }

    /// An installed lineup finds its library and models beside itself first; only a development
    /// build (one with a checkout) falls back to the checkout's, and only after them.
    #[test]
    fn an_installed_lineup_looks_beside_itself_before_any_checkout() {
        let exe_dir = Path::new("/opt/lineup/lib/lineup");
        let checkout = Path::new("/home/dev/lineup");
        let library = ort_library_candidates_in(Some(exe_dir), Some(checkout));
        assert_eq!(library[0], exe_dir.join(ORT_LIBRARY_FILE));
        assert_eq!(
            library.last().unwrap(),
            &checkout.join("vendor/onnxruntime").join(ORT_LIBRARY_FILE)
        );
        let models = model_dir_candidates_in(Some(exe_dir), Some(checkout));
        assert_eq!(models[0], exe_dir.join("models"));
        assert_eq!(models.last().unwrap(), &checkout.join("models"));
        // A packaged build has no checkout: nothing outside the install is looked at.
        for candidate in ort_library_candidates_in(Some(exe_dir), None)
            .iter()
            .chain(&model_dir_candidates_in(Some(exe_dir), None))
        {
            assert!(
                candidate.starts_with("/opt/lineup"),
                "{}",
                candidate.display()
            );
        }
    }

    /// A development build (what the tests run) knows its checkout; `scripts/package` builds
    /// with `LINEUP_PACKAGED` set, which drops it.
    #[test]
    fn a_development_build_knows_its_checkout() {
        let checkout = checkout_dir().expect("tests are not built with LINEUP_PACKAGED");
        assert!(checkout.join("models/manifest.ron").is_file());
    }

    #[cfg(target_os = "macos")]
    #[test]
    fn a_macos_app_keeps_the_library_in_frameworks_and_models_in_resources() {
        let exe_dir = Path::new("/Applications/lineup.app/Contents/MacOS");
        let library = ort_library_candidates_in(Some(exe_dir), None);
        assert!(library.contains(
            &Path::new("/Applications/lineup.app/Contents/Frameworks").join(ORT_LIBRARY_FILE)
        ));
        let models = model_dir_candidates_in(Some(exe_dir), None);
        assert!(models.contains(&Path::new(
            "/Applications/lineup.app/Contents/Resources/models"
        )));
    }
}
