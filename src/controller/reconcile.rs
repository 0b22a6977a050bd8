//! What to do with a notebook, as a pure function: nothing (it is being deleted), report its problems, or apply
//! its children, each owned by the notebook except a retained home volume.

use super::error::{Error, Result};
use crate::model::environment::Tls;
use crate::notebook::children::{ControllerConfig, children};
use crate::notebook::spec::{NotebookStorage, VolumePolicy};
use crate::notebook::{Notebook, NotebookSpec, Problem, validate};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::{Resource, ResourceExt};
use serde_json::{Value, json};

/// The decision for one notebook.
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// The notebook is being deleted: Kubernetes' garbage collector removes the children it owns (a retained
    /// volume is not owned, so it stays). Nothing is applied.
    Deleting,
    /// The spec has problems: report them in the status, apply nothing.
    Invalid(Vec<Problem>),
    /// Apply `children` in order (ownerReferences set), then report what the StatefulSet shows.
    Apply {
        /// The spec with the cluster defaults written in.
        spec: Box<NotebookSpec>,
        /// The objects to apply, in `children()`'s order.
        children: Vec<Value>,
    },
}

/// Decide what to do with `notebook`.
pub fn plan(notebook: &Notebook, config: &ControllerConfig) -> Result<Plan> {
    if notebook.metadata.deletion_timestamp.is_some() {
        return Ok(Plan::Deleting);
    }
    let owner = owner_reference(notebook)?;
    let (spec, children) = match expand(notebook, config) {
        Ok(expanded) => expanded,
        Err(problems) => return Ok(Plan::Invalid(problems)),
    };
    let children = children
        .into_iter()
        .map(|mut child| {
            if owned(&child, &spec) {
                child["metadata"]["ownerReferences"] = json!([owner]);
            }
            child
        })
        .collect();
    Ok(Plan::Apply {
        spec: Box::new(spec),
        children,
    })
}

/// The spec of `notebook` with the Environment's defaults written in (and `hibernated` when the annotation asks)
/// and its children (without owner references), or the spec's problems: what the controller applies and `jupyflux expand` prints. A notebook
/// created outside Git (say by the Data Manager) gets the same defaults as one `render` writes.
pub fn expand(
    notebook: &Notebook,
    config: &ControllerConfig,
) -> std::result::Result<(NotebookSpec, Vec<Value>), Vec<Problem>> {
    // The hibernate annotation counts as `spec.hibernated`, so `expand` shows what the controller applies.
    let mut completed = crate::notebook::hibernate::honoured(notebook);
    completed.spec = config.defaults.apply(&notebook.name_any(), &completed.spec);
    let mut problems = problems(&completed.spec);
    if let Some(policy) = &config.policy {
        problems.extend(policy_problems(policy, &completed.spec, config));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let children = children(&completed, config);
    Ok((completed.spec, children))
}

/// How `spec` breaks the Environment's policy (the same rules `render` applies to notebooks in Git), paths under
/// `spec` as the other problems have them.
fn policy_problems(
    policy: &crate::notebook::config::EnvironmentPolicy,
    spec: &NotebookSpec,
    config: &ControllerConfig,
) -> Vec<Problem> {
    crate::model::policy_rules::notebook_problems(
        &policy.policy,
        spec,
        &config.oauth2_proxy_image,
        &policy.environment,
    )
    .into_iter()
    .map(|mut problem| {
        if problem.path.first().is_some_and(|p| p == "spec") {
            problem.path.remove(0);
        }
        problem
    })
    .collect()
}

/// `validate()`'s problems, plus what only the controller can see: TLS needs a host for its certificate.
pub fn problems(spec: &NotebookSpec) -> Vec<Problem> {
    let mut problems = validate(spec);
    if spec.routing.host.is_none() && spec.routing.tls.is_some() {
        let kind = match spec.routing.tls {
            Some(Tls::ClusterIssuer(_)) => "a certificate from a cluster issuer",
            Some(Tls::DefaultCertificate(_)) => "the ingress controller's default certificate",
            _ => "a TLS secret",
        };
        problems.push(Problem {
            path: vec!["routing".into(), "host".into()],
            message: format!("routing.tls asks for {kind} but the notebook has no host"),
            help: "set routing.host, or start the controller with --default-host".into(),
        });
    }
    problems
}

/// The reference every owned child carries: the notebook is its controller, and foreground deletion waits for it.
pub fn owner_reference(notebook: &Notebook) -> Result<OwnerReference> {
    let meta = &notebook.metadata;
    if meta.namespace.is_none() {
        return Err(Error::MissingMetadata("namespace"));
    }
    Ok(OwnerReference {
        api_version: Notebook::api_version(&()).into_owned(),
        kind: Notebook::kind(&()).into_owned(),
        name: meta.name.clone().ok_or(Error::MissingMetadata("name"))?,
        uid: meta.uid.clone().ok_or(Error::MissingMetadata("uid"))?,
        controller: Some(true),
        block_owner_deletion: Some(true),
    })
}

/// Whether `child` is deleted with the notebook: everything but the home volume of a `retain` policy.
pub fn owned(child: &Value, spec: &NotebookSpec) -> bool {
    let retained =
        matches!(&spec.home(), Some(NotebookStorage::New(v)) if v.policy == VolumePolicy::Retain);
    !(retained && child["kind"] == "PersistentVolumeClaim")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notebook(storage: Value, routing: Value) -> Notebook {
        serde_json::from_value(json!({
            "apiVersion": "jupyflux.dev/v1alpha1",
            "kind": "Notebook",
            "metadata": {"name": "alice", "namespace": "notebooks", "uid": "u-1", "generation": 1},
            "spec": {
                "image": "quay.io/jupyter/base-notebook:2025-01-13",
                "owner": "alice",
                "storage": storage,
                "routing": routing,
                "auth": {"token": {"vault": "notebooks/alice#token"}},
            },
        }))
        .unwrap()
    }

    fn owners(plan: &Plan) -> Vec<(String, usize)> {
        let Plan::Apply { children, .. } = plan else {
            panic!("expected children, got {plan:?}");
        };
        children
            .iter()
            .map(|c| {
                let refs = c["metadata"]["ownerReferences"]
                    .as_array()
                    .map_or(0, Vec::len);
                (c["kind"].as_str().unwrap().to_owned(), refs)
            })
            .collect()
    }

    #[test]
    fn a_retained_volume_is_not_owned() {
        let nb = notebook(json!({"new": {"size": "1Gi"}}), json!({}));
        let plan = plan(&nb, &ControllerConfig::default()).unwrap();
        let expected = [
            ("ConfigMap", 1),
            ("PersistentVolumeClaim", 0),
            ("StatefulSet", 1),
            ("Service", 1),
            ("Ingress", 1),
            ("NetworkPolicy", 1),
        ];
        assert_eq!(owners(&plan), expected.map(|(k, n)| (k.to_owned(), n)));
        let Plan::Apply { children, .. } = &plan else {
            unreachable!()
        };
        assert_eq!(
            children[0]["metadata"]["ownerReferences"],
            json!([{"apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook", "name": "alice", "uid": "u-1",
                    "controller": true, "blockOwnerDeletion": true}])
        );
    }

    #[test]
    fn a_deleted_volume_is_owned() {
        let nb = notebook(
            json!({"new": {"size": "1Gi", "policy": "delete"}}),
            json!({}),
        );
        let plan = plan(&nb, &ControllerConfig::default()).unwrap();
        assert_eq!(owners(&plan)[1], ("PersistentVolumeClaim".to_owned(), 1));
    }

    #[test]
    fn the_default_host_fills_a_missing_one_only() {
        let mut config = ControllerConfig::default();
        config.defaults.host = Some("nb.example.org".into());
        let host = |nb: &Notebook| match plan(nb, &config).unwrap() {
            Plan::Apply { spec, .. } => spec.routing.host,
            other => panic!("{other:?}"),
        };
        let claim = json!({"existingClaim": {"claimName": "project"}});
        assert_eq!(
            host(&notebook(claim.clone(), json!({}))).as_deref(),
            Some("nb.example.org")
        );
        let own = notebook(claim, json!({"host": "own.example.org"}));
        assert_eq!(host(&own).as_deref(), Some("own.example.org"));
    }

    #[test]
    fn the_hibernate_annotation_scales_the_children_to_zero() {
        let mut nb = notebook(json!({"new": {"size": "1Gi"}}), json!({}));
        let (_, children) = expand(&nb, &ControllerConfig::default()).unwrap();
        assert_eq!(children[2]["spec"]["replicas"], 1);
        let annotation = crate::notebook::hibernate::HIBERNATE_ANNOTATION;
        nb.metadata.annotations = Some([(annotation.to_owned(), "true".to_owned())].into());
        let (spec, children) = expand(&nb, &ControllerConfig::default()).unwrap();
        assert!(spec.hibernated);
        assert_eq!(children[2]["kind"], "StatefulSet");
        assert_eq!(children[2]["spec"]["replicas"], 0);
    }

    #[test]
    fn tls_without_a_host_is_a_problem() {
        let nb = notebook(
            json!({"new": {"size": "1Gi"}}),
            json!({"tls": {"clusterIssuer": "le"}}),
        );
        let Plan::Invalid(problems) = plan(&nb, &ControllerConfig::default()).unwrap() else {
            panic!("expected problems");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, ["routing", "host"]);
    }

    #[test]
    fn deleting_and_incomplete_notebooks() {
        let mut nb = notebook(json!({"new": {"size": "1Gi"}}), json!({}));
        nb.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
            ));
        assert!(matches!(
            plan(&nb, &ControllerConfig::default()),
            Ok(Plan::Deleting)
        ));
        nb.metadata.deletion_timestamp = None;
        nb.metadata.uid = None;
        assert!(matches!(
            plan(&nb, &ControllerConfig::default()),
            Err(Error::MissingMetadata("uid"))
        ));
    }
}
