//! The three files of a chart archive (`Chart.yaml`, `values.yaml`, `values.schema.json` of its top directory),
//! read into memory from gzip + tar. Links, devices and other special entries are refused, and the archive is
//! bounded: at most [`MAX_ENTRIES`] entries and [`MAX_UNPACKED_BYTES`] bytes unpacked (a gzip bomb stops there).

use super::chart::MAX_CHART_BYTES;
use flate2::read::GzDecoder;
use std::io::Read;
use tar::EntryType;

/// The most entries an archive may have (the Zero to JupyterHub chart has about a hundred).
pub const MAX_ENTRIES: usize = 10_000;
/// The most bytes an archive may unpack to.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;

/// The chart's own files, as found in the archive.
#[derive(Default)]
pub struct ChartFiles {
    pub chart: Option<Vec<u8>>,
    pub values: Option<Vec<u8>>,
    pub schema: Option<Vec<u8>>,
}

/// Read the top directory's `Chart.yaml`, `values.yaml` and `values.schema.json` from a `.tgz`.
pub fn chart_files(bytes: &[u8]) -> Result<ChartFiles, String> {
    let unpacked = GzDecoder::new(bytes).take(MAX_UNPACKED_BYTES + 1);
    let mut archive = tar::Archive::new(unpacked);
    let mut files = ChartFiles::default();
    let entries = archive
        .entries()
        .map_err(|e| format!("not gzip + tar: {e}"))?;
    for (index, entry) in entries.enumerate() {
        if index >= MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries"));
        }
        let mut entry = entry.map_err(|e| {
            format!("not gzip + tar (or over {MAX_UNPACKED_BYTES} bytes unpacked): {e}")
        })?;
        let path = entry
            .path()
            .map_err(|e| format!("an entry has no usable name: {e}"))?
            .to_string_lossy()
            .into_owned();
        match entry.header().entry_type() {
            EntryType::Regular | EntryType::Continuous => {}
            EntryType::Directory => continue,
            other => return Err(format!("entry {path} is a {}", describe(other))),
        }
        let parts: Vec<&str> = path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        let slot = match parts.as_slice() {
            [_, "Chart.yaml"] => &mut files.chart,
            [_, "values.yaml"] => &mut files.values,
            [_, "values.schema.json"] => &mut files.schema,
            _ => continue,
        };
        if entry.size() > MAX_CHART_BYTES {
            return Err(format!("{path} is over {MAX_CHART_BYTES} bytes"));
        }
        let mut content = Vec::new();
        (&mut entry)
            .take(MAX_CHART_BYTES + 1)
            .read_to_end(&mut content)
            .map_err(|e| format!("{path}: {e}"))?;
        if slot.is_none() {
            *slot = Some(content);
        }
    }
    Ok(files)
}

fn describe(kind: EntryType) -> &'static str {
    match kind {
        EntryType::Symlink => "symbolic link",
        EntryType::Link => "hard link",
        EntryType::Char | EntryType::Block => "device",
        EntryType::Fifo => "FIFO",
        _ => "special entry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};

    /// A `.tgz` of `(path, content)` regular files, plus a symbolic link when `link` names one.
    pub fn archive(files: &[(&str, &str)], link: Option<&str>) -> Vec<u8> {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        for (path, content) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, path, content.as_bytes())
                .unwrap();
        }
        if let Some(path) = link {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(EntryType::Symlink);
            header.set_size(0);
            builder
                .append_link(&mut header, path, "/etc/passwd")
                .unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn reads_the_top_directory_and_refuses_links() {
        let bytes = archive(
            &[
                (
                    "jupyterhub/Chart.yaml",
                    "name: jupyterhub\nversion: 4.4.0\n",
                ),
                ("jupyterhub/values.schema.json", "{}"),
                ("jupyterhub/charts/sub/values.yaml", "not: this\n"),
                ("jupyterhub/values.yaml", "hub: {}\n"),
            ],
            None,
        );
        let files = chart_files(&bytes).unwrap();
        assert_eq!(files.values.as_deref(), Some(&b"hub: {}\n"[..]));
        assert_eq!(files.schema.as_deref(), Some(&b"{}"[..]));
        assert!(files.chart.is_some());
        let linked = archive(
            &[("jupyterhub/values.yaml", "a: 1\n")],
            Some("jupyterhub/values.schema.json"),
        );
        let error = chart_files(&linked).err().unwrap();
        assert!(error.contains("symbolic link"), "{error}");
        assert!(chart_files(b"not an archive").is_err());
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let big = "#".repeat(MAX_CHART_BYTES as usize + 1);
        let bytes = archive(&[("jupyterhub/values.yaml", &big)], None);
        let error = chart_files(&bytes).err().unwrap();
        assert!(error.contains("is over"), "{error}");
    }
}
