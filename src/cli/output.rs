//! Output of the command-line client: an aligned table on a terminal, JSON
//! otherwise or with `--output json` (the API's objects unchanged), and the
//! one-time display of a new secret.
//!
//! Everything the server sent is cleaned of control characters before it
//! reaches a terminal. A closed stdout (`registrar clients ls | head`) ends
//! the command quietly with status 0, as for any Unix filter.

use crate::client::error::clean;
use clap::ValueEnum;
use serde_json::Value;
use std::io::{IsTerminal as _, Write as _};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns (the default on a terminal).
    Table,
    /// The API's JSON (the default when stdout is not a terminal).
    Json,
}

/// The format asked for, else a table on a terminal and JSON elsewhere.
pub fn resolve(asked: Option<OutputFormat>) -> OutputFormat {
    asked.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() {
            OutputFormat::Table
        } else {
            OutputFormat::Json
        }
    })
}

/// One column of a list table: its header and the JSON pointer of its value.
pub struct Column {
    pub header: &'static str,
    pub pointer: &'static str,
}

/// Writes to stdout. A closed pipe ends the process with success (as
/// `head` expects of a filter); any other failure (a full disk) with 1.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            note(&format!("error: cannot write the output: {e}"));
            std::process::exit(1);
        }
    }
}

/// A line on stderr (messages, warnings); failures are ignored.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Progress on stderr, without a newline (the next update overwrites it).
pub fn progress(text: &str) {
    let mut stderr = std::io::stderr();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// A value as one table cell: strings as they are, lists of strings joined,
/// anything else as compact JSON; absent is empty.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => clean(s),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            let parts: Vec<String> = items.iter().filter_map(Value::as_str).map(clean).collect();
            parts.join(", ")
        }
        other => clean(&other.to_string()),
    }
}

/// Rows under headers, each column as wide as its widest cell, two spaces
/// apart; the last column is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let width = |i: usize| {
        rows.iter()
            .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
            .chain(std::iter::once(headers[i].chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headers.len()).map(width).collect();
    let mut text = String::new();
    let header_row: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(c);
            } else {
                let pad = widths
                    .get(i)
                    .map_or(0, |w| w.saturating_sub(c.chars().count()));
                line.push_str(c);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// Items as a table of `columns`.
pub fn list_table(columns: &[Column], items: &[Value]) -> String {
    let headers: Vec<&str> = columns.iter().map(|c| c.header).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| item.pointer(c.pointer).map(cell).unwrap_or_default())
                .collect()
        })
        .collect();
    table(&headers, &rows)
}

/// One object as `field  value` lines (fields in the API's names).
pub fn object_table(v: &Value) -> String {
    let Some(map) = v.as_object() else {
        return format!("{}\n", cell(v));
    };
    let rows: Vec<Vec<String>> = map.iter().map(|(k, v)| vec![clean(k), cell(v)]).collect();
    table(&["FIELD", "VALUE"], &rows)
}

/// One object in the chosen format.
pub fn print_object(format: OutputFormat, v: &Value) {
    match format {
        OutputFormat::Json => out(&format!("{}\n", pretty(v))),
        OutputFormat::Table => out(&object_table(v)),
    }
}

pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// An answer that carries a new secret in `field`: shown once, on stdout,
/// with a warning on stderr. JSON prints the answer unchanged; the table
/// shows the other fields, then the secret on a line of its own.
pub fn print_with_secret(format: OutputFormat, v: &Value, field: &str) {
    match format {
        OutputFormat::Json => out(&format!("{}\n", pretty(v))),
        OutputFormat::Table => {
            let mut rest = v.clone();
            let secret = rest
                .as_object_mut()
                .and_then(|m| m.remove(field))
                .unwrap_or(Value::Null);
            if rest.as_object().is_some_and(|m| !m.is_empty()) {
                out(&object_table(&rest));
                out("\n");
            }
            out(&format!("CLIENT SECRET  {}\n", cell(&secret)));
        }
    }
    if v.get(field).is_some() {
        note(
            "warning: this is the only time the client secret is shown: store it now; it will not be shown again",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_align_on_the_widest_cell_and_lines_have_no_trailing_space() {
        let t = table(
            &["ID", "NAME", "TYPE"],
            &[
                vec!["a".into(), "long name".into(), "web".into()],
                vec!["bbbb".into(), "x".into(), String::new()],
            ],
        );
        assert_eq!(t, "ID    NAME       TYPE\na     long name  web\nbbbb  x\n");
    }

    #[test]
    fn cells_join_string_lists_and_clean_control_characters() {
        assert_eq!(cell(&json!(["a", "b"])), "a, b");
        assert_eq!(cell(&json!("x\u{1b}[2Jy")), "x [2Jy");
        assert_eq!(cell(&json!({"k": 1})), "{\"k\":1}");
        assert_eq!(cell(&Value::Null), "");
    }

    #[test]
    fn a_list_table_reads_nested_pointers() {
        let cols = [
            Column {
                header: "ACTOR",
                pointer: "/actor/sub",
            },
            Column {
                header: "T",
                pointer: "/type",
            },
        ];
        let t = list_table(&cols, &[json!({"actor":{"sub":"u1"},"type":"x"})]);
        assert_eq!(t, "ACTOR  T\nu1     x\n");
    }
}
