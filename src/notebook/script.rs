//! The start script of a notebook server (a tera template) and its content hash.

use super::culling;
use super::spec::{NotebookAuth, NotebookSpec};
use sha2::{Digest, Sha256};

const TEMPLATE: &str = include_str!("start.sh.tera");

/// The port the Jupyter server listens on.
pub const JUPYTER_PORT: u16 = 8888;

/// The start script of notebook `name`.
pub fn start_script(name: &str, spec: &NotebookSpec, base_url: &str) -> String {
    let mut context = tera::Context::new();
    context.insert("name", name);
    context.insert("oidc", &matches!(spec.auth, Some(NotebookAuth::Oidc(_))));
    context.insert("port", &JUPYTER_PORT);
    context.insert("base_url", base_url);
    context.insert("culling_flags", &culling::jupyter_flags(&spec.culling));
    context.insert("idle_timeout", &spec.culling.idle_timeout);
    context.insert("idle_message", culling::IDLE_MESSAGE);
    let mut text = tera::Tera::one_off(TEMPLATE, &context, false).expect("the template is valid");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The hex sha256 of `text`.
pub fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    fn spec() -> NotebookSpec {
        serde_json::from_value(serde_json::json!({
            "image": "quay.io/jupyter/base-notebook:2025-01-13",
            "project": {"claimName": "project-claim", "id": "p-1"},
        }))
        .unwrap()
    }

    /// The seeding lines of the start script, reading from `seed` instead of the image's directory.
    fn seeding(seed: &Path) -> String {
        let script = start_script("nb", &spec(), "/nb");
        let start = script.find("seed=").expect("the script seeds the home");
        let end = script[start..].find("\nfi\n").expect("an if") + start + 4;
        let lines = &script[start..end];
        assert!(
            lines.starts_with("seed=/home/code/copy-to-home\n"),
            "{lines}"
        );
        lines.replacen(
            "seed=/home/code/copy-to-home",
            &format!("seed='{}'", seed.display()),
            1,
        )
    }

    fn touch(path: &Path, text: &str, age: Duration) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    #[test]
    fn the_home_is_seeded_without_overwriting_newer_files() {
        let dir = tempfile::tempdir().unwrap();
        let (seed, home) = (dir.path().join("seed"), dir.path().join("home"));
        let hour = Duration::from_secs(3600);
        touch(&seed.join("new.ipynb"), "from the image", hour);
        touch(&seed.join("sub/deep.txt"), "deep", hour);
        touch(&seed.join("edited.ipynb"), "from the image", 2 * hour);
        touch(&home.join("edited.ipynb"), "the user's", hour);
        touch(&seed.join("stale.ipynb"), "updated image", hour);
        touch(&home.join("stale.ipynb"), "old copy", 3 * hour);
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(seeding(&seed))
            .env("HOME", &home)
            .status()
            .unwrap();
        assert!(status.success());
        let read = |name: &str| fs::read_to_string(home.join(name)).unwrap();
        assert_eq!(read("new.ipynb"), "from the image");
        assert_eq!(read("sub/deep.txt"), "deep");
        assert_eq!(read("edited.ipynb"), "the user's");
        assert_eq!(read("stale.ipynb"), "updated image");
        // Without the image's directory, nothing happens and nothing fails.
        let missing = dir.path().join("missing");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("set -eu\n{}", seeding(&missing)))
            .env("HOME", &home)
            .status()
            .unwrap();
        assert!(status.success());
    }
}
