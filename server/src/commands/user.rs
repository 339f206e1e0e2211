//! `cojudge user add|passwd|disable|enable|list`.

use crate::cli::UserCommand;
use crate::database::Database;
use anyhow::{bail, Context};
use app::db::{audit, users};
use app::domain::{Email, Role};
use app::services::{accounts, password, ServiceError};
use std::io::BufRead;

/// Who makes the changes a command makes, in the audit log.
const CLI: audit::Actor = audit::Actor::Other("cli");

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            database,
            email,
            role,
            name,
            password_stdin,
        } => {
            let email = Email::parse(&email)?;
            let role: Role = role.parse()?;
            let secret = read_password(password_stdin, true)?;
            let hash = password::hash(secret).await?;
            let display_name = name.unwrap_or_else(|| {
                email
                    .as_str()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            });
            let db = Database::open(&database).await?;
            let result = create(&db, &email, &display_name, role, &hash).await;
            db.close().await;
            let id = result?;
            println!("Created {role} account {email} (id {id}).");
        }
        UserCommand::Passwd {
            database,
            email,
            password_stdin,
        } => {
            let email = Email::parse(&email)?;
            let hash = password::hash(read_password(password_stdin, true)?).await?;
            let db = Database::open(&database).await?;
            let result = accounts::set_password_hash(&db.pool, &email, &hash, CLI).await;
            db.close().await;
            result.map_err(not_found_plainly(&email))?;
            println!("Password changed for {email}; its sessions have ended.");
        }
        UserCommand::Disable { database, email } => set_access(&database, &email, true).await?,
        UserCommand::Enable { database, email } => set_access(&database, &email, false).await?,
        UserCommand::List { database } => {
            let db = Database::open(&database).await?;
            let list = users::list(&db.pool).await;
            db.close().await;
            for user in list? {
                let status = if user.disabled { "disabled" } else { "active" };
                println!(
                    "{:<6} {:<10} {:<9} {}",
                    user.id, user.role, status, user.email
                );
            }
        }
    }
    Ok(())
}

/// `cojudge user disable` (`disable`) or `enable`: says what changed.
async fn set_access(
    database: &crate::database::DatabaseArgs,
    email: &str,
    disable: bool,
) -> anyhow::Result<()> {
    let email = Email::parse(email)?;
    let db = Database::open(database).await?;
    let result = accounts::set_disabled(&db.pool, &email, disable, CLI).await;
    db.close().await;
    let change = result.map_err(not_found_plainly(&email))?;
    println!(
        "{}",
        accounts::describe_access_change(&email, disable, change)
    );
    Ok(())
}

/// "there is no account with e-mail …" for a missing account; other errors as they are.
fn not_found_plainly(email: &Email) -> impl FnOnce(ServiceError) -> anyhow::Error + '_ {
    move |error| match error {
        ServiceError::NotFound(_) => anyhow::anyhow!("there is no account with e-mail {email}"),
        other => other.into(),
    }
}

/// Creates the account and records it in the audit log, in one transaction.
pub async fn create(
    db: &Database,
    email: &Email,
    display_name: &str,
    role: Role,
    hash: &str,
) -> anyhow::Result<i64> {
    let mut tx = db.pool.begin().await?;
    let id = users::insert(&mut *tx, email, display_name, role, hash).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor: audit::Actor::Other("cli"),
            action: "user.created",
            target_type: "user",
            target_id: id.to_string(),
            details: serde_json::json!({ "email": email.as_str(), "role": role.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Reads a password from the first line of standard input, or prompts twice on the terminal.
fn read_password(from_stdin: bool, confirm: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password("Password: ")
            .context("reading the password (use --password-stdin when not on a terminal)")?;
        if confirm && rpassword::prompt_password("Repeat password: ")? != first {
            bail!("the two passwords differ");
        }
        first
    };
    password::check_policy(&password)?;
    Ok(password)
}
