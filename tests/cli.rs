//! The `lineup` binary as a user runs it: help, a real analysis, and clear failures.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use lineup::review::InputStatus;

fn lineup(args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lineup"));
    command.args(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_documents_every_command_and_option() {
    let out = lineup(&["--help"], &[]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("analyze"));
    assert!(text(&out.stdout).contains("merge"));
    let out = lineup(&["analyze", "--help"], &[]);
    let help = text(&out.stdout);
    for option in [
        "--footage",
        "--watchlist",
        "--threshold",
        "--top-k",
        "--max-side",
        "--threads",
        "--out",
        "--sample",
        "--shard",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn analyze_writes_a_review_and_prints_a_summary() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama.jpg")]);
    let out_dir = tempfile::tempdir().unwrap();
    let review = out_dir.path().join("review.ron");
    let out = lineup(
        &[
            "analyze",
            "--footage",
            common::photo("obama2.jpg").to_str().unwrap(),
            common::photo("t1.jpg").to_str().unwrap(),
            "--watchlist",
            watchlist.path().to_str().unwrap(),
            "--threshold",
            "0.6",
            "--out",
            review.to_str().unwrap(),
        ],
        &[],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let line = |label: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("Faces found").ends_with(" 7"), "{stdout}");
    assert!(
        line("Flagged at threshold 0.60").ends_with(" 1"),
        "{stdout}"
    );
    assert!(line("Barack Obama").ends_with(" 1"), "{stdout}");
    let document = lineup::review::load(&review).unwrap();
    assert_eq!(document.detections.len(), 7);
    assert_eq!(document.summary(0.6).alerts, 1);
}

#[test]
fn a_bad_file_alone_fails_with_its_name_and_a_non_zero_exit() {
    let bad = common::bad_inputs();
    let watchlist = common::watchlist(&[("Obama_1.jpg", "obama.jpg")]);
    let out_dir = tempfile::tempdir().unwrap();
    for name in common::UNREADABLE {
        let review = out_dir.path().join("review.ron");
        let path = bad.path(name);
        let out = lineup(
            &[
                "analyze",
                "--footage",
                path.to_str().unwrap(),
                "--watchlist",
                watchlist.path().to_str().unwrap(),
                "--out",
                review.to_str().unwrap(),
            ],
            &[],
        );
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{name}");
        assert!(
            stderr.contains(&path.display().to_string()),
            "{name}: {stderr}"
        );
        assert!(
            !review.exists(),
            "no review is written when nothing could be analysed"
        );
    }
}

#[test]
fn a_missing_model_or_runtime_says_what_to_do() {
    let watchlist = common::watchlist(&[("Obama_1.jpg", "obama.jpg")]);
    let empty = tempfile::tempdir().unwrap();
    let (footage, review) = (common::photo("obama2.jpg"), empty.path().join("r.ron"));
    let args = [
        "analyze",
        "--footage",
        footage.to_str().unwrap(),
        "--watchlist",
        watchlist.path().to_str().unwrap(),
        "--out",
        review.to_str().unwrap(),
    ];

    let out = lineup(&args, &[("LINEUP_MODELS", empty.path())]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("model file centerface.onnx not found"),
        "{stderr}"
    );
    assert!(stderr.contains("LINEUP_MODELS"), "{stderr}");

    let missing = empty.path().join("libonnxruntime.so.1.32.0");
    let out = lineup(&args, &[("LINEUP_ORT_LIB", &missing)]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("ONNX Runtime library"), "{stderr}");
    assert!(stderr.contains("./scripts/setup"), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
}

/// `lineup analyze` with placeholder paths and `options`, which must be refused before any path
/// is read: what it printed to stderr.
fn refused_analyze_option(options: &[&str]) -> String {
    let mut args = vec![
        "analyze",
        "--footage",
        "x",
        "--watchlist",
        "y",
        "--out",
        "z",
    ];
    args.extend_from_slice(options);
    let out = lineup(&args, &[]);
    assert!(!out.status.success(), "{options:?} was accepted");
    text(&out.stderr)
}

#[test]
fn a_threshold_outside_cosine_range_is_refused() {
    let stderr = refused_analyze_option(&["--threshold", "1.5"]);
    assert!(stderr.contains("outside -1 to 1"), "{stderr}");
}

#[test]
fn analyze_takes_video_with_a_sampling_rate() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let out_dir = tempfile::tempdir().unwrap();
    let review = out_dir.path().join("review.ron");
    let clip = common::clip("faces_hevc.mp4");
    let out = lineup(
        &[
            "analyze",
            "--footage",
            clip.to_str().unwrap(),
            "--sample",
            "fps:5",
            "--watchlist",
            watchlist.path().to_str().unwrap(),
            "--out",
            review.to_str().unwrap(),
        ],
        &[],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("Faces found") && l.ends_with(" 35")),
        "{stdout}"
    );
    let document = lineup::review::load(&review).unwrap();
    assert_eq!(document.inputs[0].frames_analysed, 15);

    let stderr = refused_analyze_option(&["--sample", "fps:0"]);
    assert!(stderr.contains("outside"), "{stderr}");
}

#[test]
fn ctrl_c_stops_the_analysis_and_saves_an_incomplete_review() {
    use std::io::{BufRead, BufReader};
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let out_dir = tempfile::tempdir().unwrap();
    let review = out_dir.path().join("review.ron");
    let clip = common::clip("faces_h264.mp4");
    let mut command = Command::new(env!("CARGO_BIN_EXE_lineup"));
    command.args(["analyze", "--footage"]);
    // Ten copies of the clip: far more than is analysed before the interrupt arrives. Copies,
    // not the one file named ten times, which is analysed once.
    let copies: Vec<_> = (0..10)
        .map(|k| {
            let copy = out_dir.path().join(format!("clip-{k}.mp4"));
            std::fs::copy(&clip, &copy).unwrap();
            copy
        })
        .collect();
    command.args(&copies);
    command
        .arg("--watchlist")
        .arg(watchlist.path())
        .arg("--out")
        .arg(&review)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // Without a terminal lineup logs a line per input: once the second starts, interrupt.
    while !seen.contains("input 2 of 10") {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "lineup ended early: {seen}"
        );
        seen.push_str(&line);
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.contains("Cancelled"), "{rest}");
    let document = lineup::review::load(&review).unwrap();
    assert!(!document.complete);
    assert_eq!(document.inputs.len(), 10);
    assert_eq!(document.inputs[0].status, InputStatus::Analysed);
    assert_eq!(document.inputs[0].frames_analysed, 75);
    assert_eq!(document.inputs[9].status, InputStatus::NotAnalysed);
}

/// `lineup metrics REVIEW | head -1`: when the reader of its output goes away, lineup ends
/// quietly as other Unix tools do (killed by SIGPIPE), never with a panic.
#[test]
fn a_closed_output_pipe_ends_lineup_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("review.ron");
    lineup::review::save(&common::labelled::signable_labelled_review(), &review).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lineup"))
        .arg("metrics")
        .arg(&review)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before lineup writes a line.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.status.success() || out.status.signal() == Some(13),
        "{:?}: {stderr}",
        out.status
    );
}

/// `lineup metrics --max-fpir`: every printed threshold, used as printed, keeps its slice's FPIR
/// at or below the target (a threshold rounded down to four decimals could let through the very
/// impostor it was chosen to exclude).
#[test]
fn printed_max_fpir_thresholds_achieve_their_target_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("review.ron");
    let document = common::labelled::signable_labelled_review();
    lineup::review::save(&document, &review).unwrap();
    let slicing = lineup::review::Slicing::by(&["skin", "gender"]);
    let mut checked = 0;
    for target in [
        0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3,
    ] {
        let target_text = target.to_string();
        let out = lineup(
            &[
                "metrics",
                review.to_str().unwrap(),
                "--slice",
                "skin,gender",
                "--max-fpir",
                &target_text,
            ],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        let listed = stdout
            .split("Lowest threshold keeping the measured FPIR")
            .nth(1)
            .expect("the thresholds are listed");
        for (slice, line) in listed
            .lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .enumerate()
        {
            let Some(after) = line.split(" threshold ").nth(1) else {
                continue; // "no non-mated searches"
            };
            let printed: f32 = after.split_whitespace().next().unwrap().parse().unwrap();
            let evaluation = document.evaluate(&slicing, printed).unwrap();
            let fpir = evaluation.metrics[slice].fpir;
            assert!(
                fpir.rate.unwrap_or(0.0) <= target,
                "{line}: at {printed} as printed, FPIR is {} of {}, above {target}",
                fpir.k,
                fpir.n
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} thresholds checked");
}

/// `lineup metrics` states what each number rests on: the threshold each slice used (its own
/// where the review sets one), FNIR at rank 1, the watchlist FPIR was measured against, how many
/// people the searches are of, the reference group with each ratio's interval and the parity
/// band; a reviewer may choose the reference; a deployment watchlist is an extrapolation.
#[test]
fn metrics_table_states_thresholds_units_reference_and_ratio_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("review.ron");
    let mut document = common::labelled::signable_labelled_review();
    document.slice_thresholds.insert("Monk 7–10".into(), 0.75);
    lineup::review::save(&document, &review).unwrap();
    let path = review.to_str().unwrap();
    let out = lineup(&["metrics", path, "--slice", "skin"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let own_row = stdout
        .lines()
        .find(|line| line.starts_with("Monk 7–10"))
        .expect("a row for Monk 7–10");
    assert!(own_row.contains("0.7500 own"), "{own_row}");
    let global_row = stdout
        .lines()
        .find(|line| line.starts_with("Monk 1–3"))
        .expect("a row for Monk 1–3");
    assert!(
        global_row.contains("0.6000") && !global_row.contains("own"),
        "{global_row}"
    );
    for expected in [
        "FNIR (rank 1)",
        "watchlist of",
        "mated searches (face tracks) of",
        "people",
        "reference",
        "at least 30 effective",
        "parity band",
        "effective number of searches",
    ] {
        assert!(stdout.contains(expected), "{expected:?} missing:\n{stdout}");
    }
    // At a lower threshold there are false alerts to compare: ratio rows carry an interval
    // and a parity reading (or say the group is too small to judge).
    let lower = lineup(
        &["metrics", path, "--slice", "skin", "--threshold", "0.45"],
        &[],
    );
    let lower = text(&lower.stdout);
    assert!(
        lower.lines().any(|line| line.contains("× [")
            && ["parity", "disparity", "cannot tell", "too few to judge"]
                .iter()
                .any(|word| line.contains(word))),
        "{lower}"
    );

    let chosen = lineup(
        &[
            "metrics",
            path,
            "--slice",
            "skin",
            "--reference",
            "Monk 4–6",
        ],
        &[],
    );
    assert!(chosen.status.success(), "{}", text(&chosen.stderr));
    assert!(
        text(&chosen.stdout).contains("ratios are against Monk 4–6, chosen by the reviewer"),
        "{}",
        text(&chosen.stdout)
    );
    let wrong = lineup(
        &["metrics", path, "--slice", "skin", "--reference", "Monk 11"],
        &[],
    );
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("the groups are: Monk 1–3, Monk 4–6"),
        "{}",
        text(&wrong.stderr)
    );

    let deployed = lineup(
        &[
            "metrics",
            path,
            "--watchlist-size",
            "10000",
            "--crowd",
            "10000",
        ],
        &[],
    );
    assert!(deployed.status.success(), "{}", text(&deployed.stderr));
    let stdout = text(&deployed.stdout);
    assert!(
        stdout.contains("Extrapolation, not a measurement"),
        "{stdout}"
    );
    assert!(
        stdout.contains("an extrapolation, not a measurement"),
        "{stdout}"
    );
}

/// `lineup agreement REVIEW` prints the two reviewers' agreement (Cohen's kappa, its n and the
/// share agreed) and the disagreements not yet settled; a review without a second review fails
/// saying so.
#[test]
fn agreement_prints_kappa_and_the_disagreements() {
    use lineup::review::{GroundTruth, SecondLabel, SecondReview};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("review.ron");
    let mut document = common::labelled::signable_labelled_review();
    review_save(&document, &path);
    let out = lineup(&["agreement", path.to_str().unwrap()], &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no second review"),
        "{}",
        text(&out.stderr)
    );

    // Wikipedia's worked example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: κ = 0.40.
    let yes = GroundTruth::OnWatchlist(lineup::ids::IdentityId(0));
    let no = GroundTruth::NotOnWatchlist;
    let mut second = SecondReview {
        reviewer: "Sam Blind".into(),
        ..Default::default()
    };
    let mut track = 0;
    for (count, first, theirs) in [(20, yes, yes), (5, yes, no), (10, no, yes), (15, no, no)] {
        for _ in 0..count {
            document.tracks[track].label = first;
            let label = SecondLabel {
                label: theirs,
                attributes: Default::default(),
            };
            second.labels.insert(lineup::ids::TrackId(track), label);
            track += 1;
        }
    }
    document.second_review = Some(second);
    review_save(&document, &path);
    let out = lineup(&["agreement", path.to_str().unwrap()], &[]);
    let printed = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(printed.contains("Sam Blind"), "{printed}");
    assert!(
        printed.contains("Who each track is: κ = 0.40 (n = 50 tracks, 70.0% agree)"),
        "{printed}"
    );
    assert!(
        printed.contains("15 disagreements not settled"),
        "{printed}"
    );
    assert!(
        printed.contains("saved before lineup kept the first reviewer's answers"),
        "says which answers are compared: {printed}"
    );
    assert!(
        printed.contains("#20 who: is Alex Doe (first) / not on watchlist (second)"),
        "{printed}"
    );
}

fn review_save(document: &lineup::review::ReviewDocument, path: &Path) {
    lineup::review::save(document, path).unwrap();
}

/// The value at the end of the summary line that starts with `label`.
fn summary_value(stdout: &str, label: &str) -> Option<usize> {
    stdout
        .lines()
        .find(|line| line.trim_start().starts_with(label))
        .and_then(|line| line.split_whitespace().last())
        .and_then(|value| value.parse().ok())
}

#[test]
fn watchlist_enrol_fills_the_cache_that_analyze_then_uses() {
    let watchlist = common::watchlist(&[
        ("Barack_Obama_1.jpg", "obama.jpg"),
        ("Joe_Biden_1.jpg", "biden.jpg"),
        ("Crowd_1.jpg", "t1.jpg"),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let env = [("LINEUP_CACHE_DIR", cache.path())];
    let out_dir = tempfile::tempdir().unwrap();
    let review = out_dir.path().join("review.ron");
    let list = watchlist.path().to_str().unwrap();

    let enrolled = lineup(&["watchlist", "enrol", list], &env);
    let stdout = text(&enrolled.stdout);
    let stderr = text(&enrolled.stderr);
    assert!(enrolled.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        summary_value(&stdout, "Watchlist photos"),
        Some(3),
        "{stdout}"
    );
    assert_eq!(summary_value(&stdout, "enrolled"), Some(2), "{stdout}");
    assert_eq!(summary_value(&stdout, "skipped: several faces"), Some(1));
    assert_eq!(summary_value(&stdout, "from the enrolment cache"), Some(0));
    // Without a terminal, progress still shows, as lines.
    assert!(
        stderr.contains("enrolling watchlist: 3 of 3 photos"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Crowd_1.jpg"),
        "the skipped photo is named: {stderr}"
    );

    let photo = common::photo("obama2.jpg");
    let analyse = |extra: &[&str]| {
        let mut args = vec![
            "analyze",
            "--footage",
            photo.to_str().unwrap(),
            "--watchlist",
            list,
            "--out",
            review.to_str().unwrap(),
            // Analysed twice into the same review.
            "--force",
        ];
        args.extend(extra);
        let out = lineup(&args, &env);
        let stdout = text(&out.stdout);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        // Without a terminal, analyze says how far enrolment is too.
        assert!(
            stderr.contains("enrolling watchlist: 3 of 3 photos"),
            "{stderr}"
        );
        stdout
    };
    let cached = analyse(&[]);
    assert_eq!(
        summary_value(&cached, "from the enrolment cache"),
        Some(3),
        "{cached}"
    );
    assert_eq!(summary_value(&cached, "enrolled"), Some(2), "{cached}");
    let uncached = analyse(&["--no-cache"]);
    assert_eq!(
        summary_value(&uncached, "from the enrolment cache"),
        Some(0),
        "{uncached}"
    );
}

#[test]
fn a_big_watchlist_is_summarised_and_listed_in_full_on_request() {
    // 24 identities, one of whom (Barack Obama) is in the footage.
    let mut entries = vec![("Barack_Obama_1.jpg".to_string(), "obama.jpg")];
    entries.extend((1..24).map(|n| (format!("Person_{n}_1.jpg"), "biden.jpg")));
    let borrowed: Vec<(&str, &str)> = entries.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let watchlist = common::watchlist(&borrowed);
    let cache = tempfile::tempdir().unwrap();
    let env = [("LINEUP_CACHE_DIR", cache.path())];
    let out_dir = tempfile::tempdir().unwrap();
    let review = out_dir.path().join("review.ron");
    let photo = common::photo("obama2.jpg");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "analyze",
            "--footage",
            photo.to_str().unwrap(),
            "--watchlist",
            watchlist.path().to_str().unwrap(),
            "--threshold",
            "0.6",
            "--out",
            review.to_str().unwrap(),
            // Analysed twice into the same review.
            "--force",
        ];
        args.extend(extra);
        let out = lineup(&args, &env);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
        stdout
    };
    let summary = run(&[]);
    assert!(
        summary.lines().any(|l| l.starts_with("Barack Obama")),
        "{summary}"
    );
    assert!(!summary.contains("Person 1 "), "{summary}");
    assert_eq!(
        summary_value(&summary, "Identities alerted on"),
        Some(1),
        "{summary}"
    );
    assert_eq!(
        summary_value(&summary, "Identities without an alert"),
        Some(23)
    );
    assert_eq!(summary_value(&summary, "Watchlist identities"), Some(24));
    assert!(summary.contains("--full-summary"), "{summary}");

    let full = run(&["--full-summary"]);
    for n in 1..24 {
        assert_eq!(
            summary_value(&full, &format!("Person {n} ")),
            Some(0),
            "{full}"
        );
    }
}

/// Before the first frame, `analyze` says how many frames the sampling takes and how long that
/// takes at the documented pace (with its conditions); once the first frames are timed, it says
/// this run's own time left and the review's size.
#[test]
fn analyze_says_the_time_and_size_before_it_starts_and_refines_them() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let out_dir = tempfile::tempdir().unwrap();
    let review = out_dir.path().join("review.ron");
    let clip = common::clip("faces_h264.mp4");
    let out = lineup(
        &[
            "analyze",
            "--footage",
            clip.to_str().unwrap(),
            "--watchlist",
            watchlist.path().to_str().unwrap(),
            "--out",
            review.to_str().unwrap(),
        ],
        &[],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let position = |needle: &str| lines.iter().position(|l| l.contains(needle));
    let estimate = position("Estimate:").unwrap_or_else(|| panic!("no estimate in:\n{stderr}"));
    let first_progress =
        position("input 1 of 1").unwrap_or_else(|| panic!("no progress in:\n{stderr}"));
    assert!(estimate < first_progress, "{stderr}");
    // 75 frames at every frame, the documented pace and its conditions, no size yet.
    let said = lines[estimate];
    assert!(said.contains("75 frames"), "{said}");
    assert!(said.contains("every frame"), "{said}");
    assert!(said.contains("frames a second on 2 cores"), "{said}");
    assert!(said.contains("review size"), "{said}");
    // The clip's 75 frames are more than the calibration needs: the refined estimate follows.
    let measured = position("Measured on the first")
        .unwrap_or_else(|| panic!("no measured estimate in:\n{stderr}"));
    assert!(measured > estimate, "{stderr}");
    let said = lines[measured];
    assert!(said.contains("left"), "{said}");
    assert!(said.contains("review about"), "{said}");
    assert!(said.contains("faces a frame"), "{said}");
}

/// A clip made with the `ffmpeg` command (as scripts/make_clips.sh makes the test clips): a grey
/// 32×32 picture at 1 frame a second for `seconds`, a few kilobytes.
fn grey_clip(dir: &Path, seconds: u32) -> std::path::PathBuf {
    let path = dir.join(format!("grey_{seconds}s.mp4"));
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i"])
        .arg(format!("color=c=gray:s=32x32:r=1:d={seconds}"))
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&path)
        .status()
        .expect("the ffmpeg command (see README: it makes the test clips)");
    assert!(made.success(), "ffmpeg could not make {}", path.display());
    path
}

/// Without --sample, footage of more than five minutes of video is analysed at fps:5, and the
/// run says so before it starts; shorter footage keeps every frame.
#[test]
fn long_footage_is_sampled_at_five_a_second_by_default_and_says_so() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let dir = tempfile::tempdir().unwrap();
    for (seconds, expected, said) in [
        (301, lineup::footage::Sampling::PerSecond(5.0), "fps:5"),
        (300, lineup::footage::Sampling::EveryFrame, "every"),
    ] {
        let clip = grey_clip(dir.path(), seconds);
        let review = dir.path().join(format!("review_{seconds}.ron"));
        let out = lineup(
            &[
                "analyze",
                "--footage",
                clip.to_str().unwrap(),
                "--watchlist",
                watchlist.path().to_str().unwrap(),
                "--out",
                review.to_str().unwrap(),
            ],
            &[],
        );
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let document = lineup::review::load(&review).unwrap();
        assert_eq!(document.settings.sampling, expected, "{seconds} s");
        let announced = stderr
            .lines()
            .find(|l| l.contains("by default"))
            .unwrap_or_else(|| panic!("the default is not announced:\n{stderr}"));
        assert!(announced.contains(said), "{announced}");
    }
}

/// Findings 2 and 7 of #21: `analyze --out` onto an existing review (its labels) is refused
/// without --force, and a path no review could be saved at (a name too long for its sidecar, a
/// missing folder) is refused before the analysis runs, not after it.
#[test]
fn analyze_refuses_an_existing_or_unsaveable_out_before_analysing() {
    let watchlist = common::watchlist(&[("Barack_Obama_1.jpg", "obama2.jpg")]);
    let photo = common::photo("obama.jpg");
    let dir = tempfile::tempdir().unwrap();
    let analyze = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "analyze",
            "--footage",
            photo.to_str().unwrap(),
            "--watchlist",
            watchlist.path().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        lineup(&args, &[])
    };
    let existing = dir.path().join("labelled.ron");
    std::fs::write(&existing, "a reviewer's labels").unwrap();
    let out = analyze(&existing, &[]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(!stderr.contains("Analysing"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "a reviewer's labels"
    );
    let out = analyze(&existing, &["--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(lineup::review::load(&existing).is_ok());

    for unsaveable in [
        dir.path().join("missing/review.ron"),
        dir.path().join(format!("{}.ron", "a".repeat(252))),
    ] {
        let out = analyze(&unsaveable, &[]);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(!stderr.contains("Analysing"), "{stderr}");
        assert!(stderr.contains("cannot be saved"), "{stderr}");
    }
}
