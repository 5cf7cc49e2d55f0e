//! The log the worker children append to and the parent reads: one line per event, written with
//! one `write` on a file opened with `O_APPEND`, so lines from several processes never mix.
//!
//! - `S ms child exec workflow task`: an execution started;
//! - `F ms child exec workflow task done|panic`: it finished (and its result went to the runtime);
//! - `U ms child workflow task`: the SDK reported that result lost (`TaskUpdateFailure`);
//! - `L ms child LEVEL message fields...`: a line the SDK logged (INFO and above);
//! - `B ms child pid` and `X ms child outcome`: a child started serving, and ended after draining.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::sync::Mutex;

/// The writing end, in a child.
#[derive(Debug)]
pub(crate) struct JournalWriter {
    file: Mutex<File>,
    child: u64,
}

impl JournalWriter {
    pub(crate) fn open(path: &Path, child: u64) -> Self {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        JournalWriter {
            file: Mutex::new(file),
            child,
        }
    }

    /// Appends `kind ms child rest` in one write (the file is unbuffered: nothing to flush).
    pub(crate) fn line(&self, kind: char, rest: &str) {
        let text = format!("{kind} {} {} {rest}\n", crate::unix_ms(), self.child);
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = file.write_all(text.as_bytes());
    }
}

/// One execution, started or finished.
#[derive(Debug, Clone)]
pub(crate) struct Exec {
    pub(crate) at_ms: u64,
    pub(crate) child: u64,
    pub(crate) exec: u64,
    pub(crate) workflow_id: String,
    pub(crate) task_id: String,
    pub(crate) panicked: bool,
}

/// A line the SDK logged in a child.
#[derive(Debug, Clone)]
pub(crate) struct LogLine {
    pub(crate) at_ms: u64,
    pub(crate) child: u64,
    pub(crate) level: String,
    pub(crate) text: String,
}

/// Everything read from the log so far.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    pub(crate) started: Vec<Exec>,
    pub(crate) finished: Vec<Exec>,
    /// (child, workflow, task) of each result the SDK reported lost.
    pub(crate) reported_lost: Vec<(u64, String, String)>,
    pub(crate) logs: Vec<LogLine>,
    /// (child, at ms) of each child that drained and ended.
    pub(crate) drained: Vec<(u64, u64)>,
    offset: u64,
    partial: String,
}

impl Journal {
    /// Reads the lines appended since the last call.
    pub(crate) fn catch_up(&mut self, path: &Path) {
        let Ok(mut file) = File::open(path) else {
            return;
        };
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let mut bytes = Vec::new();
        let Ok(read) = file.read_to_end(&mut bytes) else {
            return;
        };
        self.offset += read as u64;
        self.partial.push_str(&String::from_utf8_lossy(&bytes));
        let complete = match self.partial.rfind('\n') {
            Some(end) => self.partial.drain(..=end).collect::<String>(),
            None => return,
        };
        for line in complete.lines() {
            self.parse(line);
        }
    }

    fn parse(&mut self, line: &str) {
        let mut fields = line.splitn(4, ' ');
        let (Some(kind), Some(at), Some(child), Some(rest)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return;
        };
        let (at_ms, child) = (at.parse().unwrap_or(0), child.parse().unwrap_or(0));
        let words: Vec<&str> = rest.split(' ').collect();
        let exec = |words: &[&str]| Exec {
            at_ms,
            child,
            exec: words[0].parse().unwrap_or(0),
            workflow_id: words[1].to_owned(),
            task_id: words[2].to_owned(),
            panicked: words.get(3) == Some(&"panic"),
        };
        match kind {
            "S" if words.len() >= 3 => self.started.push(exec(&words)),
            "F" if words.len() >= 4 => self.finished.push(exec(&words)),
            "U" if words.len() >= 2 => {
                self.reported_lost
                    .push((child, words[0].to_owned(), words[1].to_owned()));
            }
            "L" => {
                let (level, text) = rest.split_once(' ').unwrap_or((rest, ""));
                self.logs.push(LogLine {
                    at_ms,
                    child,
                    level: level.to_owned(),
                    text: text.to_owned(),
                });
            }
            "X" => self.drained.push((child, at_ms)),
            _ => {}
        }
    }
}
