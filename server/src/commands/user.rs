//! `cojudge user add|passwd|list`.

use crate::cli::UserCommand;
use crate::database::Database;
use anyhow::{bail, Context};
use app::db::{audit, users};
use app::domain::{Email, Role};
use app::services::password;
use std::io::BufRead;

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
            let mut tx = db.pool.begin().await?;
            let changed = users::set_password_hash(&mut *tx, &email, &hash).await?;
            if changed {
                audit::record(
                    &mut tx,
                    audit::Entry {
                        actor: audit::Actor::Other("cli"),
                        action: "user.password_set",
                        target_type: "user",
                        target_id: email.to_string(),
                        details: serde_json::json!({}),
                    },
                )
                .await?;
            }
            tx.commit().await?;
            db.close().await;
            if !changed {
                bail!("there is no account with e-mail {email}");
            }
            println!("Password changed for {email}.");
        }
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
