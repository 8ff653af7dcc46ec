//! Where log lines go: stderr, with the per-request access lines batched.
//!
//! One `write` system call per request for its access line cost about a
//! tenth of a small request's time. Access lines (target
//! `registrar::access`) are therefore collected in memory and written
//! together every [`FLUSH_EVERY`], or as soon as [`MAX_BUFFERED`] bytes wait;
//! every other line (the ready line, warnings, errors) is written at once,
//! after the access lines before it, so the order of lines is kept. The
//! buffer is also written when the process ends normally ([`flush`]); a
//! process killed outright loses at most the last [`FLUSH_EVERY`] of access
//! lines, never a warning or an error. As nginx's `access_log … buffer=`
//! does.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;
use tracing::Metadata;
use tracing_subscriber::fmt::MakeWriter;

/// Target of the one line per request (`ops::access_line`).
pub const ACCESS_TARGET: &str = "registrar::access";
/// Longest time an access line waits in memory.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Buffered bytes that trigger a write at once.
const MAX_BUFFERED: usize = 64 * 1024;

static BUFFER: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static FLUSHER: Once = Once::new();
/// Set when the flusher thread could not start.
static NO_FLUSHER: AtomicBool = AtomicBool::new(false);

/// Whether log lines are JSON objects (`--log-format json`) rather than text.
static JSON: AtomicBool = AtomicBool::new(false);

/// Sets the format of the lines `ops::access_line` writes itself.
pub fn set_json(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

pub fn is_json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// Appends one finished access line to the buffer, as the subscriber's
/// access lines are (the pipeline formats them without the subscriber).
pub fn push_access_line(line: &[u8]) {
    start_flusher();
    if NO_FLUSHER.load(Ordering::Relaxed) {
        let mut buf = BUFFER.lock().unwrap_or_else(|p| p.into_inner());
        write_out(&mut buf);
        let _ = std::io::stderr().write_all(line);
        return;
    }
    let mut buf = BUFFER.lock().unwrap_or_else(|p| p.into_inner());
    buf.extend_from_slice(line);
    if buf.len() >= MAX_BUFFERED {
        write_out(&mut buf);
    }
}

fn start_flusher() {
    FLUSHER.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("log-flush".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    flush();
                }
            });
        if spawned.is_err() {
            // No flusher thread: write access lines at once instead.
            NO_FLUSHER.store(true, Ordering::Relaxed);
        }
    });
}

/// Writes every buffered access line to stderr now.
pub fn flush() {
    let mut buf = BUFFER.lock().unwrap_or_else(|p| p.into_inner());
    write_out(&mut buf);
}

fn write_out(buf: &mut Vec<u8>) {
    if !buf.is_empty() {
        // Nowhere to report a failed write to stderr; the lines are dropped.
        let _ = std::io::stderr().write_all(buf);
        buf.clear();
    }
}

/// The `MakeWriter` of the log subscriber.
#[derive(Clone, Copy, Default)]
pub struct LogOutput;

/// One line being written: buffered (access lines) or direct.
pub struct LineWriter {
    buffered: bool,
}

impl Write for LineWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut buf = BUFFER.lock().unwrap_or_else(|p| p.into_inner());
        if self.buffered {
            buf.extend_from_slice(data);
            if buf.len() >= MAX_BUFFERED {
                write_out(&mut buf);
            }
        } else {
            // Earlier access lines first, then this one, under one lock.
            write_out(&mut buf);
            std::io::stderr().write_all(data)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogOutput {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter { buffered: false }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> LineWriter {
        let buffered = meta.target() == ACCESS_TARGET;
        if buffered {
            start_flusher();
        }
        LineWriter {
            buffered: buffered && !NO_FLUSHER.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_lines_wait_and_others_go_through_in_order() {
        // Direct lines empty the buffer first, so order is kept.
        let mut access = LineWriter { buffered: true };
        {
            let mut buf = BUFFER.lock().unwrap();
            buf.clear();
            buf.extend_from_slice(b"a\n");
        }
        let mut direct = LineWriter { buffered: false };
        direct.write_all(b"\n").unwrap();
        assert!(
            BUFFER.lock().unwrap().is_empty(),
            "written before the direct line"
        );
        access.write_all(b"b\n").unwrap();
        assert_eq!(BUFFER.lock().unwrap().as_slice(), b"b\n");
        flush();
        assert!(BUFFER.lock().unwrap().is_empty());
    }
}
