//! A render killed (SIGKILL) at any moment leaves the output entirely old or entirely new once the next command
//! has run; `render --check` names an interrupted render as such; `flux-system/` and people's files stay.
#![cfg(unix)]

#[path = "../examples/fleet/generate.rs"]
mod generate;
mod harness;

use harness::jupyflux;

use jupyflux::output::write::Recovered;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Files = BTreeMap<String, Vec<u8>>;
/// Definition files: `(path under overlays/, text)`.
type Definitions = Vec<(String, String)>;

const KILLS: usize = 20;
const BOOTSTRAP: &str = "flux/production/flux-system/gotk-sync.yaml";
const PERSONAL: &str = "generated/staging/notes.yaml";

/// Two fleets of 1,000 notebooks whose renders differ in every way a render writes: files created (new
/// notebooks), updated (a new image tag) and removed (notebooks gone).
fn fleets() -> (Definitions, Definitions) {
    let old = generate::fleet(5, 1000, 8);
    let new = generate::fleet(5, 1100, 8)
        .into_iter()
        .filter(|(path, _)| {
            !path.starts_with("base/notebook-00") || path.as_str() >= "base/notebook-00100"
        })
        .map(|(path, text)| (path, text.replace("2025-03-17", "2025-04-01")))
        .collect();
    (old, new)
}

fn set_definitions(root: &Path, files: &[(String, String)]) {
    let overlays = root.join("overlays");
    if overlays.exists() {
        std::fs::remove_dir_all(&overlays).unwrap();
    }
    for (path, text) in files {
        let path = overlays.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Every file under `generated/` and `flux/`.
fn output(root: &Path) -> Files {
    let mut files = Files::new();
    for dir in ["generated", "flux"] {
        for entry in walkdir::WalkDir::new(root.join(dir)) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let path = entry.path().strip_prefix(root).unwrap();
                files.insert(
                    path.to_string_lossy().into_owned(),
                    std::fs::read(entry.path()).unwrap(),
                );
            }
        }
    }
    files
}

/// The output a complete render of `files` produces, next to a bootstrap file and a person's file.
fn rendered(files: &[(String, String)]) -> Files {
    let dir = tempfile::tempdir().unwrap();
    set_definitions(dir.path(), files);
    plant_foreign_files(dir.path());
    let out = jupyflux(dir.path(), &["render", "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    output(dir.path())
}

fn plant_foreign_files(root: &Path) {
    for (path, text) in [
        (BOOTSTRAP, "# flux bootstrap's own file\n"),
        (PERSONAL, "# a person's notes\n"),
    ] {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::write(root.join(path), text).unwrap();
    }
}

/// Deterministic kill points without a dependency.
struct Rng(u64);
impl Rng {
    fn fraction(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Where a kill lands: while loading and rendering (nothing written yet), while staging new files, or after the
/// journal is committed (while files move into place).
#[derive(Clone, Copy, Debug)]
enum Phase {
    Rendering,
    Staging,
    Committed,
}

const STAGING: &str = ".jupyflux/staging";
const JOURNAL: &str = ".jupyflux/journal";

/// When each phase began in one uninterrupted render, from the start of the process.
struct Timeline {
    staging: Duration,
    journal: Duration,
    end: Duration,
}

/// Start `render` and watch the work directory until `stop` says to kill it (or it ends): returns whether it
/// was killed and what the watch saw.
fn render_watched(
    root: &Path,
    mut stop: impl FnMut(Duration, bool, bool) -> bool,
) -> (bool, Option<Duration>, Option<Duration>, Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jupyflux"))
        .args(["render", "--quiet"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let (mut staging, mut journal) = (None, None);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "an uninterrupted render failed");
            return (false, staging, journal, started.elapsed());
        }
        let now = started.elapsed();
        if staging.is_none() && root.join(STAGING).exists() {
            staging = Some(now);
        }
        if journal.is_none() && root.join(JOURNAL).exists() {
            journal = Some(now);
        }
        if stop(now, staging.is_some(), journal.is_some()) {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return (true, staging, journal, now);
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn a_killed_render_leaves_every_environment_old_or_new() {
    let (old_defs, new_defs) = fleets();
    let (old, new) = (rendered(&old_defs), rendered(&new_defs));
    assert_ne!(old, new);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    set_definitions(root, &old_defs);
    plant_foreign_files(root);
    assert!(jupyflux(root, &["render", "--quiet"]).status.success());
    assert_eq!(output(root), old);

    // One uninterrupted render from one fleet to the other, watched: when staging and the commit happen here.
    set_definitions(root, &new_defs);
    let (_, staging, journal, end) = render_watched(root, |_, _, _| false);
    assert_eq!(output(root), new);
    let timeline = Timeline {
        staging: staging.expect("the render staged files"),
        journal: journal.unwrap_or(end),
        end,
    };

    let mut rng = Rng(0x6b69_6c6c_7465_7374);
    let (mut discarded, mut finished, mut completed, mut untouched) = (0, 0, 0, 0);
    let mut current = &new;
    for kill in 0..KILLS {
        let (target_defs, target) = if std::ptr::eq(current, &new) {
            (&old_defs, &old)
        } else {
            (&new_defs, &new)
        };
        set_definitions(root, target_defs);
        // A random point of a phase, the phases in turn: the moves after the commit take milliseconds, so
        // kills are placed relative to what the watch sees rather than to the start alone.
        let phase = [
            Phase::Rendering,
            Phase::Staging,
            Phase::Committed,
            Phase::Staging,
            Phase::Committed,
        ][kill % 5];
        let fraction = rng.fraction();
        let mut seen_at: Option<Duration> = None;
        let (killed, _, _, at) = render_watched(root, |now, staged, committed| {
            let (started, length) = match phase {
                Phase::Rendering => return now >= timeline.staging.mul_f64(fraction),
                Phase::Staging if staged => {
                    (now, timeline.journal.saturating_sub(timeline.staging))
                }
                Phase::Committed if committed => {
                    (now, timeline.end.saturating_sub(timeline.journal))
                }
                _ => return false,
            };
            let since = *seen_at.get_or_insert(started);
            now >= since + length.mul_f64(fraction)
        });

        let journal = root.join(JOURNAL).exists();
        if journal {
            let check = jupyflux(root, &["render", "--check"]);
            let said = String::from_utf8_lossy(&check.stderr);
            assert_eq!(check.status.code(), Some(1), "kill {kill}: {said}");
            assert!(
                said.contains("a render was interrupted before it finished"),
                "kill {kill}: {said}"
            );
        }
        // What the next command does first.
        let recovered = jupyflux::output::write::recover(root).unwrap();
        let after = output(root);
        let outcome = if after == *target {
            "new"
        } else if after == *current {
            "old"
        } else {
            let mixed = after
                .iter()
                .filter(|(p, b)| target.get(*p) != Some(b))
                .count();
            panic!(
                "kill {kill} ({phase:?}, {at:?}): the output is neither old nor new ({mixed} files differ from new)"
            );
        };
        assert!(!root.join(STAGING).exists() && !root.join(JOURNAL).exists());
        match (&recovered, outcome) {
            (Some(Recovered::Finished { .. }), "new") => finished += 1,
            (Some(Recovered::Discarded), "old") => discarded += 1,
            (None, "new") => completed += 1,
            (None, "old") => untouched += 1,
            other => panic!(
                "kill {kill} ({phase:?}, killed: {killed}): recovery {other:?} does not match the outcome"
            ),
        }
        if outcome == "new" {
            current = target;
        }
    }
    eprintln!(
        "{KILLS} kills over a {} ms render of 1,000 notebooks (staging from {} ms, commit at {} ms): \
         {untouched} before writing, {discarded} while staging (discarded), {finished} after the commit \
         (finished by the next command), {completed} after the render completed",
        timeline.end.as_millis(),
        timeline.staging.as_millis(),
        timeline.journal.as_millis(),
    );
    assert!(
        discarded > 0 && finished > 0,
        "kills must land while staging and after the commit"
    );
}
