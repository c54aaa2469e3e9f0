//! Running a child process and measuring it: wall time (from spawn to
//! exit, as the bench sees it) and peak RSS (`/usr/bin/time -f %M`, the
//! child's `getrusage` maxrss, when that program is there).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of a child cost.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Wall time.
    pub wall: Duration,
    /// Peak resident set size, KiB (0: unknown).
    pub rss_kib: u64,
}

/// Runs commands, wrapped in `/usr/bin/time` when it exists.
pub struct Meter {
    time: Option<PathBuf>,
    scratch: PathBuf,
}

impl Meter {
    /// A meter writing its RSS notes under `scratch`.
    pub fn new(scratch: &Path) -> Self {
        let time = Path::new("/usr/bin/time");
        Self {
            time: time.exists().then(|| time.to_path_buf()),
            scratch: scratch.join("rss.txt"),
        }
    }

    /// Whether peak RSS is measured.
    pub fn has_rss(&self) -> bool {
        self.time.is_some()
    }

    /// Runs `program args`, failing with its output when it exits non-zero.
    pub fn run(&self, program: &Path, args: &[&str]) -> Result<Sample, String> {
        let mut cmd = match &self.time {
            Some(time) => {
                let mut c = Command::new(time);
                c.arg("-f").arg("%M").arg("-o").arg(&self.scratch);
                c.arg(program);
                c
            }
            None => Command::new(program),
        };
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let out = cmd
            .output()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let wall = started.elapsed();
        if !out.status.success() {
            return Err(format!(
                "{} {} failed ({}): {}",
                program.display(),
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let rss_kib = if self.time.is_some() {
            std::fs::read_to_string(&self.scratch)
                .ok()
                .and_then(|s| s.lines().last()?.trim().parse().ok())
                .unwrap_or(0)
        } else {
            0
        };
        Ok(Sample { wall, rss_kib })
    }
}

/// The median of `xs` (0 for none).
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}
