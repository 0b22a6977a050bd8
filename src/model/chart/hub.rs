//! The chart's `hub` section: the hub pod and its database.

use crate::model::quantity::Quantity;
use crate::model::secret::SecretRef;
use schemars::JsonSchema;
use serde::Deserialize;

/// The hub database: exactly one of `sqlite` (a volume), `postgres` or `mysql` (an external server).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Database {
    #[serde(default)]
    pub sqlite: Option<Sqlite>,
    #[serde(default)]
    pub postgres: Option<ExternalDatabase>,
    #[serde(default)]
    pub mysql: Option<ExternalDatabase>,
}

/// SQLite on a PersistentVolumeClaim of the hub.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct Sqlite {
    /// Size of the volume (default: the chart's, 1Gi).
    #[serde(default)]
    pub size: Option<Quantity>,
    /// Storage class (default: the Environment's).
    #[serde(default)]
    pub storage_class: Option<crate::model::names::DnsSubdomain>,
}

/// An external database server; its URL (with the password) is a secret.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExternalDatabase {
    /// SQLAlchemy URL, e.g. `postgresql+psycopg2://hub:…@db.example.org:5432/jupyterhub`, from Vault.
    pub url: SecretRef,
}

/// The database kinds under `spec.database`.
pub const DATABASE_CHOICES: [&str; 3] = ["sqlite", "postgres", "mysql"];

impl Database {
    /// The kinds written (valid definitions have at most one).
    pub fn chosen(&self) -> Vec<&'static str> {
        let present = [
            self.sqlite.is_some(),
            self.postgres.is_some(),
            self.mysql.is_some(),
        ];
        DATABASE_CHOICES
            .into_iter()
            .zip(present)
            .filter_map(|(name, set)| set.then_some(name))
            .collect()
    }

    /// The external database and the chart's `hub.db.type` for it, if one is chosen.
    pub fn external(&self) -> Option<(&'static str, &ExternalDatabase)> {
        self.postgres
            .as_ref()
            .map(|db| ("postgres", db))
            .or(self.mysql.as_ref().map(|db| ("mysql", db)))
    }
}
