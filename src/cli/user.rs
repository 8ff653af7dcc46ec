//! `registrar user create --tenant T --email E --name N [--admin]`: creates
//! a user directly on the database, the password read from stdin.

use crate::cli::db_args::DbArgs;
use crate::domain::audit::Origin;
use crate::domain::ids::TenantId;
use crate::domain::time::Timestamp;
use crate::domain::user::{NewUser, UserId};
use crate::domain::user_rules::parse_new_user;
use crate::ops::passwords;
use crate::store::{Store, StoreError};
use serde_json::json;
use std::io::BufRead as _;

/// The options of `user create`.
pub struct NewUserArgs<'a> {
    pub tenant: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub admin: bool,
}

/// The first line of stdin without its line ending.
fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| anyhow::anyhow!("cannot read the password from stdin: {e}"))?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    Ok(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned())
}

pub async fn create(args: NewUserArgs<'_>, db: &DbArgs) -> anyhow::Result<()> {
    let password = read_password_line()?;
    // The same rules as the API's create body, so the command can make no
    // user the API would refuse.
    let roles: &[&str] = if args.admin { &["TenantAdmin"] } else { &[] };
    let input = parse_new_user(&json!({
        "email": args.email,
        "name": args.name,
        "password": password,
        "roles": roles,
    }))
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (user, password) = input.into_user(UserId::generate(), Timestamp::now());
    let password_hash = passwords::hash(password).await?;
    let store = Store::connect(&db.database_url, &db.pool()).await?;
    let tenant = TenantId::from_trusted(args.tenant);
    let inserted = store
        .insert_user(
            &tenant,
            NewUser {
                user: &user,
                password_hash: &password_hash,
            },
            &Origin::command(),
        )
        .await;
    store.close().await;
    match inserted {
        Err(StoreError::TenantNotFound) => anyhow::bail!("no tenant with id `{}`", args.tenant),
        Err(StoreError::EmailTaken) => {
            anyhow::bail!("a user with this email already exists in the tenant")
        }
        other => other?,
    }
    println!("{}", serde_json::to_string(&user)?);
    Ok(())
}
