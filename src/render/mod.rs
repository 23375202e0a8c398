//! Output: tables, JSON/YAML documents (`formatVersion: 1`), NetScaler CLI lines, and the
//! printer that knows whether it talks to a terminal. Data goes to stdout; diagnostics, logs,
//! progress and prompts go to stderr.

pub mod diff;
pub mod plan;

use crate::cli::ColorArg;
use crate::model::{Diagnostic, Level};
use comfy_table::{Cell, ContentArrangement, Table, presets};
use std::io::IsTerminal;

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
            d.node.clone().unwrap_or_else(|| "-".into()),
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

/// Diagnostics as log lines on stderr (for formats whose stdout must stay machine-readable).
pub fn print_diagnostics_stderr(diags: &[Diagnostic], color: bool) {
    // Info-level diagnostics (expected skips) are logs, shown with -v.
    for d in diags {
        if d.level == Level::Info {
            tracing::info!(
                node = d.node.as_deref().unwrap_or(""),
                reason = d.reason,
                "{}",
                d.message
            );
            continue;
        }
        let level = match d.level {
            Level::Warning => paint(color, "33", "warning"),
            Level::Info => "info".to_string(),
        };
        match &d.node {
            Some(n) => eprintln!("{level}: node {n}: {} ({})", d.message, d.reason),
            None => eprintln!("{level}: {} ({})", d.message, d.reason),
        }
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
