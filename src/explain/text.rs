//! An [`Explanation`] as readable tables: login, the spawn page, the rules, then one table per entry.

use super::{Entry, Explanation};
use crate::model::auth::Admission;
use crate::model::rule::{EnvValue, Rule};
use crate::model::secret::MaybeSecret;
use crate::model::selection::Selection;
use std::fmt::Write;

/// The explanation as text.
pub fn text(e: &Explanation<'_>) -> String {
    let mut out = String::new();
    let groups = if e.groups.is_empty() {
        "(none)".to_owned()
    } else {
        e.groups.join(", ")
    };
    let _ = writeln!(
        out,
        "Hub `{}` in environment `{}`",
        e.hub.name, e.environment
    );
    let mut who = format!("user: {}   groups: {groups}", e.user);
    if let Some(image) = e.image {
        let _ = write!(who, "   image asked: {image}");
    }
    let _ = writeln!(out, "{who}");
    let _ = match &e.login {
        Admission::Yes(why) => writeln!(out, "login: yes, {why}"),
        Admission::Depends(why) => writeln!(out, "login: depends: {why}"),
        Admission::No(why) => writeln!(
            out,
            "login: NO: {why}; the user cannot log in, so they get no server at all"
        ),
    };
    if matches!(e.login, Admission::No(_)) {
        return out;
    }
    out.push('\n');
    spawn_page(&mut out, e);
    for line in &e.policy {
        let _ = writeln!(out, "policy: {line}");
    }
    rules(&mut out, &e.hub.spec.rules);
    for entry in &e.entries {
        out.push('\n');
        entry_table(&mut out, entry);
    }
    if let Some(tenant) = &e.tenant {
        let _ = writeln!(
            out,
            "\nquota of namespace `{}`: the most all users' servers (and the hub's own pods) use together",
            tenant.namespace
        );
        let rows: Vec<Vec<String>> = tenant
            .rows
            .iter()
            .map(|(what, most)| row([what, most.as_str()]))
            .collect();
        table(&mut out, &rows);
    }
    out
}

fn spawn_page(out: &mut String, e: &Explanation<'_>) {
    let profiles = &e.hub.spec.profiles;
    if profiles.is_empty() {
        out.push_str("Spawn page: the hub has no profiles; every server starts from the single-user defaults\n");
        return;
    }
    let shown = e.entries.iter().filter(|x| x.profile.is_some()).count();
    let _ = writeln!(
        out,
        "Spawn page: {shown} of {} entries (the user picks one; only that entry's settings apply)",
        profiles.len()
    );
    if shown == 0 {
        out.push_str("(none is for this user: the server starts from the single-user defaults)\n");
    }
    let mut rows = vec![row(["#", "slug", "name", "for", "shown"])];
    for (i, profile) in profiles.iter().enumerate() {
        let shown = match e.entries.iter().find(|x| x.profile == Some(profile)) {
            Some(entry) if entry.preselected => "yes, preselected",
            Some(_) => "yes",
            None => "no: not for this user or groups",
        };
        rows.push(row([
            &(i + 1).to_string(),
            &profile.slug,
            &profile.name,
            &audience(&profile.users, &profile.groups),
            shown,
        ]));
    }
    table(out, &rows);
}

fn rules(out: &mut String, rules: &[Rule]) {
    out.push('\n');
    if rules.is_empty() {
        out.push_str("Rules: none\n");
        return;
    }
    out.push_str(
        "Rules, in file order (each one that matches the user and the image started applies on top of the chosen entry; later wins)\n",
    );
    let mut rows = vec![row(["#", "name", "for", "images"])];
    for (i, rule) in rules.iter().enumerate() {
        let images = if rule.images.is_empty() {
            "any".to_owned()
        } else {
            let names: Vec<String> = rule.images.iter().map(ToString::to_string).collect();
            names.join(", ")
        };
        rows.push(row([
            &(i + 1).to_string(),
            &rule.name,
            &audience(&rule.users, &rule.groups),
            &images,
        ]));
    }
    table(out, &rows);
}

fn entry_table(out: &mut String, entry: &Entry<'_>) {
    let title = match entry.profile {
        Some(p) => format!(
            "Entry `{}` ({}){}",
            p.slug,
            p.name,
            if entry.preselected {
                ", preselected"
            } else {
                ""
            }
        ),
        None => "Server (no entry: single-user defaults)".to_owned(),
    };
    let server = &entry.server;
    let mut heading = title;
    if !server.choices.is_empty() {
        let picked: Vec<String> = server
            .choices
            .iter()
            .map(|c| format!("{}={}", c.option, c.key))
            .collect();
        let _ = write!(heading, "; choices: {}", picked.join(", "));
    }
    let _ = writeln!(out, "{heading}");
    if entry.lacks_image {
        out.push_str("(this entry cannot start the image asked for)\n");
    }
    let mut rows = vec![row(["setting", "value", "from"])];
    rows.extend(settings(server));
    table(out, &rows);
    for problem in server.problems() {
        let _ = writeln!(out, "PROBLEM: {problem}");
    }
    let matched: Vec<&str> = server.matched().map(|r| r.name.as_str()).collect();
    let _ = writeln!(
        out,
        "rules applied: {}",
        if matched.is_empty() {
            "none".to_owned()
        } else {
            matched.join(", ")
        }
    );
    let base = settings(server);
    for variant in &entry.variants {
        let Some(choice) = variant.choices.iter().find(|c| !server.choices.contains(c)) else {
            continue;
        };
        let changed: Vec<String> = settings(variant)
            .into_iter()
            .filter(|r| !base.contains(r))
            .map(|r| format!("{} {} ({})", r[0], r[1], r[2]))
            .collect();
        let _ = writeln!(
            out,
            "choice {}={} ({}): {}",
            choice.option,
            choice.key,
            choice.label,
            if changed.is_empty() {
                "same result".to_owned()
            } else {
                changed.join("; ")
            }
        );
        for problem in variant.problems() {
            let _ = writeln!(out, "  PROBLEM with this choice: {problem}");
        }
    }
}

/// The rows `setting, value, from` of a server.
fn settings(s: &Selection<'_>) -> Vec<Vec<String>> {
    let mut rows = vec![row(["image", &s.image.value.to_string(), &s.image.from])];
    rows.push(row([
        "default URL",
        s.default_url.value,
        &s.default_url.from,
    ]));
    for (setting, value) in [
        ("cpu guarantee", &s.cpu_guarantee),
        ("cpu limit", &s.cpu_limit),
        ("memory guarantee", &s.memory_guarantee),
        ("memory limit", &s.memory_limit),
    ] {
        if let Some(v) = value {
            rows.push(row([setting, &v.value, &v.from]));
        }
    }
    if let Some(gpus) = &s.gpus {
        rows.push(row(["nvidia.com/gpu", &gpus.value.to_string(), &gpus.from]));
    }
    for (bound, extra) in [
        ("limit", &s.extra_limits),
        ("guarantee", &s.extra_guarantees),
    ] {
        for (name, value) in extra {
            rows.push(row([&format!("{name} {bound}"), &value.value, &value.from]));
        }
    }
    for (name, env) in &s.env {
        let shown = match &env.value.value {
            // One line per setting: line breaks shown as `\n`.
            EnvValue::Value(MaybeSecret::Literal(text)) => {
                text.replace('\r', "\\r").replace('\n', "\\n")
            }
            // Only where the secret lives, never its value (jupyflux never has it).
            EnvValue::Value(MaybeSecret::Secret(reference)) => format!("secret {reference}"),
            EnvValue::ConfigMap(c) => format!("ConfigMap {} key {}", c.config_map, c.key),
        };
        rows.push(row([&format!("env {name}"), &shown, &env.from]));
    }
    for toleration in &s.tolerations {
        let t = &toleration.value;
        let text = format!(
            "{} {} {} {}",
            t.key.as_deref().unwrap_or("*"),
            t.operator.as_deref().unwrap_or("Equal"),
            t.value.as_deref().unwrap_or(""),
            t.effect.as_deref().unwrap_or("(any effect)"),
        );
        rows.push(row([
            "toleration",
            &text.split_whitespace().collect::<Vec<_>>().join(" "),
            &toleration.from,
        ]));
    }
    for (label, value) in &s.node_selector {
        let text = format!("{label}={}", value.value);
        rows.push(row(["node selector", &text, &value.from]));
    }
    let terms = s.node_affinity.len();
    for (i, term) in s.node_affinity.iter().enumerate() {
        let setting = if terms == 1 {
            "node affinity".to_owned()
        } else {
            format!("node affinity, term {}", i + 1)
        };
        for expression in term {
            let e = &expression.value;
            let text = format!("{} {} {}", e.key, e.operator, e.values.join(","));
            rows.push(row([&setting, text.trim_end(), &expression.from]));
        }
    }
    for volume in &s.volumes {
        let name = volume
            .value
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("?");
        rows.push(row(["volume", name, &volume.from]));
    }
    for mount in &s.volume_mounts {
        let text = format!("{} at {}", mount.value.name, mount.value.mount_path);
        rows.push(row(["volume mount", &text, &mount.from]));
    }
    if let Some(shm) = &s.shm {
        rows.push(row(["/dev/shm", &shm.value, &shm.from]));
    }
    rows
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// `everyone`, or the users and groups named.
fn audience(users: &[String], groups: &[String]) -> String {
    if users.is_empty() && groups.is_empty() {
        return "everyone".into();
    }
    let mut parts = Vec::new();
    if !users.is_empty() {
        parts.push(format!("users {}", users.join(",")));
    }
    if !groups.is_empty() {
        parts.push(format!("groups {}", groups.join(",")));
    }
    parts.join("; ")
}

/// Left-aligned columns separated by two spaces, no trailing spaces.
fn table(out: &mut String, rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
