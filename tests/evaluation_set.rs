//! `lineup evaluate`: a labelled evaluation set run through the seeded 1:N protocol, on a set
//! made from the repository's own test photos (tests/FIXTURES.md), with every count of the
//! protocol checked.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::photo;
use lineup::review::{GroundTruth, InputStatus};

/// Writes `photo`'s mirror image and a brighter copy into `folder` as `STEM_aug_flip.png` and
/// `STEM_aug_bright.png`.
fn augment(folder: &Path, source: &str, stem: &str) {
    let image = image::open(photo(source)).unwrap().to_rgb8();
    image::imageops::flip_horizontal(&image)
        .save(folder.join(format!("{stem}_aug_flip.png")))
        .unwrap();
    image::imageops::colorops::brighten(&image, 25)
        .save(folder.join(format!("{stem}_aug_bright.png")))
        .unwrap();
}

/// The set in `root`:
///
/// | person | photos |
/// |---|---|
/// | Barack Obama | obama.jpg, obama2.jpg, obama3.jpg (three real photos) |
/// | Joe Biden | biden.jpg and its two augmented copies |
/// | Eileen Collins | astronaut.png and its two augmented copies |
/// | Group | t1.jpg (six people: skipped, several faces) |
/// | Nobody | a plain grey picture (skipped, no face) |
fn make(root: &Path) {
    let folder = |name: &str| {
        let path = root.join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    };
    let obama = folder("Barack Obama");
    for name in ["obama.jpg", "obama2.jpg", "obama3.jpg"] {
        std::fs::copy(photo(name), obama.join(name)).unwrap();
    }
    let biden = folder("Joe Biden");
    std::fs::copy(photo("biden.jpg"), biden.join("biden.jpg")).unwrap();
    augment(&biden, "biden.jpg", "biden");
    let collins = folder("Eileen Collins");
    std::fs::copy(photo("astronaut.png"), collins.join("astronaut.png")).unwrap();
    augment(&collins, "astronaut.png", "astronaut");
    std::fs::copy(photo("t1.jpg"), folder("Group").join("t1.jpg")).unwrap();
    image::RgbImage::from_pixel(320, 240, image::Rgb([128, 128, 128]))
        .save(folder("Nobody").join("grey.png"))
        .unwrap();
}

/// Each person's perceived attributes, as a reviewer would record them for this set.
const PEOPLE_CSV: &str = "person,skin,gender,age\n\
    Barack Obama,7,male,45–59\n\
    Joe Biden,2,male,60+\n\
    Eileen Collins,2,female,30–44\n\
    Group,,,\n\
    Nobody,,,\n";

fn lineup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineup"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The fixture set with its people.csv in a temporary folder: (folder, set, people.csv).
fn fixture_set() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    make(&set);
    let people = dir.path().join("people.csv");
    std::fs::write(&people, PEOPLE_CSV).unwrap();
    (dir, set, people)
}

/// Seed 12 with a share of 0.6 enrols 3 of the 5 people (in the set's order Barack Obama,
/// Eileen Collins, Group, Joe Biden, Nobody): Barack Obama, Eileen Collins and Group; Group has
/// no usable photo, so two are enrolled.
#[test]
fn the_fixture_set_gives_the_protocols_counts() {
    let (dir, set, people) = fixture_set();
    let (out, review) = evaluate(
        dir.path(),
        &set,
        &people,
        &["--enrol-share", "0.6", "--seed", "12"],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let document = lineup::review::load(&review).unwrap();
    let protocol = document.evaluation_protocol.clone().expect("a protocol");
    assert_eq!(
        (protocol.people, protocol.photos, protocol.augmented),
        (5, 11, 4)
    );
    assert_eq!((protocol.seed, protocol.enrol_share), (12, 0.6));
    assert_eq!((protocol.chosen, protocol.enrolled), (3, 2));
    assert_eq!(
        (protocol.mated_searches, protocol.non_mated_searches),
        (4, 3)
    );
    let skipped: Vec<(String, String)> = protocol
        .skipped
        .iter()
        .map(|s| (s.path.display().to_string(), s.reason.clone()))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, "Group/t1.jpg");
    assert!(skipped[0].1.starts_with("6 faces found"), "{skipped:?}");
    assert_eq!(skipped[1].0, "Nobody/grey.png");
    assert!(skipped[1].1.starts_with("no face found"), "{skipped:?}");
    for (path, _) in &skipped {
        assert!(stdout.contains(path.as_str()), "{path} not in:\n{stdout}");
        assert!(
            document.warnings.iter().any(|w| w.contains(path.as_str())),
            "{path} not warned"
        );
    }
    assert!(stdout.contains(&protocol.set_sha256), "{stdout}");

    // The watchlist: each enrolled person's first photo by name.
    let enrolled: Vec<(&str, String)> = document
        .watchlist
        .identities
        .iter()
        .map(|i| (i.name.as_str(), i.photos[0].path.display().to_string()))
        .collect();
    assert_eq!(
        enrolled,
        [
            ("Barack Obama", "Barack Obama/obama.jpg".to_string()),
            ("Eileen Collins", "Eileen Collins/astronaut.png".to_string())
        ]
    );
    // Inputs: every photo but the two enrolment photos; the skipped ones failed with why.
    assert_eq!(document.inputs.len(), 9);
    assert_eq!(
        document
            .inputs
            .iter()
            .filter(|i| matches!(i.status, InputStatus::Failed(_)))
            .count(),
        2
    );
    // Fully labelled: one track per search, each labelled from its folder.
    assert_eq!(document.detections.len(), 7);
    assert_eq!(document.tracks.len(), 7);
    let obama = document.identity_by_name("Barack Obama").unwrap();
    let collins = document.identity_by_name("Eileen Collins").unwrap();
    let mut labels = (0, 0, 0);
    for track in &document.tracks {
        let input = &document.inputs[document.detections[track.detections[0].index()]
            .source
            .input];
        let folder = input.path.parent().unwrap().file_name().unwrap();
        match track.label {
            GroundTruth::OnWatchlist(id) if id == obama => {
                assert_eq!(folder, "Barack Obama");
                labels.0 += 1;
            }
            GroundTruth::OnWatchlist(id) if id == collins => {
                assert_eq!(folder, "Eileen Collins");
                labels.1 += 1;
            }
            GroundTruth::NotOnWatchlist => {
                assert_eq!(folder, "Joe Biden");
                assert_eq!(track.person.as_deref(), Some("Joe Biden"));
                assert_eq!(track.attributes.get("skin").map(String::as_str), Some("2"));
                labels.2 += 1;
            }
            other => panic!("track {} labelled {other:?}", track.id),
        }
    }
    assert_eq!(labels, (2, 2, 3));
    assert_eq!(
        document.identity_attributes["Eileen Collins"]
            .get("gender")
            .map(String::as_str),
        Some("female")
    );

    // The set's hash is the SHA-256 of its sha256sum manifest, in the set's order.
    let mut manifest = String::new();
    for person in [
        "Barack Obama",
        "Eileen Collins",
        "Group",
        "Joe Biden",
        "Nobody",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(set.join(person))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        for file in files {
            let hash = lineup::digest::sha256_file(&set.join(person).join(&file)).unwrap();
            manifest.push_str(&format!("{}  {person}/{file}\n", hash.sha256));
        }
    }
    let manifest_file = dir.path().join("manifest");
    std::fs::write(&manifest_file, manifest).unwrap();
    assert_eq!(
        protocol.set_sha256,
        lineup::digest::sha256_file(&manifest_file).unwrap().sha256
    );

    // The rest of lineup reads it as any labelled review.
    let metrics = lineup(&["metrics", review.to_str().unwrap(), "--slice", "gender"]);
    let table = text(&metrics.stdout);
    assert!(
        metrics.status.success(),
        "{table}\n{}",
        text(&metrics.stderr)
    );
    assert!(
        table.contains("male") && table.contains("female"),
        "{table}"
    );

    // 1:1: every same-group pair of the nine usable photos (enrolment photos included). Male:
    // Barack Obama's 3 and Joe Biden's 3 photos, 3 + 3 genuine pairs and 3 × 3 impostor pairs;
    // female: Eileen Collins's 3, 3 genuine pairs and no impostor pair.
    let verification = document
        .verification(&lineup::review::Slicing::by(&["gender"]), 0.6)
        .unwrap();
    assert_eq!((verification.photos, verification.people), (9, 3));
    let pairs = |name: &str| {
        let group = verification.names.iter().position(|n| n == name).unwrap();
        let rates = &verification.groups[group];
        (rates.fnmr.n, rates.fmr.n)
    };
    assert_eq!(pairs("female"), (3, 0));
    assert_eq!(pairs("male"), (6, 9));
    assert_eq!(pairs("other"), (0, 0));
    assert!(
        table.contains("1:1 verification") && table.contains("FMR"),
        "{table}"
    );
    let male_row = table
        .lines()
        .find(|l| l.starts_with("male ") && l.contains(" 9 "))
        .unwrap_or_else(|| panic!("no 1:1 row for male in:\n{table}"));
    assert!(male_row.contains(" 6 "), "{male_row}");
    assert!(
        stdout.contains("1:1 verification"),
        "evaluate shows the FMR table too:\n{stdout}"
    );

    signed_bundle_names_the_set_and_the_protocol(dir.path(), &review, &protocol);
}

/// The signed bundle of an evaluation review names the set by its hash and the protocol by its
/// seed and share, gives the `lineup evaluate` command that makes the same searches, and
/// recomputes from its evidence alone.
fn signed_bundle_names_the_set_and_the_protocol(
    dir: &Path,
    review: &Path,
    protocol: &lineup::review::EvaluationProtocol,
) {
    use lineup::assessment::bundle::{EVIDENCE_FILE, README_FILE};
    use lineup::assessment::signing::SignerKey;
    use lineup::assessment::{self, BundleOptions, ReportOptions};
    let document = lineup::review::load(review).unwrap();
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let signer = SignerKey {
        public_key: pair.pk.clone(),
    };
    let published = dir.join("published.pub");
    std::fs::write(&published, signer.file_text()).unwrap();
    let threshold = document.settings.threshold;
    let findings = assessment::labelled_findings(&document, threshold);
    let options = BundleOptions {
        out: dir.join("bundle"),
        overwrite: false,
        report: ReportOptions {
            threshold: Some(threshold),
            command: "(evaluation set test)".into(),
            ..ReportOptions::default()
        },
    };
    assessment::export(
        &document,
        review,
        findings.as_ref(),
        &options,
        &pair.sk,
        &signer,
    )
    .unwrap();
    let bundle = dir.join("bundle");
    let evidence = std::fs::read_to_string(bundle.join(EVIDENCE_FILE)).unwrap();
    assert!(evidence.contains(&protocol.set_sha256), "{evidence}");
    assert!(evidence.contains("seed: 12"), "{evidence}");
    let readme = std::fs::read_to_string(bundle.join(README_FILE)).unwrap();
    assert!(readme.contains(&protocol.set_sha256), "{readme}");
    assert!(
        readme.contains("lineup evaluate --set ")
            && readme.contains(" --enrol-share 0.6 --seed 12 "),
        "{readme}"
    );
    assert!(!readme.contains("lineup analyze"), "{readme}");
    let out = lineup(&[
        "verify",
        "--recompute",
        bundle.to_str().unwrap(),
        "--key",
        published.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn a_bad_people_row_is_refused_naming_its_line() {
    let (dir, set, people) = fixture_set();
    std::fs::write(&people, "person,skin\nBarack Obama,7\nJoe Biden,twelve\n").unwrap();
    let (out, review) = evaluate(dir.path(), &set, &people, &[]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("people.csv: line 3"), "{stderr}");
    assert!(stderr.contains("not a value of skin"), "{stderr}");
    assert!(!review.exists());
}

/// Runs `lineup evaluate` on `set` with `people` and `extra` arguments into `dir/review.ron`.
fn evaluate(dir: &Path, set: &Path, people: &Path, extra: &[&str]) -> (Output, std::path::PathBuf) {
    let review = dir.join("review.ron");
    let mut args = vec![
        "evaluate",
        "--set",
        set.to_str().unwrap(),
        "--attributes",
        people.to_str().unwrap(),
        "--out",
        review.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    (lineup(&args), review)
}

/// [`evaluate`] with the protocol most tests use (share 0.6, seed 12), which must succeed: the
/// review it wrote.
fn evaluated_as_usual(dir: &Path, set: &Path, people: &Path) -> std::path::PathBuf {
    let (out, review) = evaluate(dir, set, people, &["--enrol-share", "0.6", "--seed", "12"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    review
}

/// The opposing expert's findings on the set's layout: each of these sets is refused before any
/// photo is analysed, naming what is wrong, and no review is written.
#[test]
fn a_set_the_protocol_cannot_read_as_one_folder_per_person_is_refused() {
    let refused = |change: &dyn Fn(&Path, &Path), extra: &[&str], expected: &str| {
        let (dir, set, people) = fixture_set();
        change(&set, &people);
        let (out, review) = evaluate(dir.path(), &set, &people, extra);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "accepted; expected {expected:?}");
        assert!(stderr.contains(expected), "{stderr}\nexpected {expected:?}");
        assert!(!review.exists());
    };
    // A loose photo beside the people's folders would join a person by its file name.
    refused(
        &|set, _| {
            std::fs::copy(photo("biden.jpg"), set.join("Barack Obama_1.jpg")).unwrap();
        },
        &[],
        "Barack Obama_1.jpg: a photo outside the people's folders",
    );
    // A folder inside a person's folder is not read, so its photos would be left out unseen.
    refused(
        &|set, _| {
            let older = set.join("Joe Biden").join("older");
            std::fs::create_dir_all(&older).unwrap();
            std::fs::copy(photo("biden.jpg"), older.join("x.jpg")).unwrap();
        },
        &[],
        "older: a folder inside a person's folder",
    );
    // The same photo as two people: an impostor pair scoring 1.
    refused(
        &|set, _| {
            std::fs::copy(photo("obama.jpg"), set.join("Joe Biden").join("z.jpg")).unwrap();
        },
        &[],
        "the same photo twice",
    );
    // A folder name with a space at an end: people.csv's names are trimmed, so its row could
    // never name it (opposing expert, finding b).
    refused(
        &|set, _| {
            std::fs::rename(set.join("Joe Biden"), set.join("Joe Biden ")).unwrap();
        },
        &[],
        "Joe Biden : a person's folder whose name begins or ends with a space",
    );
    // A person people.csv does not describe would silently count as "unknown".
    refused(
        &|_, people| {
            let csv = PEOPLE_CSV.replace("Joe Biden,2,male,60+\n", "");
            std::fs::write(people, csv).unwrap();
        },
        &[],
        "no row for Joe Biden",
    );
    // A share that enrols nobody (or everybody) leaves one kind of search empty.
    refused(&|_, _| {}, &["--enrol-share", "0"], "enrols nobody");
    refused(&|_, _| {}, &["--enrol-share", "1"], "enrols everybody");
}

/// A person chosen for enrolment whose enrolment photo cannot be used is not on the watchlist:
/// their usable photos are non-mated searches (not skipped), so the all-pairs 1:1 table holds
/// them whatever the seed.
#[test]
fn a_chosen_person_who_cannot_be_enrolled_still_has_their_photos_searched() {
    let (dir, set, people) = fixture_set();
    let csv = PEOPLE_CSV.replace("Joe Biden,2,male,60+", "Joe Biden,2,male,60+,missing.jpg");
    let csv = csv.replacen(
        "person,skin,gender,age",
        "person,skin,gender,age,enrol_photo",
        1,
    );
    let csv = csv
        .lines()
        .map(|line| {
            if line.starts_with("person") || line.ends_with(".jpg") {
                line.to_string()
            } else {
                format!("{line},")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&people, csv + "\n").unwrap();
    let mut photos_in_one_to_one = Vec::new();
    // Seed 12 does not choose Joe Biden (the 4th person in the set's order); 0, 2 and 6 do.
    for seed in ["12", "0", "2", "6"] {
        let (out, review) = evaluate(
            dir.path(),
            &set,
            &people,
            &["--enrol-share", "0.6", "--seed", seed],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let document = lineup::review::load(&review).unwrap();
        let protocol = document.evaluation_protocol.clone().unwrap();
        // Only the two unusable photos (t1.jpg, grey.png) are ever skipped.
        assert_eq!(
            protocol.skipped.len(),
            2,
            "seed {seed}: {:?}",
            protocol.skipped
        );
        let biden_searches = document
            .tracks
            .iter()
            .filter(|t| t.person.as_deref() == Some("Joe Biden"))
            .count();
        assert_eq!(biden_searches, 3, "seed {seed}");
        let searches = protocol.mated_searches + protocol.non_mated_searches;
        photos_in_one_to_one.push(searches + protocol.enrolled);
    }
    assert!(
        photos_in_one_to_one.iter().all(|n| *n == 9),
        "{photos_in_one_to_one:?}"
    );
}

/// A reviewer's key pair made by `lineup keygen` in `dir`, protected by a password file: (the
/// secret key's path, the password file's path).
fn reviewer_key(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = dir.join("reviewer.key");
    let password = dir.join("password.txt");
    std::fs::write(&password, "evaluation set test\n").unwrap();
    let keygen = lineup(&[
        "keygen",
        key.to_str().unwrap(),
        "--password-file",
        password.to_str().unwrap(),
    ]);
    assert!(keygen.status.success(), "{}", text(&keygen.stderr));
    (key, password)
}

/// A signed bundle of the review in `dir/review.ron`, exported as `lineup report` does, with the
/// full review included or not: (bundle folder, key pair, published public key).
fn signed_bundle(
    dir: &Path,
    include_review: bool,
) -> (std::path::PathBuf, minisign::KeyPair, std::path::PathBuf) {
    use lineup::assessment::signing::SignerKey;
    use lineup::assessment::{self, BundleOptions, ReportOptions};
    let review = dir.join("review.ron");
    let document = lineup::review::load(&review).unwrap();
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let signer = SignerKey {
        public_key: pair.pk.clone(),
    };
    let published = dir.join("published.pub");
    std::fs::write(&published, signer.file_text()).unwrap();
    let threshold = document.settings.threshold;
    let findings = assessment::labelled_findings(&document, threshold);
    let bundle = dir.join("bundle");
    let options = BundleOptions {
        out: bundle.clone(),
        overwrite: false,
        report: ReportOptions {
            threshold: Some(threshold),
            include_review,
            command: "(evaluation set test)".into(),
            ..ReportOptions::default()
        },
    };
    assessment::export(
        &document,
        &review,
        findings.as_ref(),
        &options,
        &pair.sk,
        &signer,
    )
    .unwrap();
    (bundle, pair, published)
}

/// `bundle`'s files with `edit` made to them, written as `folder` with a new manifest signed
/// by `pair` (what the reviewer, holding the key, can do), then `lineup verify --recompute`.
fn tampered(
    bundle: &Path,
    folder: &Path,
    pair: &minisign::KeyPair,
    published: &Path,
    edit: impl FnOnce(&mut std::collections::BTreeMap<String, Vec<u8>>),
) -> Output {
    use lineup::assessment::bundle::{self, MANIFEST_FILE, SIGNATURE_FILE};
    use lineup::assessment::signing::{self, SignerKey};
    let mut files: std::collections::BTreeMap<String, Vec<u8>> = std::fs::read_dir(bundle)
        .unwrap()
        .map(|entry| entry.unwrap())
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .filter(|(name, _)| name != MANIFEST_FILE && name != SIGNATURE_FILE)
        .collect();
    edit(&mut files);
    std::fs::create_dir_all(folder).unwrap();
    for (name, bytes) in &files {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    let manifest = bundle::manifest_text(&files);
    let signer = SignerKey {
        public_key: pair.pk.clone(),
    };
    let comment = signing::trusted_comment(0, MANIFEST_FILE, &signer, true);
    let signature = signing::sign(&pair.sk, &signer, manifest.as_bytes(), &comment).unwrap();
    std::fs::write(folder.join(MANIFEST_FILE), manifest).unwrap();
    std::fs::write(folder.join(SIGNATURE_FILE), signature).unwrap();
    lineup(&[
        "verify",
        "--recompute",
        folder.to_str().unwrap(),
        "--key",
        published.to_str().unwrap(),
    ])
}

/// Adds one false match to the male group's 1:1 FMR.
fn one_more_false_match(verification: &mut Option<lineup::assessment::findings::OneToOne>) {
    let male = verification
        .as_mut()
        .expect("the 1:1 table")
        .groups
        .iter_mut()
        .find(|group| group.name == "male")
        .expect("a male group");
    male.fmr.k += 1;
    male.fmr.rate = Some(male.fmr.k as f64 / male.fmr.n as f64);
}

/// Issue #18: the signed report of an evaluation review shows the evaluation set (hash, seed,
/// share, counts, skipped photos) and the 1:1 table at the report's threshold; evidence.ron
/// carries the table, and `verify --recompute` names a 1:1 figure changed in it (against the
/// report), and one changed in both (against the embeddings of the included review).
#[test]
fn the_signed_report_of_an_evaluation_shows_the_one_to_one_table_and_recompute_checks_it() {
    use lineup::assessment::bundle::{EDITABLE_FILE, EVIDENCE_FILE, RON_FILE};
    use lineup::assessment::evidence::Evidence;
    let (dir, set, people) = fixture_set();
    let review = evaluated_as_usual(dir.path(), &set, &people);
    let mut document = lineup::review::load(&review).unwrap();
    let protocol = document.evaluation_protocol.clone().unwrap();
    document.slicing = lineup::review::Slicing::by(&["gender"]);
    lineup::review::save(&document, &review).unwrap();
    let (bundle, pair, published) = signed_bundle(dir.path(), true);

    // Opposing expert, finding (d): people not on the watchlist are passers-by of the set, and
    // the bundle names them as footage bundles name passers-by: "person N", here in their
    // photos' paths too (Joe Biden, Group and Nobody are not enrolled with seed 12).
    for file in [EVIDENCE_FILE, RON_FILE, EDITABLE_FILE, "README.txt"] {
        let text = std::fs::read_to_string(bundle.join(file)).unwrap();
        for name in ["Joe Biden", "Group/", "Nobody/"] {
            assert!(!text.contains(name), "{file} names {name}:\n{text}");
        }
        if file != "README.txt" {
            assert!(text.contains("Barack Obama"), "{file} names the watchlist");
        }
    }
    let evidence = Evidence::parse(
        EVIDENCE_FILE,
        &std::fs::read(bundle.join(EVIDENCE_FILE)).unwrap(),
    )
    .unwrap();
    let biden = evidence
        .tracks
        .iter()
        .find_map(|track| track.person.clone())
        .expect("Joe Biden's searches are of one pseudonymous person");
    assert!(
        evidence
            .analysis
            .inputs
            .iter()
            .any(|input| input.path.ends_with(format!("{biden}/biden.jpg"))),
        "his photos' paths name him as his searches do: {:?}",
        evidence.analysis.inputs
    );

    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    assert!(markdown.contains(&protocol.set_sha256), "{markdown}");
    assert!(markdown.contains("seed 12"), "{markdown}");
    assert!(markdown.contains("enrol share 60.0%"), "{markdown}");
    assert!(
        markdown.contains("2 photos skipped (1 with no face, 1 with several faces)"),
        "{markdown}"
    );
    assert!(markdown.contains("1:1 verification"), "{markdown}");
    assert!(markdown.contains("cosine similarity"), "{markdown}");
    // Male: Barack Obama's 3 and Joe Biden's 3 photos: 3 + 3 genuine pairs, 3 × 3 impostor.
    let male_row = markdown
        .lines()
        .find(|line| line.starts_with("| male | 6 |"))
        .unwrap_or_else(|| panic!("no 1:1 row for male in:\n{markdown}"));
    assert!(male_row.contains("| 9 |"), "{male_row}");
    let ok = lineup(&[
        "verify",
        "--recompute",
        bundle.to_str().unwrap(),
        "--key",
        published.to_str().unwrap(),
    ]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("The 1:1 table was recomputed from every pair"),
        "{}",
        text(&ok.stdout)
    );

    // The table changed in evidence.ron alone: the report no longer follows from it.
    let out = tampered(&bundle, &dir.path().join("a"), &pair, &published, |files| {
        let mut evidence = Evidence::parse(EVIDENCE_FILE, &files[EVIDENCE_FILE]).expect("evidence");
        one_more_false_match(&mut evidence.verification);
        files.insert(EVIDENCE_FILE.into(), evidence.to_ron().into_bytes());
    });
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
    assert!(
        stderr.contains("FMR (1:1) count of group \"male\"") && stderr.contains(EVIDENCE_FILE),
        "{stderr}"
    );

    // Taken out of evidence.ron and assessment.ron alike: evidence of an evaluation set from
    // version 4 on carries the table, so its absence is named.
    let out = tampered(&bundle, &dir.path().join("c"), &pair, &published, |files| {
        let mut evidence = Evidence::parse(EVIDENCE_FILE, &files[EVIDENCE_FILE]).expect("evidence");
        evidence.verification = None;
        files.insert(EVIDENCE_FILE.into(), evidence.to_ron().into_bytes());
        let mut report: lineup::assessment::Report =
            ron::from_str(std::str::from_utf8(&files[RON_FILE]).unwrap()).unwrap();
        report.verification = None;
        files.insert(RON_FILE.into(), report.to_ron().into_bytes());
    });
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
    assert!(
        stderr.contains("the 1:1 table of the evaluation set"),
        "{stderr}"
    );

    // Changed in evidence.ron and assessment.ron alike: only the embeddings tell.
    let out = tampered(&bundle, &dir.path().join("b"), &pair, &published, |files| {
        let mut evidence = Evidence::parse(EVIDENCE_FILE, &files[EVIDENCE_FILE]).expect("evidence");
        one_more_false_match(&mut evidence.verification);
        files.insert(EVIDENCE_FILE.into(), evidence.to_ron().into_bytes());
        let mut report: lineup::assessment::Report =
            ron::from_str(std::str::from_utf8(&files[RON_FILE]).unwrap()).unwrap();
        one_more_false_match(&mut report.verification);
        files.insert(RON_FILE.into(), report.to_ron().into_bytes());
    });
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
    assert!(
        stderr.contains("FMR (1:1) count of group \"male\"") && stderr.contains("review.ron gives"),
        "{stderr}"
    );
}

/// Issue #18: an evaluation review is sliced by the attributes people.csv gives, crossed (here
/// skin and gender, no age), so that `lineup report` on it measures groups at once; and its
/// report says its labels come from the set, not from a reviewer.
#[test]
fn an_evaluation_review_is_sliced_by_the_attributes_given_and_its_report_says_where_labels_come_from()
 {
    let (dir, set, people) = fixture_set();
    std::fs::write(
        &people,
        "person,skin,gender\nBarack Obama,7,male\nJoe Biden,2,male\n\
         Eileen Collins,2,female\nGroup,,\nNobody,,\n",
    )
    .unwrap();
    let review = evaluated_as_usual(dir.path(), &set, &people);
    let document = lineup::review::load(&review).unwrap();
    assert_eq!(
        document.slicing,
        lineup::review::Slicing::by(&["skin", "gender"])
    );

    let (key, password) = reviewer_key(dir.path());
    let bundle = dir.path().join("bundle");
    let report = lineup(&[
        "report",
        review.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--password-file",
        password.to_str().unwrap(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert!(report.status.success(), "{}", text(&report.stderr));
    let markdown = std::fs::read_to_string(bundle.join("assessment.md")).unwrap();
    for group in [
        "| Monk 7–10 × male |",
        "| Monk 1–3 × male |",
        "| Monk 1–3 × female |",
    ] {
        assert!(markdown.contains(group), "no row {group} in:\n{markdown}");
    }
    assert!(!markdown.contains("labelled by the reviewer"), "{markdown}");
    assert!(
        markdown.contains("labelled from the evaluation set's folders"),
        "{markdown}"
    );
    assert!(!markdown.contains("a search is a face track"), "{markdown}");
}

/// Opposing expert, finding (a): people whose attribute is unknown are no group. Their
/// impostor pairs are not same-group pairs (they may be of any groups), so the 1:1 table
/// reports them as unknown, with no FMR to read as a group's; their genuine pairs (two photos
/// of one person) still give FNMR.
#[test]
fn people_of_unknown_group_are_reported_as_unknown_in_the_one_to_one_table() {
    let (dir, set, people) = fixture_set();
    std::fs::write(
        &people,
        "person,skin\nBarack Obama,7\nJoe Biden,\nEileen Collins,\nGroup,\nNobody,\n",
    )
    .unwrap();
    let review = evaluated_as_usual(dir.path(), &set, &people);
    let document = lineup::review::load(&review).unwrap();
    let verification = document
        .verification(&lineup::review::Slicing::by(&["skin"]), 0.6)
        .unwrap();
    let unknown = verification
        .names
        .iter()
        .position(|name| name == "skin unknown")
        .unwrap();
    assert!(verification.unknown[unknown]);
    let rates = &verification.groups[unknown];
    // Joe Biden's and Eileen Collins's three photos each: 3 + 3 genuine pairs.
    assert_eq!(rates.fnmr.n, 6);
    assert_eq!(
        (rates.fmr.n, rates.fmr.rate),
        (0, None),
        "no same-group FMR"
    );
    let table = lineup::assessment::wording::verification_table(&verification);
    let row = table
        .lines()
        .find(|line| line.starts_with("skin unknown"))
        .unwrap_or_else(|| panic!("no row for skin unknown in:\n{table}"));
    assert!(row.contains("not a group"), "{row}");
}

/// The fixture set with its people not enrolled under names found nowhere else (Joe Biden as
/// Zebulon Quark, Group as Ysolde Marrow, Nobody as Wilbur Sprocket), and an unreadable file in
/// Zebulon Quark's folder: (folder, set, people.csv). Seed 12 with a share of 0.6 chooses
/// Barack Obama, Eileen Collins and Wilbur Sprocket, who has no usable photo to enrol.
fn set_with_hidden_people() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let (dir, set, people) = fixture_set();
    let mut csv = PEOPLE_CSV.to_string();
    for (real, hidden) in HIDDEN_PEOPLE {
        std::fs::rename(set.join(real), set.join(hidden)).unwrap();
        csv = csv.replace(&format!("{real},"), &format!("{hidden},"));
    }
    std::fs::write(set.join("Zebulon Quark").join("broken.jpg"), "not a photo").unwrap();
    // Barack Obama is enrolled by the photo people.csv names, Eileen Collins by her first.
    let csv: String = csv
        .lines()
        .map(|line| match line {
            "person,skin,gender,age" => format!("{line},enrol_photo\n"),
            _ if line.starts_with("Barack Obama,") => format!("{line},obama2.jpg\n"),
            _ => format!("{line},\n"),
        })
        .collect();
    std::fs::write(&people, csv).unwrap();
    (dir, set, people)
}

const HIDDEN_PEOPLE: [(&str, &str); 3] = [
    ("Joe Biden", "Zebulon Quark"),
    ("Group", "Ysolde Marrow"),
    ("Nobody", "Wilbur Sprocket"),
];

/// Opposing expert P, finding 3: no name of a person not on the watchlist anywhere in the
/// bundle, not in input statuses, skip reasons or enrolment warnings quoting a path or a name.
#[test]
fn a_bundle_names_nobody_who_is_not_on_the_watchlist() {
    use lineup::assessment::bundle::PDF_FILE;
    let (dir, set, people) = set_with_hidden_people();
    let review = evaluated_as_usual(dir.path(), &set, &people);
    let document = lineup::review::load(&review).unwrap();
    assert_eq!(document.watchlist.identities.len(), 2);
    let (bundle, _, _) = signed_bundle(dir.path(), false);
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&bundle).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue;
        }
        let content = if path.file_name().is_some_and(|n| n == PDF_FILE) {
            let out = Command::new("pdftotext")
                .args([path.to_str().unwrap(), "-"])
                .output()
                .unwrap();
            text(&out.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            text(&std::fs::read(&path).unwrap())
        };
        texts.push((path, content));
    }
    assert!(
        texts.iter().any(|(_, t)| t.contains("broken.jpg")),
        "the unreadable file is reported"
    );
    // Opposing expert P, finding 8: how each was enrolled, and why photos were skipped.
    let protocol = document.evaluation_protocol.as_ref().unwrap();
    assert_eq!(protocol.enrolled_by_named_photo, Some(1));
    let markdown = &texts
        .iter()
        .find(|(path, _)| path.ends_with(lineup::assessment::bundle::EDITABLE_FILE))
        .unwrap()
        .1;
    for said in [
        "1 by the photo people.csv names (enrol_photo), 1 by their first usable photo",
        "3 photos skipped (1 unreadable, 1 with no face, 1 with several faces)",
    ] {
        assert!(markdown.contains(said), "{said:?} not in:\n{markdown}");
    }
    for (path, content) in &texts {
        for (_, hidden) in HIDDEN_PEOPLE {
            let surname = hidden.split(' ').nth(1).unwrap();
            assert!(
                !content.contains(surname),
                "{} names {hidden}:\n{}",
                path.display(),
                content
                    .lines()
                    .filter(|l| l.contains(surname))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

/// Opposing expert P, finding 4: a person on the watchlist whose folder is named like a
/// pseudonym ("person 1") is never confused with a person not on it: no pseudonym equals a
/// watchlist name, and two people never share one.
#[test]
fn a_pseudonym_never_equals_a_watchlist_name() {
    let (dir, set, people) = fixture_set();
    std::fs::rename(set.join("Barack Obama"), set.join("person 1")).unwrap();
    std::fs::write(&people, PEOPLE_CSV.replace("Barack Obama,", "person 1,")).unwrap();
    // In the set's order "person 1" is the 5th person and Joe Biden the 4th: a seed enrolling
    // the first and not the second.
    let seed = (0..100)
        .find(|&seed| {
            let chosen = lineup::analysis::evaluation_set::choose_enrolled(5, 0.6, seed);
            chosen.contains(&4) && !chosen.contains(&3)
        })
        .unwrap()
        .to_string();
    let (out, review) = evaluate(
        dir.path(),
        &set,
        &people,
        &["--enrol-share", "0.6", "--seed", &seed],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let document = lineup::review::load(&review).unwrap();
    assert!(document.identity_by_name("person 1").is_some());
    let evidence =
        lineup::assessment::evidence::Evidence::of(&document, document.settings.threshold);
    let folder = |path: &Path| {
        path.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut shown_as: std::collections::HashMap<String, String> = Default::default();
    for (input, shown) in document.inputs.iter().zip(&evidence.analysis.inputs) {
        let (real, shown) = (folder(&input.path), folder(&shown.path));
        if document.identity_by_name(&real).is_none() {
            assert!(
                document.identity_by_name(&shown).is_none(),
                "{real} is shown as {shown}, a watchlist name"
            );
        }
        let previous = shown_as.insert(shown.clone(), real.clone());
        assert!(
            previous.as_ref().is_none_or(|previous| *previous == real),
            "{real} and {previous:?} are both shown as {shown}"
        );
    }
    for track in &evidence.tracks {
        if let Some(person) = &track.person {
            assert!(document.identity_by_name(person).is_none(), "{person}");
        }
    }
}

/// Opposing expert P, finding 9: a person's folder holding only a folder, and a file in a
/// person's folder that evaluate does not read (a .heic photo, a note), are refused naming them,
/// never left out unseen.
#[test]
fn a_file_or_folder_evaluate_would_not_read_is_refused() {
    let refused = |change: &dyn Fn(&Path), expected: &str| {
        let (dir, set, people) = fixture_set();
        change(&set);
        let (out, review) = evaluate(dir.path(), &set, &people, &[]);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "accepted; expected {expected:?}");
        assert!(stderr.contains(expected), "{stderr}\nexpected {expected:?}");
        assert!(!review.exists());
    };
    refused(
        &|set| {
            let sub = set.join("Barack Obama").join("sub");
            std::fs::create_dir_all(&sub).unwrap();
            for file in ["obama.jpg", "obama2.jpg", "obama3.jpg"] {
                std::fs::rename(set.join("Barack Obama").join(file), sub.join(file)).unwrap();
            }
        },
        "sub: a folder inside a person's folder",
    );
    refused(
        &|set| std::fs::create_dir(set.join("Zoe")).unwrap(),
        "Zoe: a person's folder with no photo in it",
    );
    refused(
        &|set| std::fs::write(set.join("Joe Biden").join("extra.heic"), b"x").unwrap(),
        "extra.heic: a file evaluate does not read",
    );
    refused(
        &|set| std::fs::write(set.join("Joe Biden").join("notes.txt"), b"x").unwrap(),
        "notes.txt: a file evaluate does not read",
    );
}

/// Opposing expert P, finding 7: Joe Biden's photo under another name with one byte added gets
/// past the byte-for-byte guard, but is flagged as a near-duplicate: printed by evaluate,
/// recorded in the protocol and said next to the report's 1:1 table.
#[test]
fn a_photo_under_two_names_is_flagged_as_a_near_duplicate() {
    use lineup::assessment::bundle::EDITABLE_FILE;
    let (dir, set, people) = fixture_set();
    let frank = set.join("Frank");
    std::fs::create_dir_all(&frank).unwrap();
    let mut bytes = std::fs::read(photo("biden.jpg")).unwrap();
    bytes.push(0);
    std::fs::write(frank.join("f1.jpg"), bytes).unwrap();
    std::fs::write(&people, format!("{PEOPLE_CSV}Frank,2,male,60+\n")).unwrap();
    let (out, review) = evaluate(
        dir.path(),
        &set,
        &people,
        &["--enrol-share", "0.5", "--seed", "12"],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("likely the same photo under two names") && stderr.contains("f1.jpg"),
        "{stderr}"
    );
    let document = lineup::review::load(&review).unwrap();
    let protocol = document.evaluation_protocol.clone().unwrap();
    let pairs: Vec<(String, String)> = protocol
        .near_duplicates
        .iter()
        .map(|p| {
            (
                p.first.display().to_string(),
                p.second.display().to_string(),
            )
        })
        .collect();
    // Joe Biden's augmented copies are the same photo too, flipped or brightened.
    let expected: Vec<(String, String)> =
        ["biden.jpg", "biden_aug_bright.png", "biden_aug_flip.png"]
            .iter()
            .map(|file| ("Frank/f1.jpg".to_string(), format!("Joe Biden/{file}")))
            .collect();
    assert_eq!(pairs, expected, "{:?}", protocol.near_duplicates);
    assert!(protocol.near_duplicates[0].score > 0.99);
    let (bundle, _, _) = signed_bundle(dir.path(), false);
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    assert!(
        markdown.contains("3 impostor pairs of photos of different people score at least 0.9 "),
        "{markdown}"
    );
}

/// Runs the protocol of the other tests (share 0.6, seed 12) on the fixture set: (folder, the
/// review, a second run of the same command, as an opposing expert re-runs it).
fn evaluated_twice() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let (dir, set, people) = fixture_set();
    let review = evaluated_as_usual(dir.path(), &set, &people);
    let rerun = dir.path().join("rerun.ron");
    let again = lineup(&[
        "evaluate",
        "--set",
        set.to_str().unwrap(),
        "--attributes",
        people.to_str().unwrap(),
        "--enrol-share",
        "0.6",
        "--seed",
        "12",
        "--out",
        rerun.to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    (dir, review, rerun)
}

/// `document` saved in `dir/NAME/review.ron` and exported there as a signed bundle, then
/// `lineup verify --recompute BUNDLE --against RERUN`: (its output, assessment.md).
fn signed_and_checked_against(
    dir: &Path,
    name: &str,
    document: &lineup::review::ReviewDocument,
    rerun: &Path,
) -> (Output, String) {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    lineup::review::save(document, &folder.join("review.ron")).unwrap();
    let (bundle, _pair, published) = signed_bundle(&folder, false);
    let markdown = std::fs::read_to_string(bundle.join("assessment.md")).unwrap();
    let out = lineup(&[
        "verify",
        "--recompute",
        bundle.to_str().unwrap(),
        "--key",
        published.to_str().unwrap(),
        "--against",
        rerun.to_str().unwrap(),
    ]);
    (out, markdown)
}

/// Opposing expert P, finding 1: a label changed after `lineup evaluate` (here one of Joe
/// Biden's searches relabelled as Barack Obama, as `labels import` does) is not signed as
/// "labelled by lineup evaluate, not by a reviewer": the report says how many searches'
/// labels were changed, and the counts as labelled beside the protocol's. Checked against a
/// re-run, the bundle passes only because it says so.
#[test]
fn labels_changed_after_evaluate_are_reported_and_a_rerun_checks_them() {
    let (dir, review, rerun) = evaluated_twice();
    let original = lineup::review::load(&review).unwrap();

    let (out, markdown) = signed_and_checked_against(dir.path(), "same", &original, &rerun);
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        markdown.contains("by lineup evaluate, not by a reviewer"),
        "{markdown}"
    );

    let mut relabelled = original.clone();
    let obama = relabelled.identity_by_name("Barack Obama").unwrap();
    let biden = relabelled
        .tracks
        .iter_mut()
        .find(|track| track.person.as_deref() == Some("Joe Biden"))
        .unwrap();
    biden.label = GroundTruth::OnWatchlist(obama);
    biden.person = None;
    let (out, markdown) = signed_and_checked_against(dir.path(), "changed", &relabelled, &rerun);
    assert!(
        !markdown.contains("not by a reviewer"),
        "a changed label signed as evaluate's:\n{markdown}"
    );
    assert!(
        markdown.contains(
            "The labels of 1 search were changed after lineup evaluate (by a reviewer or by \
             editing the review)"
        ),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "the 4 mated searches and 3 non-mated searches above are as lineup evaluate made them"
        ) && markdown.contains("there are 5 mated searches and 2 non-mated searches"),
        "{markdown}"
    );
    assert!(
        out.status.success(),
        "the report says the labels were changed, and the protocol's record is the re-run's:\n{}",
        text(&out.stderr)
    );
}

/// Opposing expert P, finding 1: a label changed after `lineup evaluate` with the protocol's
/// record of evaluate's labels changed to match (and an identity's attributes with it), so
/// that the report claims evaluate's labels, is named by `verify --against` a re-run.
#[test]
fn a_changed_label_hidden_from_the_report_is_named_against_a_rerun() {
    let (dir, review, rerun) = evaluated_twice();
    let mut document = lineup::review::load(&review).unwrap();
    let obama = document.identity_by_name("Barack Obama").unwrap();
    let biden = document
        .tracks
        .iter_mut()
        .find(|track| track.person.as_deref() == Some("Joe Biden"))
        .unwrap();
    biden.label = GroundTruth::OnWatchlist(obama);
    biden.person = None;
    let relabelled = biden.id;
    document
        .identity_attributes
        .get_mut("Eileen Collins")
        .unwrap()
        .insert("gender".into(), "male".into());
    let labels = document.search_labels();
    let protocol = document.evaluation_protocol.as_mut().unwrap();
    protocol.labels = labels;
    protocol.identity_attributes = document.identity_attributes.clone();
    // The forger keeps the protocol's counts in step with the labels it now records (verify
    // checks the one against the other), so only a re-run can tell.
    protocol.mated_searches += 1;
    protocol.non_mated_searches -= 1;
    let (out, markdown) = signed_and_checked_against(dir.path(), "hidden", &document, &rerun);
    assert!(markdown.contains("not by a reviewer"), "{markdown}");
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
    assert!(
        stderr.contains(&format!("the label of track {relabelled}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("on the watchlist as Barack Obama"),
        "{stderr}"
    );
    assert!(stderr.contains("Eileen Collins"), "{stderr}");
}

/// Opposing expert P, finding 2: one search's embedding negated in the review (its stored
/// match score left as it was) and the bundle signed again: the 1:1 table it signs follows
/// from no photo. `verify --against` a re-run recomputes the table from the re-run's
/// embeddings and names the figures that differ.
#[test]
fn a_one_to_one_table_that_the_photos_do_not_give_is_named_against_a_rerun() {
    let (dir, review, rerun) = evaluated_twice();
    let mut document = lineup::review::load(&review).unwrap();
    let collins = document.identity_by_name("Eileen Collins").unwrap();
    let track = document
        .tracks
        .iter()
        .find(|track| track.label == GroundTruth::OnWatchlist(collins))
        .unwrap();
    let face = track.detections[0].index();
    let embedding = &mut document.detections[face].embedding.0;
    for value in embedding.iter_mut() {
        *value = -*value;
    }
    let (out, markdown) = signed_and_checked_against(dir.path(), "negated", &document, &rerun);
    assert!(markdown.contains("1:1 verification"), "{markdown}");
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
    assert!(stderr.contains("FNMR (1:1)"), "{stderr}");
}

/// Opposing expert P, finding 6: an evaluation cancelled before every photo was reached (here
/// at once) names no set (its photos not reached have no hash) and no protocol: its photos
/// are "not reached", not unusable, nobody is said to lack a usable photo, and lineup refuses
/// to sign it; a bundle of one, signed without lineup's export, is refused by `verify`.
#[test]
fn a_cancelled_evaluation_is_not_signed_and_says_its_photos_were_not_reached() {
    use lineup::analysis::evaluation_set::{self, EvaluationRequest};
    use lineup::assessment::bundle::{EVIDENCE_FILE, RON_FILE};
    use lineup::assessment::evidence::Evidence;
    let (dir, set, people) = fixture_set();
    let request = EvaluationRequest {
        set: set.clone(),
        attributes: Some(people.clone()),
        enrol_share: 0.6,
        seed: 12,
        threshold: 0.6,
        top_k: 5,
        vision: lineup::vision::VisionConfig::default(),
        recognizer: None,
    };
    let cancelled = std::sync::atomic::AtomicBool::new(true);
    let document = evaluation_set::run(&request, &mut |_| {}, &cancelled).unwrap();
    assert!(!document.complete);
    let warnings = document.warnings.join("\n");
    assert!(!warnings.contains("no usable photo"), "{warnings}");
    assert!(
        warnings.contains("not all reached before the run was cancelled"),
        "{warnings}"
    );
    let review = dir.path().join("cancelled.ron");
    lineup::review::save(&document, &review).unwrap();
    let (key, password) = reviewer_key(dir.path());
    let report = lineup(&[
        "report",
        review.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--password-file",
        password.to_str().unwrap(),
        "--out",
        dir.path().join("refused").to_str().unwrap(),
    ]);
    let stderr = text(&report.stderr);
    assert!(!report.status.success(), "signed: {}", text(&report.stdout));
    assert!(
        stderr.contains("the evaluation was cancelled: run lineup evaluate to the end"),
        "{stderr}"
    );

    // A finished run's bundle made to say it was cancelled, and signed again by hand.
    let (out, _) = evaluate(
        dir.path(),
        &set,
        &people,
        &["--enrol-share", "0.6", "--seed", "12"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (bundle, pair, published) = signed_bundle(dir.path(), false);
    let out = tampered(&bundle, &dir.path().join("t"), &pair, &published, |files| {
        let mut evidence = Evidence::parse(EVIDENCE_FILE, &files[EVIDENCE_FILE]).expect("evidence");
        evidence.analysis.complete = false;
        files.insert(EVIDENCE_FILE.into(), evidence.to_ron().into_bytes());
        let mut report: lineup::assessment::Report =
            ron::from_str(std::str::from_utf8(&files[RON_FILE]).unwrap()).unwrap();
        report.data.analysis_complete = false;
        files.insert(RON_FILE.into(), report.to_ron().into_bytes());
    });
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
    assert!(stderr.contains("the evaluation was cancelled"), "{stderr}");
}

/// Issue #20: `lineup evaluate --recognizer dlib` runs the protocol with dlib's ResNet-29: the
/// review records dlib, every candidate's score is dlib's Euclidean distance (stored negated)
/// of the search's and the enrolment photo's embeddings, an alert is a distance at or below the
/// threshold (dlib's default 0.6), the 1:1 table counts pairs by distance and says so, and the
/// signed bundle's re-run command names dlib with the threshold on its own scale, recomputes,
/// and names a dlib score changed in it.
#[test]
fn an_evaluation_with_dlib_scores_by_distance_and_alerts_by_the_distance_rule() {
    use lineup::assessment::bundle::{EDITABLE_FILE, EVIDENCE_FILE, README_FILE};
    use lineup::assessment::evidence::Evidence;
    use lineup::vision::ModelRole;
    use lineup::vision::manifest::Metric;
    let (dir, set, people) = fixture_set();
    let (out, review) = evaluate(
        dir.path(),
        &set,
        &people,
        &[
            "--recognizer",
            "dlib",
            "--enrol-share",
            "0.6",
            "--seed",
            "12",
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let document = lineup::review::load(&review).unwrap();
    let dlib = lineup::vision::runtime::model_spec(ModelRole::SecondRecognizer);
    assert_eq!(document.recognizer().unwrap().sha256, dlib.sha256);
    assert_eq!(document.score_metric(), Metric::Euclidean);
    assert_eq!(document.settings.threshold, -0.6, "dlib's 0.6, negated");
    let protocol = document.evaluation_protocol.clone().unwrap();
    assert_eq!(
        (protocol.mated_searches, protocol.non_mated_searches),
        (4, 3),
        "the same searches as with MobileFaceNet"
    );
    let (mut alerts, mut quiet) = (0, 0);
    for detection in &document.detections {
        let best = detection.candidates[0];
        let enrolled = &document.watchlist.identities[best.identity.index()].photos[0].embedding;
        let distance = detection.embedding.distance(enrolled);
        assert_eq!(best.score, -distance, "a score is the negated distance");
        assert!(distance > 0.0);
        let alert = lineup::matching::is_alert(&detection.candidates, document.settings.threshold);
        assert_eq!(alert, distance <= 0.6, "distance {distance}");
        if alert { alerts += 1 } else { quiet += 1 }
    }
    assert!(alerts > 0 && quiet > 0, "{alerts} alerts, {quiet} not");
    // The 1:1 table by distance: Barack Obama's three photos are genuine pairs well within 0.6.
    let verification = document
        .verification(&lineup::review::Slicing::by(&["gender"]), -0.6)
        .unwrap();
    let male = verification.names.iter().position(|n| n == "male").unwrap();
    assert_eq!(verification.groups[male].fnmr.n, 6);
    assert_eq!(
        verification.groups[male].fnmr.k, 0,
        "{:?}",
        verification.groups
    );
    // Barack Obama against Joe Biden: far apart by distance, though every cosine is above -0.6.
    assert_eq!(
        (
            verification.groups[male].fmr.k,
            verification.groups[male].fmr.n
        ),
        (0, 9),
        "{:?}",
        verification.groups
    );
    assert!(
        stdout.contains("Euclidean distance") && stdout.contains("at or below"),
        "{stdout}"
    );
    assert!(!stdout.contains("threshold -0.6"), "{stdout}");

    let (bundle, pair, published) = signed_bundle(dir.path(), false);
    let readme = std::fs::read_to_string(bundle.join(README_FILE)).unwrap();
    assert!(
        readme.contains("lineup evaluate --set ")
            && readme.contains(" --recognizer dlib_resnet29 ")
            && readme.contains(" --threshold 0.6 "),
        "{readme}"
    );
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    let heading = markdown
        .lines()
        .find(|line| line.contains("1:1 verification at threshold"))
        .unwrap_or_else(|| panic!("no 1:1 heading in:\n{markdown}"));
    assert!(
        heading.contains("0.6000 of the Euclidean distance") && !heading.contains("cosine"),
        "{heading}"
    );
    assert!(
        markdown.contains("A pair matches at or below the threshold"),
        "{markdown}"
    );
    let ok = lineup(&[
        "verify",
        "--recompute",
        bundle.to_str().unwrap(),
        "--key",
        published.to_str().unwrap(),
    ]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));

    // A mated search's alert turned into a miss by a distance of 0.9 in evidence.ron alone.
    let out = tampered(&bundle, &dir.path().join("t"), &pair, &published, |files| {
        let mut evidence = Evidence::parse(EVIDENCE_FILE, &files[EVIDENCE_FILE]).expect("evidence");
        let face = evidence
            .faces
            .iter_mut()
            .find(|face| face.rank_one.is_some_and(|c| c.score >= -0.6))
            .expect("an alert");
        if let Some(candidate) = &mut face.rank_one {
            candidate.score = -0.9;
        }
        files.insert(EVIDENCE_FILE.into(), evidence.to_ron().into_bytes());
    });
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "accepted: {}", text(&out.stdout));
    assert!(
        stderr.contains("FNIR count of all groups together") && stderr.contains("recomputed 1"),
        "{stderr}"
    );
}

/// Issue #20: a threshold given to `evaluate --recognizer` is on that recognizer's own scale,
/// checked as `analyze --recognizer` checks it: 0.5 is dlib's distance 0.5, a negative distance
/// is refused as analyze refuses it, and so is a cosine beyond 1 for MobileFaceNet.
#[test]
fn an_evaluation_threshold_is_on_the_recognizers_own_scale_as_analyze_reads_it() {
    let (dir, set, people) = fixture_set();
    let (out, review) = evaluate(
        dir.path(),
        &set,
        &people,
        &["--recognizer", "dlib", "--threshold", "0.5"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let document = lineup::review::load(&review).unwrap();
    assert_eq!(document.settings.threshold, -0.5, "distance 0.5");
    std::fs::remove_file(&review).unwrap();
    for (recognizer, threshold, says) in [
        (
            "dlib",
            "-0.5",
            "the range of a Euclidean distance (0 or more)",
        ),
        (
            "mobilefacenet",
            "1.5",
            "-1 to 1, the range of cosine similarity",
        ),
    ] {
        let (out, review) = evaluate(
            dir.path(),
            &set,
            &people,
            &["--recognizer", recognizer, "--threshold", threshold],
        );
        let stderr = text(&out.stderr);
        assert!(
            !out.status.success(),
            "accepted {threshold} for {recognizer}"
        );
        assert!(
            stderr.contains(&format!("--threshold {threshold} is outside {says}")),
            "{stderr}"
        );
        assert!(!review.exists());
    }
}

/// Issue #20: under dlib a photo under two names is found by dlib's own distance, at or below
/// the bound measured for dlib, and the report says so in distances.
#[test]
fn a_photo_under_two_names_is_a_near_duplicate_under_dlib_too() {
    use lineup::assessment::bundle::EDITABLE_FILE;
    let (dir, set, people) = fixture_set();
    let frank = set.join("Frank");
    std::fs::create_dir_all(&frank).unwrap();
    let mut bytes = std::fs::read(photo("biden.jpg")).unwrap();
    bytes.push(0);
    std::fs::write(frank.join("f1.jpg"), bytes).unwrap();
    std::fs::write(&people, format!("{PEOPLE_CSV}Frank,2,male,60+\n")).unwrap();
    let (out, review) = evaluate(
        dir.path(),
        &set,
        &people,
        &[
            "--recognizer",
            "dlib",
            "--enrol-share",
            "0.5",
            "--seed",
            "12",
        ],
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("likely the same photo under two names") && stderr.contains("f1.jpg"),
        "{stderr}"
    );
    let document = lineup::review::load(&review).unwrap();
    let protocol = document.evaluation_protocol.clone().unwrap();
    let pair = protocol
        .near_duplicates
        .iter()
        .find(|p| p.second.ends_with("Joe Biden/biden.jpg"))
        .unwrap_or_else(|| panic!("{:?}", protocol.near_duplicates));
    assert_eq!(pair.first, Path::new("Frank/f1.jpg"));
    assert!(
        pair.score <= 0.0 && pair.score > -0.05,
        "a distance near 0: {}",
        pair.score
    );
    let bound = protocol.near_duplicate_bound.expect("a bound for dlib");
    assert!(bound < 0.0, "a negated distance: {bound}");
    assert!(
        protocol
            .near_duplicates
            .iter()
            .all(|p| p.score >= bound && !p.first.starts_with("Barack Obama")),
        "{:?}",
        protocol.near_duplicates
    );
    let (bundle, _, _) = signed_bundle(dir.path(), false);
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    let note = markdown
        .lines()
        .find(|line| line.starts_with("Warning:") && line.contains("impostor pair"))
        .unwrap_or_else(|| panic!("no near-duplicate note in:\n{markdown}"));
    assert!(
        note.contains(&format!("Euclidean distance at or below {:.2}", -bound))
            && !note.contains("cosine"),
        "{note}"
    );
}

/// The fixture set with Frank, whose one photo is Joe Biden's with a byte added (a copy under
/// another name), evaluated with `recognizer` (share 0.5, seed 12) into `dir/review.ron`, and a
/// second run of the same command as `dir/rerun.ron`, as an opposing expert re-runs it.
fn evaluated_with_a_copy_twice(
    recognizer: &str,
) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let (dir, set, people) = fixture_set();
    let frank = set.join("Frank");
    std::fs::create_dir_all(&frank).unwrap();
    let mut bytes = std::fs::read(photo("biden.jpg")).unwrap();
    bytes.push(0);
    std::fs::write(frank.join("f1.jpg"), bytes).unwrap();
    std::fs::write(&people, format!("{PEOPLE_CSV}Frank,2,male,60+\n")).unwrap();
    let args = [
        "--recognizer",
        recognizer,
        "--enrol-share",
        "0.5",
        "--seed",
        "12",
    ];
    let (out, review) = evaluate(dir.path(), &set, &people, &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rerun = dir.path().join("rerun.ron");
    let mut again = vec![
        "evaluate",
        "--set",
        set.to_str().unwrap(),
        "--attributes",
        people.to_str().unwrap(),
        "--out",
        rerun.to_str().unwrap(),
    ];
    again.extend_from_slice(&args);
    let again = lineup(&again);
    assert!(again.status.success(), "{}", text(&again.stderr));
    (dir, review, rerun)
}

/// `review`'s text with `edit` made to it, saved as `dir/NAME/review.ron` beside its sidecar:
/// what `lineup review::load` then makes of it.
fn edited_text(
    dir: &Path,
    name: &str,
    review: &Path,
    edit: impl FnOnce(&str) -> String,
) -> Result<lineup::review::ReviewDocument, lineup::review::ReviewError> {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    let saved = folder.join("review.ron");
    lineup::review::save(&lineup::review::load(review).unwrap(), &saved).unwrap();
    let text = std::fs::read_to_string(&saved).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(&saved, edited).unwrap();
    lineup::review::load(&saved)
}

/// Opposing expert xd, finding 3: an evaluation's near-duplicate bound is the recognizer's own.
/// Left out of a dlib review it is damage (MobileFaceNet's cosine 0.95, the default of older
/// reviews, would read as a distance of -0.95 and flag nothing); so is one that is not the
/// bound lineup's manifest states for dlib, or none where it states one. Left out of a
/// MobileFaceNet review it is the 0.95 of older reviews.
#[test]
fn a_near_duplicate_bound_that_is_not_the_recognizers_is_refused_at_load() {
    let (dir, set, people) = fixture_set();
    let (out, review) = evaluate(
        dir.path(),
        &set,
        &people,
        &[
            "--recognizer",
            "dlib",
            "--enrol-share",
            "0.6",
            "--seed",
            "12",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let recorded = lineup::review::load(&review)
        .unwrap()
        .evaluation_protocol
        .unwrap()
        .near_duplicate_bound
        .expect("dlib's manifest states a bound");
    let line = format!("near_duplicate_bound: Some({recorded:?}),");
    // (name, what replaces the recorded bound's line, what the refusal says)
    let cases = [
        ("deleted", "", "records no near_duplicate_bound"),
        (
            "none",
            "near_duplicate_bound: None,",
            "near_duplicate_bound (none) is not the bound",
        ),
        (
            "wider",
            "near_duplicate_bound: Some(-0.89),",
            "near_duplicate_bound (0.89) is not the bound",
        ),
    ];
    for (name, replacement, expected) in cases {
        let error = edited_text(dir.path(), name, &review, |text| {
            text.replace(&line, replacement)
        })
        .map(|_| ())
        .expect_err(name)
        .to_string();
        assert!(
            error.contains("damaged") && error.contains(expected),
            "{name}: {error}"
        );
    }
    // The 0.95 default stays only for MobileFaceNet's reviews.
    let folder = dir.path().join("mobilefacenet");
    std::fs::create_dir_all(&folder).unwrap();
    let review = evaluated_as_usual(&folder, &set, &people);
    let recorded = lineup::review::load(&review)
        .unwrap()
        .evaluation_protocol
        .unwrap()
        .near_duplicate_bound;
    let line = format!("near_duplicate_bound: {recorded:?},");
    let older = edited_text(dir.path(), "older", &review, |text| text.replace(&line, ""))
        .expect("an older MobileFaceNet review loads");
    assert_eq!(
        older.evaluation_protocol.unwrap().near_duplicate_bound,
        Some(0.95)
    );
}

/// `document` saved as `dir/NAME/review.ron` and exported there as a signed bundle (with the
/// review or not), then `lineup verify --recompute`, `--against` `rerun` where given.
fn signed_and_recomputed(
    dir: &Path,
    name: &str,
    document: &lineup::review::ReviewDocument,
    include_review: bool,
    rerun: Option<&Path>,
) -> Output {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    lineup::review::save(document, &folder.join("review.ron")).unwrap();
    let (bundle, _pair, published) = signed_bundle(&folder, include_review);
    let mut args = vec![
        "verify",
        "--recompute",
        bundle.to_str().unwrap(),
        "--key",
        published.to_str().unwrap(),
    ];
    if let Some(rerun) = rerun {
        args.extend_from_slice(&["--against", rerun.to_str().unwrap()]);
    }
    lineup(&args)
}

/// Opposing expert xd, finding 3: an evaluation's near-duplicate list emptied before it is
/// signed hides the photo under two names from the 1:1 section. `verify --recompute` of a
/// bundle that includes the review re-derives the pairs from the photos' embeddings and names
/// each one dropped; `--against` a genuine re-run names them from the re-run's list. The genuine
/// review passes both.
#[test]
fn a_near_duplicate_list_emptied_before_signing_is_named_by_recompute() {
    let (dir, review, rerun) = evaluated_with_a_copy_twice("mobilefacenet");
    let genuine = lineup::review::load(&review).unwrap();
    let listed = &genuine
        .evaluation_protocol
        .as_ref()
        .unwrap()
        .near_duplicates;
    assert!(
        listed.iter().any(|p| p.first.ends_with("Frank/f1.jpg")),
        "{listed:?}"
    );
    let out = signed_and_recomputed(dir.path(), "genuine", &genuine, true, Some(&rerun));
    assert!(out.status.success(), "{}", text(&out.stderr));

    let mut emptied = genuine.clone();
    emptied
        .evaluation_protocol
        .as_mut()
        .unwrap()
        .near_duplicates
        .clear();
    for (name, include_review, against) in [
        ("with-review", true, None),
        ("against-rerun", false, Some(rerun.as_path())),
    ] {
        let out = signed_and_recomputed(dir.path(), name, &emptied, include_review, against);
        let stderr = text(&out.stderr);
        assert!(
            !out.status.success(),
            "{name}: accepted: {}",
            text(&out.stdout)
        );
        assert!(
            // Without the review, people not on the watchlist are named by pseudonym.
            stderr.contains("near-duplicate pair")
                && stderr.contains("/f1.jpg and ")
                && stderr.contains("/biden.jpg (the"),
            "{name}: {stderr}"
        );
    }
}

/// Opposing expert xd, finding 7: a reviewer's own model's near-duplicate bound is their spec's
/// statement, not lineup's measurement: `lineup evaluate` and the signed report say the pairs
/// were found "by the bound the reviewer's spec states".
#[test]
fn a_reviewers_near_duplicate_bound_is_said_to_be_their_specs() {
    use lineup::assessment::bundle::EDITABLE_FILE;
    use lineup::vision::ModelRole;
    use lineup::vision::runtime::{locate_verified_model, model_spec};
    let (dir, set, people) = fixture_set();
    let frank = set.join("Frank");
    std::fs::create_dir_all(&frank).unwrap();
    let mut bytes = std::fs::read(photo("biden.jpg")).unwrap();
    bytes.push(0);
    std::fs::write(frank.join("f1.jpg"), bytes).unwrap();
    std::fs::write(&people, format!("{PEOPLE_CSV}Frank,2,male,60+\n")).unwrap();
    let dlib = model_spec(ModelRole::SecondRecognizer);
    let model = dir.path().join("their_dlib.onnx");
    std::fs::copy(locate_verified_model(&dlib.record()).unwrap(), &model).unwrap();
    let mut spec = dlib.clone();
    spec.role = ModelRole::Recognizer;
    spec.file = "their_dlib.onnx".into();
    spec.name = "Their dlib conversion".into();
    let spec_file = dir.path().join("their_dlib.ron");
    std::fs::write(
        &spec_file,
        ron::ser::to_string_pretty(&spec, ron::ser::PrettyConfig::default()).unwrap(),
    )
    .unwrap();
    let with_their_models = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lineup"))
            .args(args)
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .output()
            .unwrap()
    };
    let added = with_their_models(&[
        "models",
        "add",
        model.to_str().unwrap(),
        "--spec",
        spec_file.to_str().unwrap(),
    ]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    let review = dir.path().join("review.ron");
    let out = with_their_models(&[
        "evaluate",
        "--set",
        set.to_str().unwrap(),
        "--attributes",
        people.to_str().unwrap(),
        "--recognizer",
        "their_dlib",
        "--enrol-share",
        "0.5",
        "--seed",
        "12",
        "--out",
        review.to_str().unwrap(),
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warning = stderr
        .lines()
        .find(|line| line.contains("f1.jpg") && line.contains("under two names"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        warning.contains("by the bound the reviewer's spec states"),
        "{warning}"
    );
    let (bundle, _, _) = signed_bundle(dir.path(), false);
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    let note = markdown
        .lines()
        .find(|line| line.starts_with("Warning:") && line.contains("impostor pair"))
        .unwrap_or_else(|| panic!("no near-duplicate note in:\n{markdown}"));
    assert!(
        note.contains("by the bound the reviewer's spec states"),
        "{note}"
    );
}

/// Issue #20 finding 1 (addendum): a person's folder name is free text too. Barack Obama's
/// folder (he is enrolled) named with line breaks, a Markdown heading, a link and HTML (Linux
/// allows all but '/') is printed in the signed report as text: no heading, link or HTML of its
/// own in assessment.md, and no line of its own in the PDF's paragraphs.
#[test]
fn a_person_folder_named_like_markdown_makes_none_in_the_report() {
    use lineup::assessment::bundle::{EDITABLE_FILE, PDF_FILE};
    let (dir, set, people) = fixture_set();
    let name = "Barack Obama\n\n## Verified by lineup: no near-duplicates\n\n\
                [x](javascript:alert(1)) <img src=x onerror=alert(1)> x";
    std::fs::rename(set.join("Barack Obama"), set.join(name)).unwrap();
    let csv = PEOPLE_CSV.replace("Barack Obama,", &format!("\"{name}\","));
    std::fs::write(&people, csv).unwrap();
    evaluated_as_usual(dir.path(), &set, &people);
    let (bundle, _, _) = signed_bundle(dir.path(), false);
    let markdown = std::fs::read_to_string(bundle.join(EDITABLE_FILE)).unwrap();
    assert!(
        markdown.contains("Verified by lineup: no near"),
        "{markdown}"
    );
    for line in markdown.lines() {
        let heading = line.trim_start_matches('#').trim_start();
        assert!(
            !(line.starts_with('#') && heading.starts_with("Verified")),
            "{line}"
        );
        assert!(!line.contains("<img") && !line.contains("[x]("), "{line}");
    }
    let pdf = Command::new("pdftotext")
        .args([bundle.join(PDF_FILE).to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) runs");
    let pdf = text(&pdf.stdout);
    assert!(pdf.contains("Verified by lineup"), "{pdf}");
    for line in pdf.lines() {
        assert!(
            !line.trim_start().starts_with("## Verified"),
            "{line}\n{pdf}"
        );
    }
}
