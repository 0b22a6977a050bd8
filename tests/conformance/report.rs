//! The outcome of validating trees and running kustomize: every violation, counts per category,
//! objects without a schema, notes, and a one-line summary.

use std::collections::BTreeMap;
use std::fmt::Write;

/// What validation found. Violations are complete lines:
/// `<file>: <Kind>/<name>: <json pointer>: <message>`.
#[derive(Debug, Default)]
pub struct Report {
    pub violations: Vec<String>,
    pub notes: Vec<String>,
    /// Objects validated against a schema, by category (flux, kubernetes, chart values, ...).
    pub validated: BTreeMap<String, usize>,
    /// Objects for which no schema is available, by `apiVersion Kind`.
    pub without_schema: BTreeMap<String, usize>,
    pub kustomize_builds: usize,
    /// `kustomize build` runs with kustomize v5 (the one in Flux).
    pub kustomize_v5_builds: usize,
}

impl Report {
    pub fn violation(&mut self, file: &str, object: &str, pointer: &str, message: &str) {
        let pointer = if pointer.is_empty() { "/" } else { pointer };
        self.violations
            .push(format!("{file}: {object}: {pointer}: {}", shorten(message)));
    }

    /// A problem with a whole file (unparsable, applied by nothing, failing to build).
    pub fn file_problem(&mut self, file: &str, message: &str) {
        self.violations
            .push(format!("{file}: {}", message.trim_end()));
    }

    pub fn note(&mut self, line: String) {
        self.notes.push(line);
    }

    pub fn count(&mut self, category: &str) {
        *self.validated.entry(category.to_owned()).or_default() += 1;
    }

    pub fn no_schema(&mut self, what: String) {
        *self.without_schema.entry(what).or_default() += 1;
    }

    pub fn merge(&mut self, other: Report) {
        self.violations.extend(other.violations);
        self.notes.extend(other.notes);
        for (category, n) in other.validated {
            *self.validated.entry(category).or_default() += n;
        }
        for (what, n) in other.without_schema {
            *self.without_schema.entry(what).or_default() += n;
        }
        self.kustomize_builds += other.kustomize_builds;
        self.kustomize_v5_builds += other.kustomize_v5_builds;
    }

    /// Objects validated in `category` (0 when none).
    pub fn validated_in(&self, category: &str) -> usize {
        self.validated.get(category).copied().unwrap_or(0)
    }

    /// One line: objects validated (by category), objects without schema, kustomize builds run.
    pub fn summary(&self) -> String {
        let total: usize = self.validated.values().sum();
        let mut line = format!("validated {total} (");
        let categories: Vec<String> = self
            .validated
            .iter()
            .map(|(category, n)| format!("{category} {n}"))
            .collect();
        line.push_str(&categories.join(", "));
        line.push(')');
        if !self.without_schema.is_empty() {
            let missing: Vec<String> = self
                .without_schema
                .iter()
                .map(|(what, n)| format!("{what} x{n}"))
                .collect();
            let _ = write!(line, "; no schema available: {}", missing.join(", "));
        }
        let _ = write!(
            line,
            "; kustomize builds run: {} (4.5.4), {} (v5); violations: {}",
            self.kustomize_builds,
            self.kustomize_v5_builds,
            self.violations.len()
        );
        line
    }

    /// Every violation (and the notes) with the summary, or `Ok` when there is none.
    pub fn check(&self, what: &str) -> Result<(), String> {
        if self.violations.is_empty() {
            return Ok(());
        }
        let mut message = format!("{what} does not conform:\n");
        for violation in &self.violations {
            let _ = writeln!(message, "  {violation}");
        }
        for note in &self.notes {
            let _ = writeln!(message, "  note: {note}");
        }
        let _ = write!(message, "{}", self.summary());
        Err(message)
    }

    /// Panics listing every violation when there is any.
    pub fn assert_conforms(&self, what: &str) {
        if let Err(message) = self.check(what) {
            panic!("{message}");
        }
    }
}

/// Keeps schema messages readable: validators may print whole sub-documents.
fn shorten(message: &str) -> String {
    const LIMIT: usize = 400;
    let single_line = message.replace('\n', " ");
    if single_line.chars().count() <= LIMIT {
        return single_line;
    }
    let cut: String = single_line.chars().take(LIMIT).collect();
    format!("{cut}...")
}
