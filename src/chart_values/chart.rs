//! A chart's values schema and default values, read from what a hub's `spec.chart.schema` names: a
//! `values.schema.json` file, a chart directory or a chart `.tgz`, inside the repository.

use super::tgz;
use crate::files::{FileError, MAX_FILE_BYTES, ensure_no_link_below, read_regular};
use serde_json::Value;
use std::path::Path;

/// What a chart says about its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// `values.schema.json`.
    pub schema: Value,
    /// `values.yaml` (absent beside a lone schema file without one).
    pub defaults: Option<Value>,
    /// `name` and `version` of `Chart.yaml`, when the chart has one.
    pub name: Option<String>,
    pub version: Option<String>,
}

/// Why a chart could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("`{0}` is not a path inside the repository")]
    Outside(String),
    #[error("`{0}` does not exist")]
    Missing(String),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{path} is not a chart archive jupyflux reads: {why}")]
    Archive { path: String, why: String },
    #[error("{path} has no {file}")]
    NoFile { path: String, file: &'static str },
    #[error("{path}: {why}")]
    Invalid { path: String, why: String },
}

impl ChartError {
    /// What would make the path acceptable, for a `help:` line.
    pub fn help(&self) -> String {
        match self {
            ChartError::Outside(_) | ChartError::Missing(_) | ChartError::NoFile { .. } => {
                "name, relative to the repository root, a values.schema.json, a chart directory holding values.yaml and values.schema.json, or a chart .tgz (`helm pull jupyterhub/jupyterhub --version X`)".into()
            }
            ChartError::File(e) => e.help().unwrap_or("make it a readable regular file").into(),
            ChartError::Archive { .. } => {
                "use the .tgz `helm pull` downloads: regular files only, no links".into()
            }
            ChartError::Invalid { .. } => "use the chart's files as it publishes them".into(),
        }
    }
}

/// Read the chart at `relative` (a path inside `root`, `/`-separated).
pub fn read_chart(root: &Path, relative: &str) -> Result<Chart, ChartError> {
    let inside = !relative.is_empty()
        && !relative.starts_with('/')
        && !relative.contains('\\')
        && relative.split('/').all(|part| part != "..");
    if !inside {
        return Err(ChartError::Outside(relative.to_owned()));
    }
    ensure_no_link_below(root, relative)?;
    let path = root.join(relative);
    let metadata =
        std::fs::symlink_metadata(&path).map_err(|_| ChartError::Missing(relative.to_owned()))?;
    if metadata.is_dir() {
        return from_directory(&path, relative);
    }
    let bytes = read_regular(&path, relative)?;
    if relative.ends_with(".tgz") || relative.ends_with(".tar.gz") {
        let files = tgz::chart_files(&bytes).map_err(|why| ChartError::Archive {
            path: relative.to_owned(),
            why,
        })?;
        let schema = files.schema.ok_or(ChartError::NoFile {
            path: relative.to_owned(),
            file: "values.schema.json",
        })?;
        return assemble(
            relative,
            &schema,
            files.values.as_deref(),
            files.chart.as_deref(),
        );
    }
    // A lone schema file: the chart's defaults are the values.yaml beside it, when there is one.
    let dir = relative.rsplit_once('/').map_or("", |(dir, _)| dir);
    let beside = join(dir, "values.yaml");
    let defaults = read_optional(root, &beside, &beside)?;
    assemble(relative, &bytes, defaults.as_deref(), None)
}

fn from_directory(path: &Path, relative: &str) -> Result<Chart, ChartError> {
    let read = |name: &str| read_optional(path, name, &join(relative, name));
    let schema = read("values.schema.json")?.ok_or(ChartError::NoFile {
        path: relative.to_owned(),
        file: "values.schema.json",
    })?;
    let values = read("values.yaml")?;
    let chart = read("Chart.yaml")?;
    assemble(relative, &schema, values.as_deref(), chart.as_deref())
}

/// The file `name` under `dir` (shown as `display`), `None` when it does not exist.
fn read_optional(dir: &Path, name: &str, display: &str) -> Result<Option<Vec<u8>>, ChartError> {
    let path = dir.join(name);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    Ok(Some(read_regular(&path, display)?))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn assemble(
    path: &str,
    schema: &[u8],
    values: Option<&[u8]>,
    chart: Option<&[u8]>,
) -> Result<Chart, ChartError> {
    let invalid = |file: &str, why: String| ChartError::Invalid {
        path: path.to_owned(),
        why: format!("{file}: {why}"),
    };
    let schema: Value = serde_json::from_slice(schema)
        .map_err(|e| invalid("values.schema.json", format!("not JSON: {e}")))?;
    let defaults = match values {
        Some(bytes) => Some(yaml(bytes).map_err(|why| invalid("values.yaml", why))?),
        None => None,
    };
    let chart = match chart {
        Some(bytes) => yaml(bytes).map_err(|why| invalid("Chart.yaml", why))?,
        None => Value::Null,
    };
    let text = |field: &str| match &chart[field] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Ok(Chart {
        schema,
        defaults: defaults.filter(|d| !d.is_null()),
        name: text("name"),
        version: text("version"),
    })
}

fn yaml(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())?;
    serde_saphyr::from_str(text).map_err(|e| format!("not YAML: {e}"))
}

/// The largest file read from a chart, and the largest chart: the Zero to JupyterHub chart is far below both.
pub const MAX_CHART_BYTES: u64 = MAX_FILE_BYTES;

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, relative: &str, text: &str) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_directory_a_lone_schema_and_paths_outside_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "charts/z2jh/values.schema.json",
            r#"{"type": "object"}"#,
        );
        write(root, "charts/z2jh/values.yaml", "hub: {}\n");
        write(
            root,
            "charts/z2jh/Chart.yaml",
            "name: jupyterhub\nversion: 4.4.0\n",
        );
        write(root, "schemas/values.schema.json", r#"{"type": "object"}"#);
        let chart = read_chart(root, "charts/z2jh").unwrap();
        assert_eq!(chart.defaults, Some(serde_json::json!({"hub": {}})));
        assert_eq!(chart.version.as_deref(), Some("4.4.0"));
        let lone = read_chart(root, "schemas/values.schema.json").unwrap();
        assert_eq!(lone.defaults, None);
        assert_eq!(lone.version, None);
        let beside = read_chart(root, "charts/z2jh/values.schema.json").unwrap();
        assert!(beside.defaults.is_some());
        for outside in ["../x", "/etc", "a/../../b", ""] {
            assert!(
                matches!(read_chart(root, outside), Err(ChartError::Outside(_))),
                "{outside}"
            );
        }
        assert!(matches!(
            read_chart(root, "nope.tgz"),
            Err(ChartError::Missing(_))
        ));
        write(root, "empty/README", "");
        assert!(matches!(
            read_chart(root, "empty"),
            Err(ChartError::NoFile {
                file: "values.schema.json",
                ..
            })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "real/values.schema.json", "{}");
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
        assert!(matches!(
            read_chart(root, "link/values.schema.json"),
            Err(ChartError::File(FileError::Symlink { .. }))
        ));
    }
}
