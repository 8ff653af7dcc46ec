//! The commands every management resource shares (`ls`, `get`, `patch`,
//! `rm`), written once over a `Resource` and its table columns.

use super::input;
use super::output::{self, Column, OutputFormat};
use super::patch::{EditArgs, Field};
use crate::client::Error;
use crate::client::resource::{ListQuery, Resource, first_page};
use crate::client::session::Session;
use clap::Args;
use serde_json::Value;
use std::io::IsTerminal as _;

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// An RFC 7644 filter, e.g. 'clientName co "billing" and appType eq "web"'.
    #[arg(long)]
    pub filter: Option<String>,
    /// Sort order: a field, prefixed with + (ascending, the default) or -.
    #[arg(long)]
    pub sort: Option<String>,
    /// Items per page (1 to 100; the server's default is 20).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: Option<u32>,
    /// Follow every `next` link: all matching items (with --output json, one
    /// JSON object per line).
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RmArgs {
    pub id: String,
    /// Delete without asking (needed when stdin is not a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

/// `ls`: one page, or every page with `--all`. JSON is one array, or with
/// `--all` one object per line, written as pages arrive. A progress line on
/// stderr while `--all` walks, when stderr is a terminal.
pub async fn list(
    session: &mut Session,
    resource: &Resource,
    columns: &[Column],
    args: &ListArgs,
    format: OutputFormat,
) -> Result<(), Error> {
    let query = ListQuery {
        filter: args.filter.clone(),
        sort: args.sort.clone(),
        limit: args.limit,
    };
    let mut url = first_page(&session.server()?, resource, &query)?;
    let progress = args.all && std::io::stderr().is_terminal();
    let stream = args.all && format == OutputFormat::Json;
    let mut items: Vec<Value> = Vec::new();
    let mut count = 0usize;
    let more = loop {
        let page = session.list_page(resource, &url).await?;
        count += page.data.len();
        if stream {
            let lines: String = page.data.iter().map(|v| format!("{v}\n")).collect();
            output::out(&lines);
        } else {
            items.extend(page.data);
        }
        if progress {
            output::progress(&format!("\rfetched {count} {}s…", resource.noun));
        }
        match page.next {
            Some(next) if args.all => url = next,
            next => break next.is_some(),
        }
    };
    if progress {
        output::progress("\r\x1b[K");
    }
    match format {
        OutputFormat::Json if !stream => {
            output::out(&format!("{}\n", output::pretty(&Value::Array(items))))
        }
        OutputFormat::Json => {}
        OutputFormat::Table => output::out(&output::list_table(columns, &items)),
    }
    if more {
        output::note(&format!(
            "more {}s follow: add --all for every page, or --limit (up to 100) for bigger pages",
            resource.noun
        ));
    }
    Ok(())
}

/// `get ID`.
pub async fn get(
    session: &mut Session,
    resource: &Resource,
    id: &str,
    format: OutputFormat,
) -> Result<(), Error> {
    let item = session.get_item(resource, id).await?;
    output::print_object(format, &item);
    Ok(())
}

/// `patch ID`: the edits as a JSON Patch (or the given document). A 202
/// answer carries a new secret, shown once.
pub async fn patch(
    session: &mut Session,
    resource: &Resource,
    fields: &[Field],
    id: &str,
    edits: &EditArgs,
    extra: Vec<Value>,
    format: OutputFormat,
) -> Result<(), Error> {
    let ops = if let Some(source) = &edits.json_patch {
        let doc = input::read_json(source)?;
        if !doc.is_array() {
            return Err(Error::usage(
                "--json-patch needs a JSON array of operations (RFC 6902)",
            ));
        }
        doc
    } else if edits.is_empty() && !extra.is_empty() {
        Value::Array(extra)
    } else {
        let current = if edits.needs_current() {
            Some(session.get_item(resource, id).await?)
        } else {
            None
        };
        let mut ops = super::patch::build(fields, edits, current.as_ref())?;
        ops.extend(extra);
        Value::Array(ops)
    };
    let answer = session.patch_item(resource, id, &ops).await?;
    let body = answer.json()?;
    if body.get("clientSecret").is_some() {
        output::print_with_secret(format, &body, "clientSecret");
    }
    output::note(&format!("updated {} {id}", resource.noun));
    Ok(())
}

/// `rm ID`: asks first on a terminal unless `--yes`.
pub async fn remove(
    session: &mut Session,
    resource: &Resource,
    label_field: &str,
    args: &RmArgs,
) -> Result<(), Error> {
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::usage(format!(
                "refusing to delete {} {} without --yes: stdin is not a terminal to confirm on",
                resource.noun, args.id
            )));
        }
        let item = session.get_item(resource, &args.id).await?;
        let label = item
            .get(label_field)
            .map(|v| format!(" ({})", output::cell(v)))
            .unwrap_or_default();
        if !input::confirm_delete(resource.noun, &args.id, &label)? {
            return Err(Error::other(format!(
                "not deleted: {} {} is unchanged",
                resource.noun, args.id
            )));
        }
    }
    session.delete_item(resource, &args.id).await?;
    output::note(&format!("deleted {} {}", resource.noun, args.id));
    Ok(())
}
