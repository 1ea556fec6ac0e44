//! Nothing lineup does needs a network, and it writes only where it says: a long analysis (72 s
//! of video) and an app session (open a review, move the threshold, save, export a signed
//! bundle) each run under `strace -f` inside a new user and network namespace (`unshare -rn`),
//! with a fresh `HOME` and no `XDG_*` variables. They must create no AF_INET/AF_INET6 socket and
//! write (create, open for writing, rename, remove) no file outside their declared outputs and
//! the per-user places README.md documents ("What lineup writes, and where").
//!
//! This caught ONNX Runtime 1.32's telemetry, which lineup now turns off before any ONNX Runtime
//! object exists: left on, it wrote `$HOME/.cache/Microsoft/DeveloperTools/.onnxruntime/` and
//! tried DNS part-way through a run.
//!
//! Needs `strace` and `unshare` (util-linux), which ./scripts/setup installs, and a kernel that
//! allows unprivileged user namespaces (Debian 12 and CI do); without them the tests fail, saying
//! why, rather than pass unchecked.

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lineup::assessment::signing;

/// The system calls that open a socket, send, or change a file or folder.
const TRACED: &str = "trace=socket,connect,sendto,sendmsg,sendmmsg,open,openat,openat2,creat,\
                      mkdir,mkdirat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,\
                      unlink,unlinkat,rmdir,truncate";

/// A run traced in its own network namespace under a fresh HOME.
struct Traced {
    output: Output,
    trace: String,
    home: PathBuf,
}

/// Runs `program args` under strace in a new user and network namespace, with HOME set to a
/// fresh `home/` inside `dir` and every XDG variable unset, from the working folder `dir`.
fn traced(dir: &Path, program: &Path, args: &[OsString], env: &[(&str, OsString)]) -> Traced {
    traced_inside(&[], dir, program, args, env)
}

/// [`traced`], with strace and the program started by `wrapper` (a command that runs the rest
/// of its arguments, such as xvfb-run), which is itself not traced.
fn traced_inside(
    wrapper: &[&str],
    dir: &Path,
    program: &Path,
    args: &[OsString],
    env: &[(&str, OsString)],
) -> Traced {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let trace = dir.join("strace.txt");
    let mut command = Command::new("unshare");
    command
        .args(["--user", "--map-root-user", "--net"])
        .args(wrapper)
        .args(["strace", "-f", "-qq"])
        .args(["-e", TRACED, "-o"])
        .arg(&trace)
        .arg(program)
        .args(args)
        .current_dir(dir)
        .env("HOME", &home);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("XDG_") {
            command.env_remove(name);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("unshare cannot be run ({e}): run ./scripts/setup first"));
    let trace = std::fs::read_to_string(&trace).unwrap_or_else(|e| {
        panic!(
            "no strace output ({e}); is strace installed and are user namespaces allowed?\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Traced {
        output,
        trace,
        home,
    }
}

impl Traced {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Every traced call that created an internet socket or sent to an internet address.
    fn internet_calls(&self) -> Vec<&str> {
        self.trace
            .lines()
            .filter(|line| line.contains("AF_INET"))
            .collect()
    }

    /// Every path the run created, opened for writing, renamed, linked or removed (whether or not
    /// the call succeeded), made absolute against `cwd`, except those under `allowed`.
    fn writes_outside(&self, cwd: &Path, allowed: &[PathBuf]) -> Vec<String> {
        self.trace
            .lines()
            .filter_map(written_path)
            .map(|path| cwd.join(path))
            .filter(|path| !allowed.iter().any(|place| path.starts_with(place)))
            .map(|path| path.display().to_string())
            .collect()
    }
}

/// The path a traced line writes to, if it writes: `open`/`openat`/`creat` with a write or
/// create flag, any `mkdir`/`rename`/`link`/`unlink`/`rmdir`/`truncate` (a `mkdir` of a folder
/// that exists already, EEXIST, changes nothing and is left out), and the target of a rename.
fn written_path(line: &str) -> Option<String> {
    let call_start = line.find(|c: char| c.is_ascii_alphabetic())?;
    let call = &line[call_start..];
    let name = &call[..call.find('(')?];
    let writes = match name {
        "open" | "openat" | "openat2" => ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"]
            .iter()
            .any(|flag| call.contains(flag)),
        "mkdir" | "mkdirat" => !call.contains("EEXIST"),
        "creat" | "rename" | "renameat" | "renameat2" | "link" | "linkat" | "symlink"
        | "symlinkat" | "unlink" | "unlinkat" | "rmdir" | "truncate" => true,
        _ => false,
    };
    if !writes {
        return None;
    }
    // The last quoted path is the one written (a rename's target, a link's new name).
    let quoted: Vec<&str> = call.split('"').collect();
    let path = quoted[(1..quoted.len()).step_by(2).next_back()?];
    // Devices (a terminal, /dev/null, the GPU's render node) are not files.
    (!path.starts_with("/dev/") && !path.starts_with("/proc/self/")).then(|| (*path).to_owned())
}

/// `lineup analyze` of `footage` against `watchlist` into `review.ron`, traced in `dir`.
fn traced_analysis(dir: &Path, footage: impl Into<OsString>, watchlist: &Path) -> Traced {
    let args: Vec<OsString> = vec![
        "analyze".into(),
        "--footage".into(),
        footage.into(),
        "--watchlist".into(),
        watchlist.into(),
        "--out".into(),
        "review.ron".into(),
    ];
    traced(dir, Path::new(env!("CARGO_BIN_EXE_lineup")), &args, &[])
}

/// The clip of a minute or more (72 s), made by scripts/make_clips.sh.
fn long_clip() -> PathBuf {
    common::clip("long_faces_h264.mp4")
}

#[test]
fn a_long_analysis_opens_no_internet_socket_and_writes_only_its_review() {
    let dir = tempfile::tempdir().unwrap();
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama.jpg")]);
    let run = traced_analysis(dir.path(), long_clip(), watchlist.path());
    assert!(run.output.status.success(), "{}", run.stderr());
    let review = lineup::review::load(&dir.path().join("review.ron")).unwrap();
    assert!(
        review.inputs[0]
            .media
            .as_ref()
            .is_some_and(|m| m.duration_s.is_some_and(|d| d >= 60.0)),
        "the clip must last a minute or more"
    );
    assert!(!review.detections.is_empty(), "the run found no face");
    assert_eq!(run.internet_calls(), Vec::<&str>::new());
    // Only the review and its sidecar (each through its temporary file beside it), the
    // watchlist's enrolment cache (README.md says where it is, what it holds and how to turn it
    // off) and strace's own log.
    let cache = run.home.join(".cache/lineup");
    let review_path = dir.path().join("review.ron");
    let writes = run.writes_outside(dir.path(), &[review_path.clone(), cache.clone()]);
    let writes: Vec<_> = writes
        .into_iter()
        .filter(|p| !is_temporary_beside(p, &review_path))
        .filter(|p| !is_sidecar_of(p, &review_path))
        .filter(|p| Path::new(p) != run.home.join(".cache"))
        .collect();
    assert_eq!(writes, Vec::<String>::new(), "written outside the review");
    let in_home: Vec<_> = std::fs::read_dir(&run.home)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(in_home, [".cache"], "HOME holds more than the cache");
    assert!(
        cache.join("enrolment").is_dir(),
        "the enrolment cache was not written"
    );
}

/// Whether `path` is a sidecar of the review at `review` (docs/review-format.md), beside it.
fn is_sidecar_of(path: &str, review: &Path) -> bool {
    let path = Path::new(path);
    path.parent() == review.parent()
        && path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| lineup::review::sidecar::belongs_to(review, name))
}

/// Whether `path` is an atomic save's temporary file for `target`, in the same folder.
fn is_temporary_beside(path: &str, target: &Path) -> bool {
    let path = Path::new(path);
    path.parent() == target.parent()
        && path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with(".lineup-save-"))
}

/// The password of the app session's key, handed to the session through its environment.
const PASSWORD: &str = "amber kettle rides seven owls";

#[test]
fn an_app_session_opens_no_internet_socket_and_writes_only_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    lineup::review::save(
        &common::labelled::signable_labelled_review(),
        &work.join("review.ron"),
    )
    .unwrap();
    signing::generate_key_pair(&work.join("reviewer.key"), PASSWORD, false).unwrap();
    let run = traced(
        dir.path(),
        &std::env::current_exe().unwrap(),
        &[
            "--exact".into(),
            "app_session".into(),
            "--ignored".into(),
            "--nocapture".into(),
            "--test-threads=1".into(),
        ],
        &[("LINEUP_TEST_SESSION", work.clone().into_os_string())],
    );
    let stdout = String::from_utf8_lossy(&run.output.stdout);
    assert!(
        run.output.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        run.stderr()
    );
    assert!(work.join("bundle/manifest.minisig").is_file());
    assert_eq!(run.internet_calls(), Vec::<&str>::new());
    // The session's own files, and the graphics driver's shader cache (Mesa's, as README.md
    // documents): nothing else.
    let allowed = [work.clone(), run.home.join(".cache/mesa_shader_cache")];
    let writes: Vec<_> = run
        .writes_outside(dir.path(), &allowed)
        .into_iter()
        .filter(|p| {
            !p.starts_with(
                &run.home
                    .join(".cache/mesa_shader_cache_db")
                    .display()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        writes,
        Vec::<String>::new(),
        "written outside the session's files"
    );
}

/// The app session itself, run by the test above in its namespace: the real app (egui, wgpu,
/// the workspace, the export job it starts) driven through its accessibility tree.
#[test]
#[ignore = "run by an_app_session_opens_no_internet_socket_and_writes_only_its_files"]
fn app_session() {
    use eframe::egui;
    use egui::accesskit::Role;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use lineup::ui::LineupApp;
    use lineup::workspace::jobs::{ExportJob, ExportRequest};

    let work = PathBuf::from(std::env::var_os("LINEUP_TEST_SESSION").expect("run by the test"));
    let review = work.join("review.ron");
    let mut h = Harness::builder()
        .with_size([1280.0, 720.0])
        .with_max_steps(32)
        .build_ui_state(
            |ui, app: &mut LineupApp| app.show(ui),
            LineupApp::open(&review),
        );
    h.run();
    h.get_by_label("Thresholds & slices").click();
    h.run();
    h.get_by_role_and_label(Role::Slider, "Match threshold")
        .set_value_accesskit(0.4);
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run();
    let workspace = h.state().workspace().expect("a review is open");
    assert!((workspace.threshold() - 0.4).abs() < 1e-6);
    assert!(
        matches!(workspace.save_state(), lineup::workspace::SaveState::Saved),
        "Ctrl+S saved the review"
    );
    let job = ExportJob::start(
        ExportRequest {
            document: workspace.document().clone(),
            review_path: review,
            key: work.join("reviewer.key"),
            password: PASSWORD.to_owned(),
            out: work.join("bundle"),
        },
        || {},
    );
    let outcome = loop {
        if let Some(outcome) = job.try_finish() {
            break outcome;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    outcome.expect("the export succeeds");
}

#[test]
fn traced_lines_are_read_as_writes_only_when_they_write() {
    for (line, written) in [
        (
            r#"12 openat(AT_FDCWD, "/a/b", O_WRONLY|O_CREAT|O_CLOEXEC, 0600) = 3"#,
            Some("/a/b"),
        ),
        (
            r#"12 openat(AT_FDCWD, "/a/b", O_RDONLY|O_CLOEXEC) = 3"#,
            None,
        ),
        (
            r#"12 mkdir("/home/x/.cache", 0755) = 0"#,
            Some("/home/x/.cache"),
        ),
        (r#"12 mkdir("/tmp", 0755) = -1 EEXIST (File exists)"#, None),
        (
            r#"12 rename("/a/.tmp1", "/a/review.ron") = 0"#,
            Some("/a/review.ron"),
        ),
        (r#"12 openat(AT_FDCWD, "/dev/null", O_RDWR) = 3"#, None),
        (r#"12 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 3"#, None),
    ] {
        assert_eq!(written_path(line).as_deref(), written, "{line}");
    }
}

/// The real app window (eframe, winit, the GPU renderer, AccessKit) on a review for ten seconds
/// under Xvfb, in the namespace with a fresh HOME: no internet socket, and nothing written but
/// the graphics driver's own shader cache (Mesa finds it through the password database, not
/// HOME, so it lands in the real home's `.cache/mesa_shader_cache*`).
#[test]
fn the_app_window_opens_no_internet_socket_and_writes_nothing_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("review.ron");
    lineup::review::save(&common::labelled::signable_labelled_review(), &review).unwrap();
    let run = traced_inside(
        &["xvfb-run", "-a", "-s", "-screen 0 1280x720x24"],
        dir.path(),
        Path::new("timeout"),
        &[
            "10".into(),
            env!("CARGO_BIN_EXE_lineup").into(),
            "open".into(),
            review.clone().into(),
        ],
        &[],
    );
    // timeout's 124: the window was still open after ten seconds, as it should be.
    assert_eq!(
        run.output.status.code(),
        Some(124),
        "the app did not stay open (is xvfb installed?): {}",
        run.stderr()
    );
    assert!(
        run.trace.contains(review.to_str().unwrap()),
        "the trace does not show the app reading the review"
    );
    assert_eq!(run.internet_calls(), Vec::<&str>::new());
    let lineup_writes: Vec<String> = run
        .writes_outside(dir.path(), &[])
        .into_iter()
        .filter(|path| !path.contains("/.cache/mesa_shader_cache"))
        .collect();
    assert_eq!(lineup_writes, Vec::<String>::new(), "written by the app");
}

/// FFmpeg, audited: a "video" that is really a playlist naming a network address (here on
/// loopback, port 9) is refused by name, and no internet socket is made for it, since FFmpeg
/// only lets a file it opened reach its `file,crypto,data` protocols.
#[test]
fn a_playlist_naming_a_network_address_opens_no_socket() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("camera.mp4"),
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/segment.ts\n\
         #EXT-X-ENDLIST\n",
    )
    .unwrap();
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama.jpg")]);
    let run = traced_analysis(dir.path(), "camera.mp4", watchlist.path());
    assert!(!run.output.status.success());
    assert!(run.stderr().contains("camera.mp4"), "{}", run.stderr());
    assert_eq!(run.internet_calls(), Vec::<&str>::new());
}

/// A footage file whose name reads like a web address (`http:127.0.0.1:9.mp4`, as a vendor's
/// export could be named) is read as the local file it is: FFmpeg would otherwise take the name
/// for an address and connect to it.
#[test]
fn a_file_named_like_a_web_address_is_read_as_a_local_file() {
    let dir = tempfile::tempdir().unwrap();
    let name = "http:127.0.0.1:9.mp4";
    std::fs::copy(common::clip("faces_h264.mp4"), dir.path().join(name)).unwrap();
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama.jpg")]);
    let run = traced_analysis(dir.path(), name, watchlist.path());
    assert!(run.output.status.success(), "{}", run.stderr());
    assert_eq!(run.internet_calls(), Vec::<&str>::new());
    let review = lineup::review::load(&dir.path().join("review.ron")).unwrap();
    assert!(!review.detections.is_empty(), "{}", run.stderr());
}
