//! Images named by their content as a platform team meets them: `jupyflux images` lists what to build and who
//! uses it, a changed file in a build context changes exactly the objects using that image, and a hostile
//! context (a link out of the repository, a FIFO, a linked directory) is an error at the Image, nothing written.

mod harness;

use harness::{Scratch, repo, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The fixture with two images (`lab`: the hub, a profile choice, a rule and notebook `carol`; `tools`: notebook
/// `dave`) and notebook `erin` on a fixed tag.
fn fixture() -> Scratch {
    Scratch::of(&repo().join("fixtures/valid/images-by-content"))
}

fn images_json(scratch: &Scratch) -> Vec<Value> {
    let out = scratch.jupyflux(&["images", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn image<'a>(all: &'a [Value], name: &str) -> &'a Value {
    all.iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no image {name} in {all:#?}"))
}

/// Every rendered object (each YAML document of generated/ and flux/), by file and position.
fn objects(scratch: &Scratch) -> BTreeMap<String, String> {
    let out = scratch.jupyflux(&["render", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut objects = BTreeMap::new();
    for (path, bytes) in scratch.snapshot_files() {
        if !(path.starts_with("generated") || path.starts_with("flux")) {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        for (i, document) in text.split("\n---\n").enumerate() {
            objects.insert(format!("{path}#{i}"), document.to_owned());
        }
    }
    objects
}

#[test]
fn images_lists_each_image_its_tag_and_every_use() {
    let scratch = fixture();
    let all = images_json(&scratch);
    assert_eq!(all.len(), 2, "{all:#?}");
    let lab = image(&all, "lab");
    let tag = lab["tag"].as_str().unwrap();
    assert!(tag.starts_with("c1-") && tag.len() == 27, "{tag}");
    assert_eq!(
        lab["image"],
        format!("registry.example.org/lab/notebook:{tag}")
    );
    assert_eq!(lab["context"], "images/lab");
    assert_eq!(lab["exclude"], serde_json::json!(["ops/"]));
    let uses: Vec<String> = lab["usedBy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            format!(
                "{} {}/{} {}",
                u["kind"].as_str().unwrap(),
                u["namespace"].as_str().unwrap_or(""),
                u["name"].as_str().unwrap(),
                u["field"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        uses,
        [
            "Hub /trial spec.singleuser.image",
            "Hub /trial spec.profiles[1].options[0].choices[0].image",
            "Hub /trial spec.rules[0].images[0]",
            "Notebook notebooks/carol spec.image",
        ]
    );
    let tools = image(&all, "tools");
    assert_ne!(tools["tag"], lab["tag"]);
    assert_eq!(tools["usedBy"][0]["name"], "dave");

    let text = stdout(&scratch.jupyflux(&["images", "--env", "dev"]));
    assert!(
        text.contains(&format!("lab  registry.example.org/lab/notebook:{tag}")),
        "{text}"
    );
    assert!(
        text.contains("context  images/lab (excluding ops/)"),
        "{text}"
    );
    let unknown = scratch.jupyflux(&["images", "--env", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));

    // `explain --image` takes an Image's name for its reference.
    let out = scratch.jupyflux(&[
        "explain", "--env", "dev", "--hub", "trial", "--user", "u", "--image", "lab",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "image asked: registry.example.org/lab/notebook:{tag}"
        )),
        "{}{text}",
        stderr(&out)
    );
}

#[test]
fn a_changed_file_changes_exactly_the_objects_using_its_image() {
    let scratch = fixture();
    let before_tag = image(&images_json(&scratch), "lab")["image"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = objects(&scratch);
    let tag_of = |reference: &str| reference.rsplit_once(':').unwrap().1.to_owned();
    let users: Vec<&String> = before
        .iter()
        .filter(|(_, text)| text.contains(&tag_of(&before_tag)))
        .map(|(key, _)| key)
        .collect();
    // The hub's HelmRelease (single-user image, profile choice, rule) and carol's Notebook.
    assert!(users.iter().any(|k| k.contains("hubs/trial")), "{users:?}");
    assert!(
        users.iter().any(|k| before[*k].contains("name: carol")),
        "{users:?}"
    );

    scratch.write(
        "images/lab/Dockerfile",
        "FROM quay.io/jupyter/base-notebook:2025-03-17\nCOPY start.sh /usr/local/bin/\n",
    );
    let after_tag = image(&images_json(&scratch), "lab")["image"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(after_tag, before_tag);
    let after = objects(&scratch);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let changed: Vec<&String> = before
        .keys()
        .filter(|key| before[*key] != after[*key])
        .collect();
    assert_eq!(changed, users, "only the objects using `lab` change");
    // The tag alone (the chart takes the single-user image as name and tag apart).
    let (old, new) = (tag_of(&before_tag), tag_of(&after_tag));
    for key in &changed {
        assert_eq!(
            after[*key],
            before[*key].replace(&old, &new),
            "{key}: the tag is all that changes"
        );
    }
}

#[test]
fn what_the_tag_leaves_out_changes_nothing() {
    let scratch = fixture();
    let before = objects(&scratch);
    // An excluded file, and the same bytes written again (a new modification time).
    scratch.write(
        "images/lab/ops/build.sh",
        "#!/bin/sh\ndocker buildx build .\n",
    );
    let dockerfile = scratch.read("images/lab/Dockerfile");
    scratch.write("images/lab/Dockerfile", &dockerfile);
    assert_eq!(objects(&scratch), before);
}

/// The problems `validate` prints for the fixture with `image` as the `lab` Image's context, set up by `prepare`.
fn context_problem(prepare: impl Fn(&Path)) -> String {
    let scratch = fixture();
    prepare(scratch.path());
    let before = scratch.snapshot_files();
    let out = scratch.jupyflux(&["render"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(scratch.snapshot_files(), before, "nothing written");
    stderr(&out)
}

#[cfg(unix)]
#[test]
fn hostile_build_contexts_are_errors_at_the_image() {
    use std::os::unix::fs::symlink;
    let at = "overlays/base/images.yaml:8:12: error: Image `lab`:";

    let escape = context_problem(|root| {
        symlink("../../../../etc/passwd", root.join("images/lab/passwd")).unwrap();
    });
    assert!(escape.contains(at), "{escape}");
    assert!(
        escape.contains("`images/lab/passwd` is a symbolic link to `../../../../etc/passwd`, outside the repository"),
        "{escape}"
    );

    let fifo = context_problem(|root| {
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("images/lab/pipe"))
            .status()
            .unwrap();
        assert!(made.success());
    });
    assert!(fifo.contains(at), "{fifo}");
    assert!(fifo.contains("`pipe` is a FIFO"), "{fifo}");

    let linked = context_problem(|root| {
        let outside = root.join("outside");
        std::fs::rename(root.join("images"), &outside).unwrap();
        symlink(&outside, root.join("images")).unwrap();
    });
    assert!(linked.contains(at), "{linked}");
    assert!(linked.contains("`images` is a symbolic link"), "{linked}");

    let missing = context_problem(|root| {
        std::fs::remove_dir_all(root.join("images/lab")).unwrap();
    });
    assert!(
        missing.contains("build context `images/lab` is not a directory of the repository"),
        "{missing}"
    );
}

#[test]
fn diff_renders_the_base_revision_with_its_own_tag() {
    let scratch = fixture();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.email=t@example.org", "-c", "user.name=t"])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(scratch.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "definitions"]);
    let same = scratch.jupyflux(&["diff", "--base", "HEAD"]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(
        !stdout(&same).contains("registry.example.org/lab/notebook"),
        "an unchanged context is no change: {}",
        stdout(&same)
    );
    scratch.write("images/tools/Dockerfile", "FROM scratch\n");
    let out = scratch.jupyflux(&["diff", "--base", "HEAD"]);
    let text = stdout(&out);
    assert!(
        text.contains("registry.example.org/lab/tools:c1-"),
        "{text}"
    );
    assert!(text.contains("dave"), "{text}");
    assert!(!text.contains("carol"), "{text}");
}
