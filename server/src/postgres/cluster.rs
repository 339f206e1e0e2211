//! Initialising, starting, finding and stopping the local cluster.

use super::binaries::Binaries;
use super::os_user::{can_traverse_to, give_to, unprivileged_user_if_root, OsUser};
use super::pidfile;
use rand::distributions::{Alphanumeric, DistString};
use secrecy::{ExposeSecret, SecretString};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The superuser the launcher creates; it owns the `cojudge` database.
const SUPERUSER: &str = "cojudge";

/// Why the local cluster could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("PostgreSQL was not found: install it (Debian: `apt-get install postgresql`) so that `initdb` and `pg_ctl` are on PATH or under /usr/lib/postgresql/*/bin, or set DATABASE_URL")]
    BinariesNotFound,
    #[error("{0}")]
    NoUnprivilegedUser(String),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{program}` failed ({status}). Its output and the server log say why:\n{output}")]
    CommandFailed {
        program: String,
        status: String,
        output: String,
    },
    #[error("the Postgres cluster in {0} exists but its password file is gone: delete the cluster (`cojudge db destroy`) to start afresh")]
    PasswordLost(PathBuf),
    #[error("no local Postgres is running in {0}")]
    NotRunning(PathBuf),
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> LaunchError + 'a {
    move |source| LaunchError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A local cluster that is running, and how to reach it.
#[derive(Debug)]
pub struct LocalPostgres {
    root: PathBuf,
    data_dir: PathBuf,
    port: u16,
    password: SecretString,
    started_here: bool,
    binaries: Binaries,
    owner: Option<OsUser>,
}

impl LocalPostgres {
    /// Starts the cluster in `root`, creating it on first use, or attaches to it if it is already
    /// running. A `postmaster.pid` left behind by a crash is removed. Blocking; concurrent callers
    /// (several processes included) are serialised by a lock file.
    pub fn ensure_running(root: &Path) -> Result<LocalPostgres, LaunchError> {
        let mut cluster = LocalPostgres::prepare(root, true)?;
        let _guard = cluster.lock()?;
        if let Some(running) = pidfile::read(&cluster.data_dir) {
            if pidfile::is_live_postgres(running.pid) {
                cluster.port = running.port;
                return Ok(cluster);
            }
            tracing::warn!(
                pid = running.pid,
                "removing the stale postmaster.pid of a Postgres that is no longer running"
            );
            let pid_path = cluster.data_dir.join("postmaster.pid");
            fs::remove_file(&pid_path).map_err(io("removing", &pid_path))?;
        }
        if !cluster.data_dir.join("PG_VERSION").exists() {
            cluster.init()?;
        }
        cluster.start()?;
        Ok(cluster)
    }

    /// The running cluster in `root`, without starting it.
    pub fn find_running(root: &Path) -> Result<LocalPostgres, LaunchError> {
        let mut cluster = LocalPostgres::prepare(root, true)?;
        match pidfile::read(&cluster.data_dir) {
            Some(running) if pidfile::is_live_postgres(running.pid) => {
                cluster.port = running.port;
                Ok(cluster)
            }
            _ => Err(LaunchError::NotRunning(cluster.root.clone())),
        }
    }

    /// Stops the cluster in `root` if it runs and deletes all its files, wherever they live
    /// (the cluster's data may have been relocated). For throwaway clusters, e.g. in tests.
    pub fn destroy(root: &Path) -> Result<(), LaunchError> {
        // Even when `root` is gone, a relocated cluster of the same path may remain.
        let cluster = LocalPostgres::prepare(root, false)?;
        cluster.stop()?;
        let data_parent = cluster
            .data_dir
            .parent()
            .expect("data dir has a parent")
            .to_path_buf();
        if data_parent != cluster.root {
            fs::remove_dir_all(&data_parent).map_err(io("deleting", &data_parent))?;
        }
        fs::remove_dir_all(&cluster.root).map_err(io("deleting", &cluster.root))
    }

    /// A connection URL for `database`, with the password in it.
    pub fn url(&self, database: &str) -> SecretString {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password.expose_secret(),
            self.port
        )
        .into()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Whether this call started the server (rather than finding it running).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Stops the server with a fast shutdown (open sessions are ended, data is safe).
    pub fn stop(&self) -> Result<(), LaunchError> {
        let _guard = self.lock()?;
        if pidfile::read(&self.data_dir)
            .is_none_or(|running| !pidfile::is_live_postgres(running.pid))
        {
            return Ok(());
        }
        let mut command = self.command(&self.binaries.pg_ctl);
        command
            .arg("stop")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "-t", "60"]);
        self.run(command)
    }

    /// Resolves where the cluster lives and who runs it; with `need_password`, also reads (or, for
    /// a new cluster, creates) its password.
    fn prepare(root: &Path, need_password: bool) -> Result<LocalPostgres, LaunchError> {
        let binaries = Binaries::locate().ok_or(LaunchError::BinariesNotFound)?;
        let owner = unprivileged_user_if_root().map_err(LaunchError::NoUnprivilegedUser)?;
        fs::create_dir_all(root).map_err(io("creating", root))?;
        let root = fs::canonicalize(root).map_err(io("resolving", root))?;
        let data_parent = match &owner {
            Some(user) if !can_traverse_to(&root.join("data"), user) => {
                relocated_cluster_dir(&root)
            }
            _ => root.clone(),
        };
        if let (Some(user), true) = (&owner, data_parent != root && !data_parent.exists()) {
            tracing::info!(
                "the `{}` user that runs Postgres cannot reach {}, so the cluster's files live in {}",
                user.name,
                root.display(),
                data_parent.display()
            );
        }
        fs::create_dir_all(&data_parent).map_err(io("creating", &data_parent))?;
        if let Some(user) = &owner {
            give_to(&data_parent, user).map_err(io("changing the owner of", &data_parent))?;
        }
        // The password lives beside the data (readable by the invoking user only), so a relocated
        // cluster keeps it even when the requested folder is deleted.
        let password_file = data_parent.join("password");
        let password = if !need_password {
            SecretString::from(String::new())
        } else if !password_file.exists() && data_parent.join("data").join("PG_VERSION").exists() {
            return Err(LaunchError::PasswordLost(data_parent.join("data")));
        } else {
            read_or_create_password(&password_file)?
        };
        Ok(LocalPostgres {
            data_dir: data_parent.join("data"),
            root,
            port: 0,
            password,
            started_here: false,
            binaries,
            owner,
        })
    }

    fn lock(&self) -> Result<LockGuard, LaunchError> {
        let path = self.root.join("launcher.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io("opening", &path))?;
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map(LockGuard)
            .map_err(|(_, errno)| LaunchError::Io {
                action: "locking",
                path,
                source: errno.into(),
            })
    }

    fn init(&self) -> Result<(), LaunchError> {
        let parent = self.data_dir.parent().expect("data dir has a parent");
        let pwfile = parent.join(".initdb-password");
        write_private(&pwfile, self.password.expose_secret(), self.owner.as_ref())?;
        let mut command = self.command(&self.binaries.initdb);
        command
            .arg("-D")
            .arg(&self.data_dir)
            .args([
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()));
        let result = self.run(command);
        let _ = fs::remove_file(&pwfile);
        result?;
        let conf = self.data_dir.join("postgresql.conf");
        let mut file = OpenOptions::new()
            .append(true)
            .open(&conf)
            .map_err(io("opening", &conf))?;
        writeln!(
            file,
            "\n# Added by cojudge's launcher: loopback only, no unix socket.\n\
             listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 300\n\
             # Full-page images compressed: the review queue's random updates write many, and\n\
             # each answer's commit waits for them to reach the disk.\n\
             wal_compression = {}",
            self.wal_compression()
        )
        .map_err(io("writing", &conf))
    }

    /// The fastest WAL compression this build of Postgres has: lz4 if it was built with it,
    /// otherwise the built-in pglz.
    fn wal_compression(&self) -> &'static str {
        let mut probe = self.command(&self.binaries.postgres);
        probe.arg("-D").arg(&self.data_dir).args([
            "-C",
            "wal_compression",
            "-c",
            "wal_compression=lz4",
        ]);
        if self.run(probe).is_ok() {
            "lz4"
        } else {
            "pglz"
        }
    }

    fn start(&mut self) -> Result<(), LaunchError> {
        let port = self.choose_port()?;
        let log = self
            .data_dir
            .parent()
            .expect("data dir has a parent")
            .join("postgres.log");
        let mut command = self.command(&self.binaries.pg_ctl);
        command
            .arg("start")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o"])
            .arg(format!("-p {port}"));
        self.run(command)
            .map_err(|error| append_log_tail(error, &log))?;
        self.port = port;
        self.started_here = true;
        tracing::info!(port, data_dir = %self.data_dir.display(), "started local Postgres");
        Ok(())
    }

    /// The port used last time if it is free, else any free loopback port (remembered).
    fn choose_port(&self) -> Result<u16, LaunchError> {
        let remembered = self.root.join("port");
        let previous = fs::read_to_string(&remembered)
            .ok()
            .and_then(|text| text.trim().parse::<u16>().ok());
        let free = |port: u16| {
            TcpListener::bind(("127.0.0.1", port))
                .ok()
                .and_then(|l| l.local_addr().ok())
                .map(|a| a.port())
        };
        let port = previous
            .and_then(free)
            .or_else(|| free(0))
            .ok_or_else(|| LaunchError::Io {
                action: "finding a free port for",
                path: self.root.clone(),
                source: std::io::ErrorKind::AddrInUse.into(),
            })?;
        fs::write(&remembered, port.to_string()).map_err(io("writing", &remembered))?;
        Ok(port)
    }

    /// A command that runs as the cluster's owner, in its own process group (so a Ctrl-C meant
    /// for cojudge does not reach Postgres, which cojudge stops cleanly itself).
    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.data_dir.parent().expect("data dir has a parent"))
            .process_group(0);
        command.env_remove("PGDATA").env("LC_ALL", "C");
        if let Some(user) = &self.owner {
            command
                .uid(user.uid.as_raw())
                .gid(user.gid.as_raw())
                .env("HOME", self.data_dir.parent().unwrap());
        }
        command
    }

    fn run(&self, mut command: Command) -> Result<(), LaunchError> {
        let program = command.get_program().to_string_lossy().into_owned();
        let output = command
            .output()
            .map_err(io("running", Path::new(&program)))?;
        if output.status.success() {
            return Ok(());
        }
        Err(LaunchError::CommandFailed {
            program,
            status: output.status.to_string(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        })
    }
}

/// Holds the launcher lock until dropped.
struct LockGuard(#[allow(dead_code)] nix::fcntl::Flock<File>);

/// Where the cluster goes when the Postgres user cannot reach the requested folder (e.g. a
/// checkout under /root, which is private): one folder per requested path, under /var/lib.
fn relocated_cluster_dir(root: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(root.as_os_str().as_encoded_bytes()));
    PathBuf::from("/var/lib/cojudge/clusters").join(&digest[..16])
}

fn read_or_create_password(path: &Path) -> Result<SecretString, LaunchError> {
    if let Ok(existing) = fs::read_to_string(path) {
        if !existing.trim().is_empty() {
            return Ok(existing.trim().to_string().into());
        }
    }
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
    write_private(path, &password, None)?;
    Ok(password.into())
}

/// Writes `contents` to a new file readable only by its owner (`owner`, or the current user).
fn write_private(path: &Path, contents: &str, owner: Option<&OsUser>) -> Result<(), LaunchError> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(io("creating", path))?;
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(io("protecting", path))?;
    file.write_all(contents.as_bytes())
        .map_err(io("writing", path))?;
    if let Some(user) = owner {
        give_to(path, user).map_err(io("changing the owner of", path))?;
    }
    Ok(())
}

fn append_log_tail(error: LaunchError, log: &Path) -> LaunchError {
    match error {
        LaunchError::CommandFailed {
            program,
            status,
            output,
        } => {
            let log_text = fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = log_text.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            LaunchError::CommandFailed {
                program,
                status,
                output: format!("{output}\n{}:\n{}", log.display(), tail.join("\n")),
            }
        }
        other => other,
    }
}
