//! Same definitions → same bytes: across runs and whatever order the files are discovered in.

mod harness;

use jupyflux::load::{load_sources, read_sources};
use jupyflux::render::render;

fn projects() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = harness::cases("valid")
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    dirs.push(harness::repo());
    dirs
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    for dir in projects() {
        assert_eq!(
            harness::render(&dir),
            harness::render(&dir),
            "{}",
            dir.display()
        );
    }
}

#[test]
fn file_discovery_order_does_not_matter() {
    for dir in projects() {
        let sources = read_sources(&dir).unwrap();
        let expected = render(&load_sources(&sources).unwrap());
        assert!(
            sources.files.len() > 1,
            "{}: too few files to shuffle",
            dir.display()
        );
        // Every rotation and the reversal of the discovered order.
        let mut orders = Vec::new();
        for k in 1..sources.files.len() {
            let mut files = sources.files.clone();
            files.rotate_left(k);
            orders.push(files);
        }
        let mut reversed = sources.files.clone();
        reversed.reverse();
        orders.push(reversed);
        for files in orders {
            let mut shuffled = sources.clone();
            shuffled.files = files;
            shuffled.environments.reverse();
            assert_eq!(
                render(&load_sources(&shuffled).unwrap()),
                expected,
                "{}",
                dir.display()
            );
        }
    }
}

#[test]
fn output_is_lf_with_one_trailing_newline_and_a_header() {
    for dir in projects() {
        for (path, bytes) in harness::render(&dir).iter() {
            let text = std::str::from_utf8(bytes).unwrap();
            assert!(!text.contains('\r'), "{path}: CR");
            assert!(
                text.ends_with('\n') && !text.ends_with("\n\n"),
                "{path}: trailing newline"
            );
            assert!(
                text.starts_with(jupyflux::output::HEADER_MARKER),
                "{path}: header"
            );
        }
    }
}
