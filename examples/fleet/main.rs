//! A deterministic fleet generator for benchmarks: writes an `overlays/` tree with `--hubs` hubs and `--notebooks`
//! notebooks (same arguments → same bytes).
//!
//! `cargo run --release --example fleet -- --hubs 50 --notebooks 10000 --out DIR` writes `DIR/overlays/`:
//! a VaultStore and every hub and notebook in `base/`, and environments `staging` and `production` that
//! override some of them. Hubs log in with OIDC, keep their chart secrets in Vault and offer profiles and sizes;
//! notebooks are spread over namespaces (about 100 per namespace), with both storage kinds and both auth kinds.

mod generate;

use clap::Parser;
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(about = "Write a deterministic overlays/ tree of the requested size")]
struct Args {
    /// Number of hubs.
    #[arg(long, default_value_t = 50)]
    hubs: usize,
    /// Number of standalone notebooks.
    #[arg(long, default_value_t = 1000)]
    notebooks: usize,
    /// Notebooks per namespace.
    #[arg(long, default_value_t = 100)]
    per_namespace: usize,
    /// Project root to write (`DIR/overlays/` is replaced).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let overlays = args.out.join("overlays");
    if overlays.exists() {
        std::fs::remove_dir_all(&overlays)?;
    }
    for (path, text) in generate::fleet(args.hubs, args.notebooks, args.per_namespace) {
        write(&overlays.join(path), &text)?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}
