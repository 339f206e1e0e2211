//! Postgres refuses to run as root. When cojudge runs as root, the cluster's files are owned by,
//! and its programs run as, an unprivileged system user.

use nix::unistd::{Gid, Uid, User};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The account Postgres runs as.
#[derive(Debug, Clone)]
pub struct OsUser {
    pub name: String,
    pub uid: Uid,
    pub gid: Gid,
}

/// `None` when not root (Postgres runs as the current user); otherwise `postgres`, or `nobody`.
pub fn unprivileged_user_if_root() -> Result<Option<OsUser>, String> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        if let Ok(Some(user)) = User::from_name(name) {
            return Ok(Some(OsUser {
                name: user.name,
                uid: user.uid,
                gid: user.gid,
            }));
        }
    }
    Err("running as root, and neither a `postgres` nor a `nobody` system user exists to run Postgres as".into())
}

/// Gives `path` (not recursively) to `user`.
pub fn give_to(path: &Path, user: &OsUser) -> std::io::Result<()> {
    nix::unistd::chown(path, Some(user.uid), Some(user.gid)).map_err(std::io::Error::from)
}

/// Whether `user` can reach `path` by walking its ancestors (each needs execute permission for
/// the user, as owner, group or other).
pub fn can_traverse_to(path: &Path, user: &OsUser) -> bool {
    path.ancestors()
        .skip(1)
        .all(|dir| match std::fs::metadata(dir) {
            Ok(meta) => {
                let mode = meta.mode();
                (meta.uid() == user.uid.as_raw() && mode & 0o100 != 0)
                    || (meta.gid() == user.gid.as_raw() && mode & 0o010 != 0)
                    || mode & 0o001 != 0
            }
            Err(_) => false,
        })
}
