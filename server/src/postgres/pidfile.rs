//! Reading `postmaster.pid`, to tell a running cluster from a stale lock file left by a crash.

use std::path::Path;

/// What `postmaster.pid` says about the server that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostmasterPid {
    pub pid: i32,
    pub port: u16,
}

/// Parses the lock file: line 1 is the pid, line 4 the port.
pub fn parse(text: &str) -> Option<PostmasterPid> {
    let lines: Vec<&str> = text.lines().collect();
    let pid = lines.first()?.trim().parse().ok()?;
    let port = lines.get(3)?.trim().parse().ok()?;
    Some(PostmasterPid { pid, port })
}

/// Reads `data_dir/postmaster.pid`, if present and well-formed.
pub fn read(data_dir: &Path) -> Option<PostmasterPid> {
    std::fs::read_to_string(data_dir.join("postmaster.pid"))
        .ok()
        .and_then(|text| parse(&text))
}

/// Whether `pid` is a live Postgres server process (and not some other process that took over
/// the number after a reboot or crash).
pub fn is_live_postgres(pid: i32) -> bool {
    if pid <= 0 || nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/comm")) {
        Ok(comm) => matches!(comm.trim(), "postgres" | "postmaster"),
        // No /proc (not Linux): trust that the process exists.
        Err(_) => !Path::new("/proc/self").exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pid_and_port_are_read_from_lines_one_and_four() {
        let text = "4242\n/data\n1700000000\n54321\n\n127.0.0.1\n  1234 5678\nready   \n";
        assert_eq!(
            parse(text),
            Some(PostmasterPid {
                pid: 4242,
                port: 54321
            })
        );
    }

    #[test]
    fn a_truncated_lock_file_is_not_understood() {
        assert_eq!(parse("4242\n/data\n"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn this_test_process_is_not_mistaken_for_postgres() {
        assert!(!is_live_postgres(std::process::id() as i32));
    }

    #[test]
    fn a_pid_that_does_not_exist_is_not_live() {
        assert!(!is_live_postgres(i32::MAX - 1));
    }
}
