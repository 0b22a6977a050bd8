//! The thin API layer: server-side apply of one child or of a notebook's status. Nothing is decided here.

use super::error::{Error, Result};
use crate::notebook::{Notebook, NotebookStatus};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Client, Resource};
use serde_json::{Value, json};

/// The field manager of everything the controller writes.
pub const MANAGER: &str = "jupyflux";

/// Server-side apply, taking over fields another manager set (the controller is the source of truth).
fn params() -> PatchParams {
    PatchParams::apply(MANAGER).force()
}

/// The API resource of a child kind (only the kinds `children()` produces, all covered by the ClusterRole).
fn resource(kind: &str) -> Result<ApiResource> {
    Ok(match kind {
        "ConfigMap" => ApiResource::erase::<ConfigMap>(&()),
        "PersistentVolumeClaim" => ApiResource::erase::<PersistentVolumeClaim>(&()),
        "StatefulSet" => ApiResource::erase::<StatefulSet>(&()),
        "Service" => ApiResource::erase::<Service>(&()),
        "Ingress" => ApiResource::erase::<Ingress>(&()),
        "NetworkPolicy" => ApiResource::erase::<NetworkPolicy>(&()),
        other => return Err(Error::UnknownKind(other.to_owned())),
    })
}

/// Apply `child` in `namespace`; the server answers with the object as it now is (status included).
pub async fn child(client: &Client, namespace: &str, child: &Value) -> Result<DynamicObject> {
    let kind = child["kind"].as_str().unwrap_or_default();
    let name = child["metadata"]["name"].as_str().unwrap_or_default();
    let api = Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource(kind)?);
    Ok(api.patch(name, &params(), &Patch::Apply(child)).await?)
}

/// The metadata of the child `kind`/`name` in `namespace`, if it exists. A list narrowed to the one name, not a
/// GET: the controller's role lists its child kinds anyway, and this needs no further verb.
pub async fn existing(
    client: &Client,
    namespace: &str,
    kind: &str,
    name: &str,
) -> Result<Option<ObjectMeta>> {
    let api = Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource(kind)?);
    let params = ListParams::default().fields(&format!("metadata.name={name}"));
    let found = api.list(&params).await?;
    Ok(found.items.into_iter().next().map(|object| object.metadata))
}

/// The StatefulSet in an apply's answer.
pub fn stateful_set(applied: DynamicObject) -> Result<StatefulSet> {
    serde_json::to_value(applied)
        .and_then(serde_json::from_value)
        .map_err(|source| Error::Decode {
            kind: "StatefulSet",
            source,
        })
}

/// The pod `name`, if it exists (culling reads its container states).
pub async fn pod(client: &Client, namespace: &str, name: &str) -> Result<Option<Pod>> {
    let api = Api::<Pod>::namespaced(client.clone(), namespace);
    Ok(api.get_opt(name).await?)
}

/// Apply `status`: every field of it is the controller's. The answer is not decoded as a `Notebook`: the
/// status of an undecodable one is written the same way.
pub async fn status(
    client: &Client,
    namespace: &str,
    name: &str,
    status: &NotebookStatus,
) -> Result<()> {
    let body = json!({
        "apiVersion": Notebook::api_version(&()),
        "kind": Notebook::kind(&()),
        "status": status,
    });
    let resource = ApiResource::erase::<Notebook>(&());
    let api = Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource);
    api.patch_status(name, &params(), &Patch::Apply(body))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_child_kind_has_its_resource_and_nothing_else() {
        let plurals: Vec<String> = [
            "ConfigMap",
            "PersistentVolumeClaim",
            "StatefulSet",
            "Service",
            "Ingress",
            "NetworkPolicy",
        ]
        .iter()
        .map(|kind| resource(kind).unwrap().plural)
        .collect();
        assert_eq!(
            plurals,
            [
                "configmaps",
                "persistentvolumeclaims",
                "statefulsets",
                "services",
                "ingresses",
                "networkpolicies"
            ]
        );
        assert!(matches!(resource("Secret"), Err(Error::UnknownKind(kind)) if kind == "Secret"));
    }
}
