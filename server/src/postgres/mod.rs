//! A local PostgreSQL cluster that cojudge runs itself when `DATABASE_URL` is unset, so that one
//! command brings the app up on a laptop.
//!
//! Layout under the cluster folder (default `.cojudge/pg`): `data/` (PGDATA), `password` (the
//! generated superuser password, mode 0600), `port` (the port last used), `postgres.log`, and
//! `launcher.lock` (serialises concurrent starts). The server listens on 127.0.0.1 only, with
//! password authentication. Postgres refuses to run as root, so when cojudge runs as root the
//! cluster is owned by and run as an unprivileged system user (`postgres`, else `nobody`).

mod binaries;
mod cluster;
mod os_user;
mod pidfile;

pub use cluster::{LaunchError, LocalPostgres};
