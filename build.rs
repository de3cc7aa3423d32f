//! Builds `templates/` and `static/` into the binary, so an installed `vocpath` needs no source
//! checkout: writes `$OUT_DIR/assets.rs`, a sorted list of `(path, include_bytes!(…))`.
//!
//! Cargo reruns this script (and so rebuilds the crate) whenever a file under either folder is
//! edited, added or removed (`rerun-if-changed` on a folder scans it whole). A file list made here,
//! rather than by a derive macro, is why an added template is noticed too.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

const FOLDERS: [&str; 2] = ["templates", "static"];

fn main() -> Result<(), Box<dyn Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let mut files = Vec::new();
    for folder in FOLDERS {
        println!("cargo:rerun-if-changed={folder}");
        collect(&root, &root.join(folder), &mut files)?;
    }
    files.sort();
    let mut out = String::from("/// Every embedded asset: (path from the crate root with `/`, content).\n");
    out.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        out.push_str(&format!("    ({name:?}, include_bytes!({path:?})),\n"));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR")?).join("assets.rs");
    // Written only when changed, so an unchanged list does not force a rebuild.
    if fs::read_to_string(&dest).ok().as_deref() != Some(out.as_str()) {
        fs::write(&dest, out)?;
    }
    Ok(())
}

/// Every file under `dir` (hidden files and editor leftovers skipped) as (relative name, absolute path).
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), Box<dyn Error>> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if file_name.starts_with('.') || file_name.ends_with('~') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, out)?;
            continue;
        }
        let relative = path.strip_prefix(root)?;
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_str().ok_or("asset path is not UTF-8"))
            .collect::<Result<Vec<_>, _>>()?
            .join("/");
        let absolute = path.to_str().ok_or("asset path is not UTF-8")?.to_string();
        out.push((name, absolute));
    }
    Ok(())
}
