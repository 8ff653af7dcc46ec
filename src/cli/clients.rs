//! `registrar clients …`: the OAuth clients of the signed-in tenant
//! (`/api/core/oauth-clients`, contract §4).

use super::crud::{self, ListArgs, RmArgs};
use super::input;
use super::output::{self, Column, OutputFormat};
use super::patch::{EditArgs, Field, Kind};
use super::remote_opts::RemoteOpts;
use crate::client::Error;
use crate::client::resource::CLIENTS;
use crate::client::session::Session;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Map, Value, json};

pub const EXAMPLES: &str = "\
Examples:
  registrar clients ls --filter 'clientName co \"billing\"' --sort +clientName
  registrar clients ls --all --output json | jq -r .clientId
  registrar clients create --app-type web --name Billing --grant-type client_credentials --scope billing:read
  registrar clients get $ID
  registrar clients patch $ID --set clientName=Billing --add redirectUris=https://b.example.com/cb
  registrar clients secrets add $ID
  registrar clients secrets rm $ID abcde
  registrar clients revoke-tokens $ID
  registrar clients rm $ID --yes";

const PATCH_EXAMPLES: &str = "\
Fields: clientName, description, logoUri, clientUri, consentMethod (required|trusted);
lists: redirectUris, allowedOrigins, allowedScopes, allowedGrantTypes, allowedAuthMethods.

Examples:
  registrar clients patch $ID --set clientName=Billing --set description='Nightly invoices'
  registrar clients patch $ID --add allowedScopes=billing:write --remove allowedScopes=billing:read
  registrar clients patch $ID --set redirectUris=https://a.example/cb --set redirectUris=https://b.example/cb
  registrar clients patch $ID --unset description
  echo '[{\"op\":\"add\",\"path\":\"/publicKeys\",\"value\":[…]}]' | registrar clients patch $ID --json-patch -";

#[derive(Debug, Args)]
pub struct ClientsArgs {
    #[command(flatten)]
    pub opts: RemoteOpts,
    #[command(subcommand)]
    pub command: ClientsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List clients (one page, or every page with --all).
    #[command(
        after_help = "Examples:\n  registrar clients ls --filter 'appType eq \"web\"' --limit 50\n  registrar clients ls --all --output json"
    )]
    Ls(ListArgs),
    /// Show one client.
    #[command(after_help = "Example:\n  registrar clients get $ID --output json")]
    Get { id: String },
    /// Register a client; a `web` client's first secret is shown once.
    #[command(after_help = CREATE_EXAMPLES)]
    Create(CreateArgs),
    /// Change a client (JSON Patch); a new secret, if one is made, is shown once.
    #[command(after_help = PATCH_EXAMPLES)]
    Patch {
        id: String,
        #[command(flatten)]
        edits: EditArgs,
    },
    /// Delete a client (asks first on a terminal; --yes otherwise).
    #[command(
        after_help = "Examples:\n  registrar clients rm $ID\n  registrar clients rm $ID --yes"
    )]
    Rm(RmArgs),
    /// List, add or delete a client's secrets.
    #[command(
        subcommand,
        after_help = "Examples:\n  registrar clients secrets ls $ID\n  registrar clients secrets add $ID\n  registrar clients secrets rm $ID abcde"
    )]
    Secrets(SecretsCommand),
    /// Revoke every access and refresh token issued to a client so far.
    #[command(after_help = "Example:\n  registrar clients revoke-tokens $ID")]
    RevokeTokens { id: String },
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// List a client's secrets (hints only; secrets are never shown again).
    #[command(after_help = "Example:\n  registrar clients secrets ls $ID")]
    Ls { id: String },
    /// Add a secret (at most 5); it is shown once.
    #[command(
        after_help = "Example:\n  registrar clients secrets add $ID --output json | jq -r .clientSecret"
    )]
    Add { id: String },
    /// Delete a secret by its hint (its last 5 characters).
    #[command(after_help = "Example:\n  registrar clients secrets rm $ID abcde")]
    Rm { id: String, hint: String },
}

const CREATE_EXAMPLES: &str = "\
Examples:
  registrar clients create --app-type web --name Billing --grant-type client_credentials --scope billing:read
  registrar clients create --app-type native --name CLI --redirect-uri http://127.0.0.1/callback --scope oauth-clients:read
  registrar clients create --app-type spa --name Console --redirect-uri https://app.example/cb --allowed-origin https://app.example
  registrar clients create --app-type web --name Signer --auth-method private_key_jwt --grant-type client_credentials --public-key-file jwks.json
  registrar clients create --from-file client.json";

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("fields").multiple(true)))]
pub struct CreateArgs {
    /// Application type.
    #[arg(long, group = "fields", required_unless_present = "from_file", value_parser = ["web", "native", "spa", "anonymous-embed"])]
    pub app_type: Option<String>,
    /// Display name (clientName).
    #[arg(long, group = "fields", required_unless_present = "from_file")]
    pub name: Option<String>,
    #[arg(long, group = "fields")]
    pub description: Option<String>,
    #[arg(long, group = "fields", value_name = "URI")]
    pub logo_uri: Option<String>,
    #[arg(long, group = "fields", value_name = "URI")]
    pub client_uri: Option<String>,
    /// A redirect URI (repeatable, at most 5).
    #[arg(long = "redirect-uri", group = "fields", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// An allowed origin, scheme://host[:port] (repeatable; not for native).
    #[arg(long = "allowed-origin", group = "fields", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// An allowed scope (repeatable).
    #[arg(long = "scope", group = "fields")]
    pub scopes: Vec<String>,
    /// An allowed grant type (web only; repeatable).
    #[arg(long = "grant-type", group = "fields", value_parser = ["client_credentials", "urn:qlik:oauth:user-impersonation"])]
    pub grant_types: Vec<String>,
    /// An allowed authentication method (web only; repeatable).
    #[arg(long = "auth-method", group = "fields", value_parser = ["client_secret", "private_key_jwt"])]
    pub auth_methods: Vec<String>,
    /// Public keys: a file with a JWK, an array of JWKs or a JWK Set (repeatable).
    #[arg(long = "public-key-file", group = "fields", value_name = "FILE")]
    pub public_key_files: Vec<String>,
    /// connectionConfig.consentMethod (only `trusted` on create).
    #[arg(long, group = "fields", value_parser = ["trusted", "required"])]
    pub consent_method: Option<String>,
    /// The whole request body as JSON, from a file or - for stdin.
    #[arg(long, value_name = "FILE|-", conflicts_with = "fields")]
    pub from_file: Option<String>,
}

/// The fields `patch` can change.
pub const FIELDS: [Field; 10] = [
    Field {
        names: &["clientName", "name"],
        path: "/clientName",
        kind: Kind::Scalar,
    },
    Field {
        names: &["description"],
        path: "/description",
        kind: Kind::Scalar,
    },
    Field {
        names: &["logoUri", "logo-uri"],
        path: "/logoUri",
        kind: Kind::Scalar,
    },
    Field {
        names: &["clientUri", "client-uri"],
        path: "/clientUri",
        kind: Kind::Scalar,
    },
    Field {
        names: &["consentMethod", "consent-method"],
        path: "/connectionConfig/consentMethod",
        kind: Kind::Scalar,
    },
    Field {
        names: &["redirectUris", "redirect-uri"],
        path: "/redirectUris",
        kind: Kind::List,
    },
    Field {
        names: &["allowedOrigins", "allowed-origin"],
        path: "/allowedOrigins",
        kind: Kind::List,
    },
    Field {
        names: &["allowedScopes", "scope"],
        path: "/allowedScopes",
        kind: Kind::List,
    },
    Field {
        names: &["allowedGrantTypes", "grant-type"],
        path: "/allowedGrantTypes",
        kind: Kind::List,
    },
    Field {
        names: &["allowedAuthMethods", "auth-method"],
        path: "/allowedAuthMethods",
        kind: Kind::List,
    },
];

const COLUMNS: [Column; 4] = [
    Column {
        header: "CLIENT ID",
        pointer: "/clientId",
    },
    Column {
        header: "NAME",
        pointer: "/clientName",
    },
    Column {
        header: "TYPE",
        pointer: "/appType",
    },
    Column {
        header: "CREATED",
        pointer: "/createdAt",
    },
];

pub async fn run(args: ClientsArgs) -> Result<(), Error> {
    let format = args.opts.format();
    let mut session = args.opts.session()?;
    let s = &mut session;
    match args.command {
        ClientsCommand::Ls(list) => crud::list(s, &CLIENTS, &COLUMNS, &list, format).await,
        ClientsCommand::Get { id } => crud::get(s, &CLIENTS, &id, format).await,
        ClientsCommand::Create(create) => {
            let body = create_body(&create)?;
            let created = s.create_item(&CLIENTS, &body).await?;
            output::print_with_secret(format, &created, "clientSecret");
            Ok(())
        }
        ClientsCommand::Patch { id, edits } => {
            crud::patch(s, &CLIENTS, &FIELDS, &id, &edits, vec![], format).await
        }
        ClientsCommand::Rm(rm) => crud::remove(s, &CLIENTS, "clientName", &rm).await,
        ClientsCommand::Secrets(cmd) => secrets(s, cmd, format).await,
        ClientsCommand::RevokeTokens { id } => {
            s.item_call(&CLIENTS, Method::POST, &id, &["actions", "revoke-tokens"])
                .await?;
            output::note(&format!("revoked every token issued to client {id} so far"));
            Ok(())
        }
    }
}

async fn secrets(s: &mut Session, cmd: SecretsCommand, format: OutputFormat) -> Result<(), Error> {
    match cmd {
        SecretsCommand::Ls { id } => {
            let client = s.get_item(&CLIENTS, &id).await?;
            let list = client.get("clientSecrets").cloned().unwrap_or(json!([]));
            let items = list.as_array().cloned().unwrap_or_default();
            match format {
                OutputFormat::Json => output::out(&format!("{}\n", output::pretty(&list))),
                OutputFormat::Table => output::out(&output::list_table(&SECRET_COLUMNS, &items)),
            }
        }
        SecretsCommand::Add { id } => {
            let body = s
                .item_call(&CLIENTS, Method::POST, &id, &["client-secrets"])
                .await?
                .json()?;
            output::print_with_secret(format, &body, "clientSecret");
        }
        SecretsCommand::Rm { id, hint } => {
            s.item_call(&CLIENTS, Method::DELETE, &id, &["client-secrets", &hint])
                .await?;
            output::note(&format!("deleted secret {hint} of client {id}"));
        }
    }
    Ok(())
}

const SECRET_COLUMNS: [Column; 3] = [
    Column {
        header: "HINT",
        pointer: "/hint",
    },
    Column {
        header: "CREATED",
        pointer: "/createdAt",
    },
    Column {
        header: "CREATED BY",
        pointer: "/createdBy",
    },
];

/// The create body: the file's JSON, or the fields given as flags.
fn create_body(a: &CreateArgs) -> Result<Value, Error> {
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
    let mut put = |k: &str, v: Option<&String>| {
        if let Some(v) = v {
            body.insert(k.to_owned(), json!(v));
        }
    };
    put("appType", a.app_type.as_ref());
    put("clientName", a.name.as_ref());
    put("description", a.description.as_ref());
    put("logoUri", a.logo_uri.as_ref());
    put("clientUri", a.client_uri.as_ref());
    for (k, list) in [
        ("redirectUris", &a.redirect_uris),
        ("allowedOrigins", &a.allowed_origins),
        ("allowedScopes", &a.scopes),
        ("allowedGrantTypes", &a.grant_types),
        ("allowedAuthMethods", &a.auth_methods),
    ] {
        if !list.is_empty() {
            body.insert(k.to_owned(), json!(list));
        }
    }
    let mut keys = Vec::new();
    for file in &a.public_key_files {
        keys.extend(input::read_public_keys(file)?);
    }
    if !keys.is_empty() {
        body.insert("publicKeys".into(), Value::Array(keys));
    }
    if let Some(c) = &a.consent_method {
        body.insert("connectionConfig".into(), json!({"consentMethod": c}));
    }
    Ok(Value::Object(body))
}
