//! A bounded, deterministic fuzz of loading: thousands of mutations of the shipped definitions (byte flips,
//! truncation, type swaps, alias bombs, huge strings, deep nesting, invalid UTF-8, duplicate keys, deleted
//! lines) through load, validate and render in-process, and a sample through the binary. Every case must end
//! (no hang), without a panic, with either a rendered tree or problems that each name a file and, unless the
//! problem is about a whole file, a line and column; and a failed `render` writes nothing.
//!
//! A failure names the case's seed: `FUZZ_SEED=<seed> cargo test --test fuzz_loader` runs that case alone.

mod harness;

use harness::{repo, stderr};
use jupyflux::diagnostic::Diagnostics;
use jupyflux::load::{Sources, load, load_sources, read_sources};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Cases run in-process.
const CASES: u64 = 2_000;
/// Every this many cases, one also runs through the binary.
const BINARY_EVERY: u64 = 40;
/// A case still running after this long is a hang (a detector, not a timing requirement).
const HANG: Duration = Duration::from_secs(10);

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The kinds of mutation: the cheap ones in turn, a huge string (megabytes to parse) every [`HUGE_EVERY`] cases.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    ByteFlip,
    Truncate,
    TypeSwap,
    AliasBomb,
    HugeString,
    DeepNesting,
    InvalidUtf8,
    DuplicateKey,
    DeleteLines,
    SwapLines,
}

const HUGE_EVERY: u64 = 40;

const MUTATIONS: [Mutation; 9] = [
    Mutation::ByteFlip,
    Mutation::Truncate,
    Mutation::TypeSwap,
    Mutation::AliasBomb,
    Mutation::DeepNesting,
    Mutation::InvalidUtf8,
    Mutation::DuplicateKey,
    Mutation::DeleteLines,
    Mutation::SwapLines,
];

/// Lines of `text` with a `key: value` on them: (line index, byte offset of the value).
fn value_lines(text: &str) -> Vec<(usize, usize)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let colon = l.find(": ")?;
            (!l.trim_start().starts_with('#')).then_some((i, colon + 2))
        })
        .collect()
}

/// `text` with the value of one `key: value` line replaced by `value`.
fn replace_value(text: &str, rng: &mut Rng, value: &str) -> String {
    let candidates = value_lines(text);
    if candidates.is_empty() {
        return format!("{text}{value}\n");
    }
    let (line, at) = candidates[rng.below(candidates.len())];
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[line] = format!("{}{value}", &lines[line][..at]);
    lines.join("\n") + "\n"
}

fn billion_laughs(levels: usize, width: usize) -> String {
    let mut text = String::from("\n  lol0: &l0 lol\n");
    for level in 1..=levels {
        let refs = vec![format!("*l{}", level - 1); width].join(", ");
        text.push_str(&format!("  lol{level}: &l{level} [{refs}]\n"));
    }
    text
}

/// Mutate one file's bytes.
fn mutate(kind: Mutation, text: &str, rng: &mut Rng) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    match kind {
        Mutation::ByteFlip => {
            for _ in 0..=rng.below(8) {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(7);
            }
            bytes
        }
        Mutation::Truncate => {
            bytes.truncate(rng.below(bytes.len()));
            bytes
        }
        Mutation::TypeSwap => {
            let values = [
                "{a: 1}",
                "[1, 2]",
                "x",
                "7",
                "-1.5e300",
                "null",
                "true",
                "{}",
                "[]",
                "\"\"",
                "!!binary aGk=",
            ];
            let value = values[rng.below(values.len())];
            replace_value(text, rng, value).into_bytes()
        }
        Mutation::AliasBomb => {
            let levels = 3 + rng.below(8);
            let bomb = format!("{{}}\n  bomb:{}", billion_laughs(levels, 10));
            replace_value(text, rng, &bomb).into_bytes()
        }
        Mutation::HugeString => {
            let size = (1 + rng.below(2)) << 20;
            let huge = "x".repeat(size);
            let quoted = if rng.below(2) == 0 {
                huge
            } else {
                format!("\"{huge}\"")
            };
            replace_value(text, rng, &quoted).into_bytes()
        }
        Mutation::DeepNesting => {
            let depth = [100, 1_000, 100_000][rng.below(3)];
            let nested = match rng.below(3) {
                0 => "[".repeat(depth),
                1 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
                _ => "{a: ".repeat(depth),
            };
            replace_value(text, rng, &nested).into_bytes()
        }
        Mutation::InvalidUtf8 => {
            for _ in 0..=rng.below(3) {
                let i = rng.below(bytes.len());
                let bad: &[u8] =
                    [&[0xff][..], &[0xc3], &[0xed, 0xa0, 0x80], &[0xf8, 0x88]][rng.below(4)];
                bytes.splice(i..i, bad.iter().copied());
            }
            bytes
        }
        Mutation::DuplicateKey => {
            let candidates = value_lines(text);
            let mut lines: Vec<&str> = text.lines().collect();
            if let Some(&(line, _)) = candidates.get(rng.below(candidates.len())) {
                lines.insert(line, lines[line]);
            }
            (lines.join("\n") + "\n").into_bytes()
        }
        Mutation::DeleteLines => {
            let mut lines: Vec<&str> = text.lines().collect();
            for _ in 0..=rng.below(5) {
                if !lines.is_empty() {
                    lines.remove(rng.below(lines.len()));
                }
            }
            (lines.join("\n") + "\n").into_bytes()
        }
        Mutation::SwapLines => {
            let mut lines: Vec<&str> = text.lines().collect();
            let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(a, b);
            (lines.join("\n") + "\n").into_bytes()
        }
    }
}

/// One generated case: the shipped sources with one file's bytes replaced.
struct Case {
    seed: u64,
    kind: Mutation,
    file: usize,
    bytes: Vec<u8>,
}

fn case(shipped: &Sources, seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let kind = if seed % HUGE_EVERY == HUGE_EVERY - 1 {
        Mutation::HugeString
    } else {
        MUTATIONS[(seed % MUTATIONS.len() as u64) as usize]
    };
    let file = rng.below(shipped.files.len());
    let bytes = mutate(kind, &shipped.files[file].text, &mut rng);
    Case {
        seed,
        kind,
        file,
        bytes,
    }
}

/// What loading a case came to.
enum Outcome {
    Rendered,
    Rejected(Diagnostics),
}

/// Load (and render) a case in-process. Text that is not UTF-8 goes through a directory on disk, as a user's would.
fn run(shipped: &Sources, case: &Case) -> Outcome {
    let result = match String::from_utf8(case.bytes.clone()) {
        Ok(text) => {
            let mut sources = shipped.clone();
            sources.files[case.file].text = text;
            load_sources(&sources)
        }
        Err(_) => {
            let dir = tempfile::tempdir().unwrap();
            for (i, f) in shipped.files.iter().enumerate() {
                let path = dir.path().join(&f.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                let bytes = if i == case.file {
                    &case.bytes[..]
                } else {
                    f.text.as_bytes()
                };
                std::fs::write(path, bytes).unwrap();
            }
            load(dir.path())
        }
    };
    match result {
        Ok(model) => {
            jupyflux::render::render(&model);
            Outcome::Rendered
        }
        Err(problems) => Outcome::Rejected(problems),
    }
}

/// Run a case on its own thread; a panic or a hang fails the test, naming the seed.
fn guarded(shipped: &Sources, case: Case) -> (Case, Outcome) {
    if let Ok(dump) = std::env::var("FUZZ_DUMP") {
        // Debugging one case: its mutated file, to try with the binary.
        std::fs::write(dump, &case.bytes).unwrap();
        eprintln!(
            "seed {}: {:?} of {}",
            case.seed, case.kind, shipped.files[case.file].path
        );
    }
    let (send, receive) = mpsc::channel();
    let sources = shipped.clone();
    let worker = std::thread::Builder::new()
        .name(format!("fuzz-{}", case.seed))
        .spawn(move || {
            let outcome = run(&sources, &case);
            let _ = send.send((case, outcome));
        })
        .unwrap();
    match receive.recv_timeout(HANG) {
        Ok(done) => {
            worker.join().unwrap();
            done
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("a case ran for more than {HANG:?}: a hang (rerun it with FUZZ_SEED)")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let panic = worker.join().unwrap_err();
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("loading panicked: {message}")
        }
    }
}

/// The class of a problem for the summary: its message with quoted names and values left out.
fn class(message: &str) -> String {
    let mut out = String::new();
    for (i, part) in message.split('`').enumerate() {
        out.push_str(if i % 2 == 0 { part } else { "…" });
    }
    let out = out
        .rsplit(": ")
        .find(|p| !p.is_empty())
        .unwrap_or(&out)
        .to_owned();
    out.chars().take(48).collect()
}

/// Every problem names a definition file (or directory) and a position unless it is about a whole file.
fn assert_located(case: &Case, problems: &Diagnostics) {
    assert!(
        !problems.is_empty(),
        "seed {}: rejected without a problem",
        case.seed
    );
    for d in &problems.0 {
        let file = &d.location.file;
        assert!(
            file.starts_with("overlays"),
            "seed {} ({:?}): problem without a file: {d}",
            case.seed,
            case.kind
        );
        let whole_file = !(file.ends_with(".yaml") || file.ends_with(".yml"))
            || d.message.starts_with("cannot read");
        assert!(
            whole_file || d.location.position.is_some(),
            "seed {} ({:?}): problem without line and column: {d}",
            case.seed,
            case.kind
        );
    }
}

fn seeds() -> Vec<u64> {
    match std::env::var("FUZZ_SEED") {
        Ok(seed) => vec![seed.parse().expect("FUZZ_SEED is a number")],
        Err(_) => (0..CASES).collect(),
    }
}

#[test]
fn mutated_definitions_never_panic_hang_or_go_unlocated() {
    let shipped = read_sources(&repo()).expect("the shipped definitions are readable");
    let mut rendered = 0;
    let mut rejected = 0;
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut time: BTreeMap<String, Duration> = BTreeMap::new();
    for seed in seeds() {
        let started = std::time::Instant::now();
        let (case, outcome) = guarded(&shipped, case(&shipped, seed));
        *time.entry(format!("{:?}", case.kind)).or_default() += started.elapsed();
        let tally = kinds.entry(format!("{:?}", case.kind)).or_default();
        match outcome {
            Outcome::Rendered => {
                rendered += 1;
                tally.0 += 1;
            }
            Outcome::Rejected(problems) => {
                assert_located(&case, &problems);
                rejected += 1;
                tally.1 += 1;
                *classes.entry(class(&problems.0[0].message)).or_default() += 1;
            }
        }
    }
    println!(
        "fuzz: {} cases, {rendered} rendered, {rejected} rejected",
        rendered + rejected
    );
    for (kind, (ok, no)) in &kinds {
        let spent = time.get(kind).copied().unwrap_or_default();
        println!("  {kind:<14} {ok:>5} rendered {no:>5} rejected  ({spent:.1?} in all)");
    }
    println!("first problem of rejected cases, by class:");
    let mut by_count: Vec<_> = classes.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (class, n) in by_count {
        println!("  {n:>5}  {class}");
    }
}

/// Every file under `dir` (relative path → bytes).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap();
            files.insert(
                rel.to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    files
}

#[test]
fn a_failed_render_writes_nothing() {
    let shipped = read_sources(&repo()).expect("the shipped definitions are readable");
    let mut failed = 0;
    for seed in seeds().into_iter().filter(|s| s % BINARY_EVERY == 3) {
        let case = case(&shipped, seed);
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path();
        for dir in ["generated", "flux"] {
            for (path, bytes) in files(&repo().join(dir)) {
                let target = root.join(dir).join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, bytes).unwrap();
            }
        }
        for f in &shipped.files {
            let path = root.join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, f.text.as_bytes()).unwrap();
        }
        std::fs::write(root.join(&shipped.files[case.file].path), &case.bytes).unwrap();
        let before: BTreeMap<String, Vec<u8>> = files(root)
            .into_iter()
            .filter(|(p, _)| !p.starts_with("overlays"))
            .collect();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jupyflux"))
            .args(["render", "--quiet"])
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        if out.status.success() {
            continue;
        }
        failed += 1;
        assert_eq!(
            out.status.code(),
            Some(1),
            "seed {}: exit code\n{}",
            seed,
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("nothing was written"),
            "seed {}:\n{}",
            seed,
            stderr(&out)
        );
        let after: BTreeMap<String, Vec<u8>> = files(root)
            .into_iter()
            .filter(|(p, _)| !p.starts_with("overlays"))
            .collect();
        assert!(
            before == after,
            "seed {seed}: a failed render changed the output"
        );
    }
    println!("binary: {failed} failed renders, none wrote anything");
}
