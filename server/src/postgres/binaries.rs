//! Finding `initdb`, `pg_ctl` and `postgres`: on PATH, or in the newest `/usr/lib/postgresql/*/bin`.

use std::path::{Path, PathBuf};

/// Paths of the Postgres programs the launcher runs.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub initdb: PathBuf,
    pub pg_ctl: PathBuf,
    pub postgres: PathBuf,
}

impl Binaries {
    pub fn locate() -> Option<Binaries> {
        let from_path = std::env::var_os("PATH")
            .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
            .unwrap_or_default();
        from_path
            .iter()
            .chain(debian_bin_dirs().iter())
            .find_map(|dir| Binaries::in_dir(dir))
    }

    fn in_dir(dir: &Path) -> Option<Binaries> {
        let initdb = dir.join("initdb");
        let pg_ctl = dir.join("pg_ctl");
        let postgres = dir.join("postgres");
        (initdb.is_file() && pg_ctl.is_file() && postgres.is_file()).then_some(Binaries {
            initdb,
            pg_ctl,
            postgres,
        })
    }
}

/// `/usr/lib/postgresql/<version>/bin`, newest version first.
fn debian_bin_dirs() -> Vec<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    versions.into_iter().map(|(_, dir)| dir).collect()
}
