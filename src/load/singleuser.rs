//! Checks of a hub's user-pod settings that a type alone cannot make and Kubernetes or the hub's Pod Security
//! level would refuse: root servers, the start timeout and command, the pod name template, sidecars, extra files,
//! and node affinity.

use super::sections::Checks;
use crate::model::chart::extra_files::is_file_name;
use crate::model::hub::HubSpec;
use crate::notebook::security::PodSecurityLevel;

/// Check `spec.singleuser`.
pub(super) fn validate(spec: &HubSpec, checks: &mut Checks) {
    let user = &spec.singleuser;
    if user.uid == Some(0) && spec.pod_security == PodSecurityLevel::Restricted {
        checks.at(
            &["spec", "singleuser", "uid"],
            "uid 0 runs servers as root, which the restricted Pod Security profile refuses".into(),
            "use the image's user (e.g. 1000), leave uid out for the chart's 1000, or set `podSecurity: baseline` on the hub to run servers as root",
        );
    }
    if let Some(template) = &user.pod_name_template
        && let Err(why) = pod_name_template(template)
    {
        checks.at(
            &["spec", "singleuser", "podNameTemplate"],
            why,
            "write lowercase letters, digits and `-` around KubeSpawner's fields, e.g. `jupyter-{username}--{servername}`",
        );
    }
    if user.start_timeout == Some(crate::model::seconds::Seconds(0)) {
        checks.at(
            &["spec", "singleuser", "startTimeout"],
            "startTimeout must be more than 0 seconds".into(),
            "e.g. `startTimeout: 600` for large images (the chart's default is 300)",
        );
    }
    if let Some(cmd) = &user.cmd
        && cmd.words().first().is_none_or(|w| w.trim().is_empty())
    {
        checks.at(
            &["spec", "singleuser", "cmd"],
            "the command is empty".into(),
            "write the program, e.g. `cmd: start-singleuser.sh` or `cmd: [jupyterhub-singleuser]`",
        );
    }
    super::sidecars::check(
        checks,
        &["spec", "singleuser", "extraContainers"],
        &user.extra_containers,
        spec.pod_security,
        spec.images.moving_tags == crate::model::image::MovingTags::Allow,
    );
    for (name, file) in &user.extra_files {
        let at = ["spec", "singleuser", "extraFiles", name.as_str()];
        if !is_file_name(name) {
            checks.at(
                &at,
                format!("`{name}` cannot name a file of the chart's Secret"),
                "use letters, digits, `-`, `_` and `.`",
            );
        }
        for (field, message, help) in file.problems() {
            checks.at(&[&at[..], &[field]].concat(), message, help);
        }
    }
    let affinity = &user.extra_node_affinity;
    if user.affinity.is_some() && (!affinity.required.is_empty() || !affinity.preferred.is_empty())
    {
        checks.at(
            &["spec", "singleuser", "affinity"],
            "`affinity` replaces the pod's whole affinity, so `extraNodeAffinity` would do nothing"
                .into(),
            "move the node terms into `affinity.nodeAffinity`, or use only `extraNodeAffinity`",
        );
    }
    for (i, term) in affinity.required.iter().enumerate() {
        if term.is_empty() {
            checks.at(
                &[
                    "spec",
                    "singleuser",
                    "extraNodeAffinity",
                    "required",
                    &i.to_string(),
                ],
                "a node selector term without requirements matches no node".into(),
                "give it `matchExpressions: [{key, operator, values}]`",
            );
        }
    }
    for (i, term) in affinity.preferred.iter().enumerate() {
        if !(1..=100).contains(&term.weight) {
            checks.at(
                &[
                    "spec",
                    "singleuser",
                    "extraNodeAffinity",
                    "preferred",
                    &i.to_string(),
                    "weight",
                ],
                format!("weight {} is outside 1–100", term.weight),
                "Kubernetes takes a preference weight from 1 to 100",
            );
        }
    }
}

/// Whether a pod name template expands to a DNS label: its text outside `{field}`s is lowercase letters, digits
/// and `-` (KubeSpawner escapes what it fills in), it starts with a letter or a field, and its braces pair up.
fn pod_name_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    let mut literal = String::new();
    while let Some(open) = rest.find('{') {
        literal.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            return Err(format!(
                "pod name template `{template}` has a `{{` without `}}`"
            ));
        };
        let field = &rest[open + 1..open + close];
        if field.is_empty() || !field.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(format!(
                "`{{{field}}}` in pod name template `{template}` is not a KubeSpawner field"
            ));
        }
        rest = &rest[open + close + 1..];
    }
    literal.push_str(rest);
    if template.is_empty() || template.starts_with('-') {
        return Err(format!(
            "pod name template `{template}` does not start a DNS label"
        ));
    }
    match literal
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        Some(c) => Err(format!(
            "`{c}` in pod name template `{template}` cannot be in a pod name"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::load::test_hub_problems as problems;

    #[test]
    fn user_pods_kubernetes_would_refuse() {
        let text = problems(
            "  singleuser:\n    uid: 0\n    podNameTemplate: \"Jupyter-{username\"\n    startTimeout: 0\n    cmd: []\n    extraNodeAffinity:\n      required: [{}]\n      preferred: [{weight: 0, preference: {matchExpressions: [{key: a, operator: Exists}]}}]\n",
        );
        for expected in [
            "spec.singleuser.uid: uid 0 runs servers as root",
            "spec.singleuser.podNameTemplate: pod name template `Jupyter-{username` has a `{` without `}`",
            "spec.singleuser.startTimeout: startTimeout must be more than 0 seconds",
            "spec.singleuser.cmd: the command is empty",
            "spec.singleuser.extraNodeAffinity.required[0]: a node selector term without requirements",
            "spec.singleuser.extraNodeAffinity.preferred[0].weight: weight 0 is outside 1–100",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
    }

    #[test]
    fn one_way_to_set_affinity() {
        let text = problems(concat!(
            "  singleuser:\n",
            "    extraNodeAffinity: {required: [{matchExpressions: [{key: a, operator: Exists}]}]}\n",
            "    affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}\n",
        ));
        assert!(
            text.contains("spec.singleuser.affinity: `affinity` replaces the pod's whole affinity"),
            "{text}"
        );
        let typo = problems("  singleuser:\n    affinity: {nodeAfinity: {}}\n");
        assert!(typo.contains("unknown field `nodeAfinity`"), "{typo}");
    }

    #[test]
    fn sidecars_are_named_pinned_and_admitted() {
        let text = problems(concat!(
            "  singleuser:\n",
            "    extraContainers:\n",
            "      - {name: notebook, image: \"example.org/a:1\"}\n",
            "      - {name: mon, image: \"example.org/mon:latest\"}\n",
            "      - {name: mon, securityContext: {privileged: true, runAsUser: 0}}\n",
        ));
        for expected in [
            "spec.singleuser.extraContainers[0].name: `notebook` cannot name a sidecar",
            "spec.singleuser.extraContainers[1].image: image `example.org/mon:latest` is tagged `latest`",
            "spec.singleuser.extraContainers[2].name: a second sidecar named `mon`",
            "spec.singleuser.extraContainers[2]: sidecar `mon` has no image",
            "spec.singleuser.extraContainers[2].securityContext.privileged: sidecar `mon`: `privileged` needs the privileged Pod Security profile; the hub's is restricted",
            "spec.singleuser.extraContainers[2].securityContext.runAsUser: sidecar `mon`: `runAsUser` needs the baseline",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        let fine = problems(
            "  podSecurity: baseline\n  singleuser:\n    extraContainers: [{name: mon, image: \"example.org/mon:1\", securityContext: {runAsUser: 0, capabilities: {add: [CHOWN]}}}]\n",
        );
        assert_eq!(fine, "");
    }

    #[test]
    fn extra_files_are_located() {
        let text = problems(
            "  singleuser:\n    extraFiles:\n      a/b: {mountPath: /a.py, stringData: x}\n      c: {mountPath: c.py, data: {k: v}}\n",
        );
        for expected in [
            "spec.singleuser.extraFiles.a/b: `a/b` cannot name a file",
            "spec.singleuser.extraFiles.c.mountPath: mount path `c.py` is not absolute",
            "spec.singleuser.extraFiles.c.data: the chart writes `data` only to",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        let text = problems(
            "  singleuser:\n    extraFiles:\n      c: {mountPath: /c.json, data: {db: {password: hunter2}}}\n",
        );
        let expected = "plaintext secret in spec.singleuser.extraFiles at `c.data.db.password` (value not shown)";
        assert!(text.contains(expected), "{expected}\n{text}");
    }

    #[test]
    fn root_servers_with_the_baseline_profile() {
        let fine = problems(
            "  podSecurity: baseline\n  singleuser: {uid: 0, podNameTemplate: \"purdue-af-{userid}\"}\n",
        );
        assert_eq!(fine, "");
        for (template, expected) in [
            ("jupyter_{username}", "`_` in pod name template"),
            ("x-{user name}", "`{user name}` in pod name template"),
            ("-{username}", "does not start a DNS label"),
        ] {
            assert!(
                super::pod_name_template(template)
                    .unwrap_err()
                    .contains(expected),
                "{template}"
            );
        }
    }
}
