//! Files the chart mounts into a pod from a Secret it renders (`singleuser.extraFiles`; the hub's
//! `hub.extraFiles` has the same shape): where, with what content, and with which permission bits.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Files by name (the key in the chart's Secret: letters, digits, `-`, `_`, `.`).
pub type ExtraFiles = BTreeMap<String, ExtraFile>;

/// One file: exactly one of `stringData`, `data` or `binaryData`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ExtraFile {
    /// Absolute path of the file in the container, e.g. `/etc/jupyter/jupyter_server_config.json`.
    pub mount_path: String,
    /// The file's text, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_data: Option<String>,
    /// Structured content the chart writes as YAML, JSON or TOML, after the mount path's extension
    /// (`.yaml`/`.yml`, `.json`, `.toml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
    /// Binary content, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_data: Option<String>,
    /// Permission bits as a number (`0644` octal is `420`; the chart's default `0644`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

/// The extensions whose `data` the chart can write.
pub const DATA_EXTENSIONS: [&str; 4] = [".yaml", ".yml", ".json", ".toml"];

impl ExtraFile {
    /// What is wrong with the file, as (field, message, help).
    pub fn problems(&self) -> Vec<(&'static str, String, &'static str)> {
        let mut problems = Vec::new();
        if !self.mount_path.starts_with('/') {
            problems.push((
                "mountPath",
                format!("mount path `{}` is not absolute", self.mount_path),
                "write the full path, e.g. `/etc/jupyter/config.json`",
            ));
        }
        let contents = [
            self.string_data.is_some(),
            self.data.is_some(),
            self.binary_data.is_some(),
        ];
        if contents.iter().filter(|set| **set).count() != 1 {
            problems.push((
                "mountPath",
                "a file needs exactly one of stringData, data and binaryData".into(),
                "keep the one that holds its content",
            ));
        }
        if self.data.is_some() && !DATA_EXTENSIONS.iter().any(|e| self.mount_path.ends_with(e)) {
            problems.push((
                "data",
                format!(
                    "the chart writes `data` only to a .yaml, .yml, .json or .toml file, not `{}`",
                    self.mount_path
                ),
                "write the text as `stringData`, or mount it at a path with one of those extensions",
            ));
        }
        if let Some(binary) = &self.binary_data
            && !is_base64(binary)
        {
            problems.push((
                "binaryData",
                "binaryData is not base64".into(),
                "encode the content, e.g. `base64 -w0 FILE`",
            ));
        }
        if self.mode.is_some_and(|m| m > 0o777) {
            problems.push((
                "mode",
                format!(
                    "mode {} is more than 511 (0777)",
                    self.mode.unwrap_or_default()
                ),
                "write the permission bits as a decimal number, e.g. 420 for 0644",
            ));
        }
        problems
    }
}

/// Whether `name` can be a key of a Secret.
pub fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_base64(text: &str) -> bool {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    text.len().is_multiple_of(4)
        && text.trim_end_matches('=').len() + 2 >= text.len()
        && text
            .trim_end_matches('=')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(json: &str) -> ExtraFile {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn one_content_at_an_absolute_path() {
        let fine = file(r#"{"mountPath": "/etc/a.json", "data": {"a": 1}, "mode": 420}"#);
        assert!(fine.problems().is_empty());
        let fields = |json: &str| -> Vec<&'static str> {
            file(json).problems().into_iter().map(|p| p.0).collect()
        };
        assert_eq!(
            fields(r#"{"mountPath": "etc/a.py", "stringData": "x"}"#),
            ["mountPath"]
        );
        assert_eq!(
            fields(r#"{"mountPath": "/a", "stringData": "x", "binaryData": "eA=="}"#),
            ["mountPath"]
        );
        assert_eq!(fields(r#"{"mountPath": "/a.py", "data": {}}"#), ["data"]);
        assert_eq!(
            fields(r#"{"mountPath": "/a", "binaryData": "not base64!"}"#),
            ["binaryData"]
        );
        assert_eq!(
            fields(r#"{"mountPath": "/a", "binaryData": "eA==", "mode": 4095}"#),
            ["mode"]
        );
        assert!(is_file_name("monitoring-setup") && !is_file_name("a/b"));
    }
}
