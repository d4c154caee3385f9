//! Runs one measured command in a child process: wall time, CPU time and
//! peak resident memory, with an optional time limit.
//!
//! Peak RSS comes from the kernel: `wait4` returns the child's `rusage`,
//! whose `ru_maxrss` is the high-water mark of the child's resident set,
//! kept by the kernel for the child's whole life (every thread, up to the
//! last page touched before exit). Sampling `/proc/<pid>/status` (`VmHWM`)
//! instead would have to race the exit, and misses whatever the process
//! touches between the last sample and its end. One caveat: at `exec`, the
//! kernel folds the high-water mark of the address space being replaced (the
//! parent's, after a `vfork`-style spawn) into the child's, so the figure
//! is at least the benchmark process's own peak. The benchmark therefore
//! streams everything it generates and reads, keeps its own peak at a few
//! megabytes, and reports that floor (`rss_floor_mb`) next to the results.
//!
//! The child is waited for with `waitid(WNOWAIT)` first, which leaves it a
//! zombie: the watchdog that enforces the time limit can then never signal
//! a reused process id; `wait4` reaps it and collects the usage.

use std::fs::File;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// Peak resident set, bytes.
    pub max_rss: u64,
    /// Exit code; `None` if killed by a signal.
    pub code: Option<i32>,
    pub timed_out: bool,
}

/// Runs `cmd` with stdout and stderr written to the given files.
pub fn run(
    cmd: &mut Command,
    stdout: &Path,
    stderr: &Path,
    limit: Option<Duration>,
) -> io::Result<Measured> {
    cmd.stdin(Stdio::null())
        .stdout(File::create(stdout)?)
        .stderr(File::create(stderr)?);
    let start = Instant::now();
    let child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    // `child` is never waited for through std: dropping it neither waits nor kills.
    drop(child);

    let state = Arc::new((Mutex::new((false, false)), Condvar::new()));
    let watchdog = limit.map(|limit| {
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            let (lock, cvar) = &*state;
            let mut guard = lock.lock().expect("watchdog lock");
            loop {
                let (exited, _) = *guard;
                if exited {
                    return;
                }
                let elapsed = start.elapsed();
                if elapsed >= limit {
                    // SAFETY: a signal to a process id, no memory involved; the
                    // child is not reaped before `exited` is set, so `pid` is
                    // still ours.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    guard.1 = true;
                    return;
                }
                guard = cvar
                    .wait_timeout(guard, limit - elapsed)
                    .expect("watchdog wait")
                    .0;
            }
        })
    });

    // Wait for the exit without reaping.
    loop {
        // SAFETY: siginfo_t is plain C data, valid when zeroed.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid, exclusive siginfo_t for the call to fill.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let wall = start.elapsed();
    let timed_out = {
        let (lock, cvar) = &*state;
        let mut guard = lock.lock().expect("lock");
        guard.0 = true;
        cvar.notify_all();
        guard.1
    };
    if let Some(w) = watchdog {
        let _ = w.join();
    }

    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain C data, valid when zeroed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid, exclusive places for the
        // call to fill.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    Ok(Measured {
        wall,
        user: time(usage.ru_utime),
        sys: time(usage.ru_stime),
        // Linux reports kilobytes.
        max_rss: usage.ru_maxrss as u64 * 1024,
        code,
        timed_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_exit_code_and_time_limit() {
        let dir = std::env::temp_dir().join(format!("onmessage-child-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (out, err) = (dir.join("out"), dir.join("err"));
        let m = run(
            Command::new("sh").args(["-c", "echo hi; exit 3"]),
            &out,
            &err,
            None,
        )
        .unwrap();
        assert_eq!(m.code, Some(3));
        assert!(!m.timed_out);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "hi\n");
        assert!(m.max_rss > 0);
        let m = run(
            Command::new("sleep").arg("10"),
            &out,
            &err,
            Some(Duration::from_millis(200)),
        )
        .unwrap();
        assert!(m.timed_out);
        assert_eq!(m.code, None);
        assert!(m.wall < Duration::from_secs(5));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
