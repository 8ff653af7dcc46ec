//! `registrar users …`: the users of the signed-in tenant (`/api/core/users`,
//! contract §7). Passwords are read from stdin or a hidden prompt, never
//! from the command line, and never printed.

use super::crud::{self, ListArgs, RmArgs};
use super::input;
use super::output::{self, Column};
use super::patch::{EditArgs, Field, Kind};
use super::remote_opts::RemoteOpts;
use crate::client::Error;
use crate::client::resource::USERS;
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

pub const EXAMPLES: &str = "\
Examples:
  registrar users ls --filter 'email ew \"@example.com\"'
  echo \"$PASSWORD\" | registrar users create --email ada@example.com --name 'Ada Lovelace' --admin
  registrar users get $USER_ID
  registrar users patch $USER_ID --set status=disabled
  registrar users rm $USER_ID --yes";

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(flatten)]
    pub opts: RemoteOpts,
    #[command(subcommand)]
    pub command: UsersCommand,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users (one page, or every page with --all).
    #[command(
        after_help = "Examples:\n  registrar users ls --sort +email\n  registrar users ls --all --output json"
    )]
    Ls(ListArgs),
    /// Show one user.
    #[command(after_help = "Example:\n  registrar users get $USER_ID")]
    Get { id: String },
    /// Create a user; the password is read from stdin (a hidden prompt on a terminal).
    #[command(
        after_help = "Examples:\n  registrar users create --email ada@example.com --name 'Ada Lovelace' < password.txt\n  registrar users create --from-file user.json"
    )]
    Create(UserCreateArgs),
    /// Change a user (JSON Patch of name, email, status, roles, password).
    #[command(
        after_help = "Fields: name, email, status (active|disabled); list: roles.\n\nExamples:\n  registrar users patch $USER_ID --set name='Ada King'\n  registrar users patch $USER_ID --add roles=TenantAdmin\n  registrar users patch $USER_ID --new-password < password.txt"
    )]
    Patch {
        id: String,
        #[command(flatten)]
        edits: EditArgs,
        /// Also set a new password, read from stdin (a hidden prompt on a terminal).
        #[arg(long, conflicts_with = "json_patch")]
        new_password: bool,
    },
    /// Delete a user (asks first on a terminal; --yes otherwise).
    #[command(after_help = "Example:\n  registrar users rm $USER_ID --yes")]
    Rm(RmArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("fields").multiple(true)))]
pub struct UserCreateArgs {
    #[arg(long, group = "fields", required_unless_present = "from_file")]
    pub email: Option<String>,
    #[arg(long, group = "fields", required_unless_present = "from_file")]
    pub name: Option<String>,
    /// Give the user the TenantAdmin role.
    #[arg(long, group = "fields")]
    pub admin: bool,
    #[arg(long, group = "fields", value_parser = ["active", "disabled"])]
    pub status: Option<String>,
    /// The subject (defaults to the user's id).
    #[arg(long, group = "fields")]
    pub subject: Option<String>,
    /// Read the password from this file (its first line) instead of stdin.
    #[arg(long, group = "fields", value_name = "FILE")]
    pub password_file: Option<std::path::PathBuf>,
    /// The whole request body as JSON (password included), from a file or - for stdin.
    #[arg(long, value_name = "FILE|-", conflicts_with = "fields")]
    pub from_file: Option<String>,
}

pub const FIELDS: [Field; 4] = [
    Field {
        names: &["name"],
        path: "/name",
        kind: Kind::Scalar,
    },
    Field {
        names: &["email"],
        path: "/email",
        kind: Kind::Scalar,
    },
    Field {
        names: &["status"],
        path: "/status",
        kind: Kind::Scalar,
    },
    Field {
        names: &["roles", "role"],
        path: "/roles",
        kind: Kind::List,
    },
];

const COLUMNS: [Column; 6] = [
    Column {
        header: "ID",
        pointer: "/id",
    },
    Column {
        header: "EMAIL",
        pointer: "/email",
    },
    Column {
        header: "NAME",
        pointer: "/name",
    },
    Column {
        header: "STATUS",
        pointer: "/status",
    },
    Column {
        header: "ROLES",
        pointer: "/roles",
    },
    Column {
        header: "CREATED",
        pointer: "/createdAt",
    },
];

pub async fn run(args: UsersArgs) -> Result<(), Error> {
    let format = args.opts.format();
    let mut session = args.opts.session()?;
    let s = &mut session;
    match args.command {
        UsersCommand::Ls(list) => crud::list(s, &USERS, &COLUMNS, &list, format).await,
        UsersCommand::Get { id } => crud::get(s, &USERS, &id, format).await,
        UsersCommand::Create(create) => {
            let body = create_body(&create)?;
            let user = s.create_item(&USERS, &body).await?;
            output::print_object(format, &user);
            Ok(())
        }
        UsersCommand::Patch {
            id,
            edits,
            new_password,
        } => {
            let mut extra = Vec::new();
            if new_password {
                let password = input::read_secret(None, "new password")?;
                extra.push(json!({"op": "add", "path": "/password", "value": password}));
            }
            crud::patch(s, &USERS, &FIELDS, &id, &edits, extra, format).await
        }
        UsersCommand::Rm(rm) => crud::remove(s, &USERS, "email", &rm).await,
    }
}

fn create_body(a: &UserCreateArgs) -> Result<Value, Error> {
    if let Some(source) = &a.from_file {
        let body = input::read_json(source)?;
        if !body.is_object() {
            return Err(Error::usage(
                "--from-file needs a JSON object (the create request body)",
            ));
        }
        return Ok(body);
    }
    let mut body = Map::new();
    for (k, v) in [
        ("email", &a.email),
        ("name", &a.name),
        ("status", &a.status),
        ("subject", &a.subject),
    ] {
        if let Some(v) = v {
            body.insert(k.to_owned(), json!(v));
        }
    }
    if a.admin {
        body.insert("roles".into(), json!(["TenantAdmin"]));
    }
    let password = input::read_secret(a.password_file.as_deref(), "password")?;
    body.insert("password".into(), json!(password));
    Ok(Value::Object(body))
}
