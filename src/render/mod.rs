//! Output: tables, JSON/YAML documents (`formatVersion: 1`), NetScaler CLI lines, and the
//! printer that knows whether it talks to a terminal. Data goes to stdout; diagnostics, logs,
//! progress and prompts go to stderr.

pub mod diff;
pub mod plan;

use crate::cli::ColorArg;
use crate::model::{Diagnostic, Level, Subject};
use comfy_table::{Cell, ContentArrangement, Table, presets};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// The one way output leaves the process. It knows whether stdout and stderr are terminals
/// (colour, progress bars), and a reader that went away (`plan | head -1`: EPIPE) is not an
/// error: the rest of the data is dropped quietly and the command finishes as it would have.
#[derive(Debug)]
pub struct Printer {
    color_out: bool,
    color_err: bool,
    stderr_terminal: bool,
    stdout_closed: AtomicBool,
    /// `--log-format json`: warnings and notes on stderr are JSON log records too.
    json_logs: bool,
}

impl Printer {
    pub fn new(arg: ColorArg) -> Printer {
        Printer {
            color_out: use_color(arg),
            color_err: use_color_stderr(arg),
            stderr_terminal: std::io::stderr().is_terminal(),
            stdout_closed: AtomicBool::new(false),
            json_logs: false,
        }
    }

    /// With `--log-format json`, what goes to stderr goes as JSON log records (one per line).
    pub fn with_json_logs(mut self, json: bool) -> Printer {
        self.json_logs = json;
        self
    }

    /// Whether data on stdout is coloured.
    pub fn color(&self) -> bool {
        self.color_out
    }

    /// Writes data (a rendered document or table) to stdout.
    pub fn data(&self, text: &str) {
        if self.stdout_closed.load(Ordering::Relaxed) {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            // A closed pipe ends the output, never the command; nothing else can be done
            // about an unwritable stdout either, so both are dropped quietly.
            self.stdout_closed.store(true, Ordering::Relaxed);
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                tracing::debug!("cannot write to stdout: {e}");
            }
        }
    }

    /// One line for the operator on stderr (notes, results, summaries).
    pub fn note(&self, line: &str) {
        if self.json_logs {
            tracing::warn!("{line}");
            return;
        }
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// Diagnostics as lines on stderr (for outputs whose stdout must stay machine-readable);
    /// info-level ones (expected skips) are logs, shown with -v.
    pub fn diagnostics(&self, diags: &[Diagnostic]) {
        for d in diags {
            if d.level == Level::Info {
                tracing::info!(
                    node = d.subject.node().unwrap_or(""),
                    service = d.subject.service_name().unwrap_or_default(),
                    reason = d.reason,
                    "{}",
                    d.message
                );
                continue;
            }
            if self.json_logs {
                tracing::warn!(
                    node = d.subject.node().unwrap_or(""),
                    service = d.subject.service_name().unwrap_or_default(),
                    reason = d.reason,
                    "{}",
                    d.message
                );
                continue;
            }
            let level = paint(self.color_err, "33", "warning");
            match &d.subject {
                Subject::Cluster => self.note(&format!("{level}: {} ({})", d.message, d.reason)),
                s => self.note(&format!("{level}: {s}: {} ({})", d.message, d.reason)),
            }
        }
    }

    /// A progress bar on a terminal stderr; `None` otherwise (or with nothing to do).
    pub fn progress_bar(&self, total: usize, what: &str) -> Option<indicatif::ProgressBar> {
        if total == 0 || !self.stderr_terminal {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} {{bar:40}} {{pos}}/{{len}} {what} {{elapsed}}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    }
}

/// Whether to colour output: `--color`, then `NO_COLOR`, then whether stdout is a terminal.
pub fn use_color(arg: ColorArg) -> bool {
    color_for(arg, std::io::stdout().is_terminal())
}

/// The same decision for what goes to stderr (log lines, diagnostics, progress).
pub fn use_color_stderr(arg: ColorArg) -> bool {
    color_for(arg, std::io::stderr().is_terminal())
}

fn color_for(arg: ColorArg, terminal: bool) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && terminal,
    }
}

pub(crate) fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// A borderless, kubectl-like table.
pub(crate) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| Cell::new(h.to_ascii_uppercase())));
    for col in t.column_iter_mut() {
        col.set_padding((0, 3));
    }
    t
}

/// Renders a table to a string without trailing spaces.
pub(crate) fn table_text(t: &Table) -> String {
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Diagnostics as a table (for `plan -o table|wide`).
pub fn diagnostics_table(diags: &[Diagnostic]) -> String {
    let mut t = table(&["level", "node", "reason", "message"]);
    for d in diags {
        t.add_row(vec![
            level_str(d.level).to_string(),
            d.subject.cell(),
            d.reason.to_string(),
            d.message.clone(),
        ]);
    }
    table_text(&t)
}

pub fn level_str(l: Level) -> &'static str {
    match l {
        Level::Info => "info",
        Level::Warning => "warning",
    }
}

/// Serialises a JSON value as YAML.
pub fn to_yaml(v: &serde_json::Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_else(|e| format!("# cannot render YAML: {e}\n"))
}

/// Serialises a JSON value, pretty, with a final newline.
pub fn to_json(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values serialise");
    s.push('\n');
    s
}
