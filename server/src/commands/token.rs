//! `cojudge token create|list|revoke`: API tokens for the REST API.

use crate::cli::TokenCommand;
use crate::database::Database;
use anyhow::bail;
use app::db::audit::Actor;
use app::db::tokens::{self, NewToken, Revoked, TokenRef};
use app::domain::api_token;
use chrono::{DateTime, Utc};

pub async fn run(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            database,
            name,
            role,
            expires,
        } => {
            let name = api_token::parse_name(&name)?;
            let role = api_token::parse_role(&role)?;
            let expires_at = api_token::parse_expiry(expires.as_deref().unwrap_or(""), Utc::now())?;
            let new = NewToken {
                name: &name,
                role,
                expires_at,
                created_by: None,
            };
            let db = Database::open(&database).await?;
            let created = tokens::create(&db.pool, &new, Actor::Other("cli")).await;
            db.close().await;
            let (id, secret) = created?;
            let until = expires_at.map_or("never expires".to_string(), |at| {
                format!("expires {}", when(at))
            });
            println!("Created {role} token {name} (id {id}); it {until}.");
            println!("{}", secret.expose());
            println!("Store this token now: it will not be shown again.");
        }
        TokenCommand::List { database } => {
            let db = Database::open(&database).await?;
            let list = tokens::list(&db.pool).await;
            db.close().await;
            println!(
                "{:<6} {:<24} {:<8} {:<8} {:<14} {:<21} {:<21} LAST USED",
                "ID", "NAME", "ROLE", "STATUS", "PREFIX", "CREATED", "EXPIRES"
            );
            for t in list? {
                println!(
                    "{:<6} {:<24} {:<8} {:<8} {:<14} {:<21} {:<21} {}",
                    t.id,
                    t.name,
                    t.role.as_str(),
                    t.status.as_str(),
                    format!("cjt_{}…", t.prefix),
                    when(t.created_at),
                    t.expires_at.map_or("never".into(), when),
                    t.last_used_at.map_or("never".into(), when),
                );
            }
        }
        TokenCommand::Revoke { database, name } => {
            let db = Database::open(&database).await?;
            let revoked =
                tokens::revoke(&db.pool, TokenRef::Name(&name), Actor::Other("cli")).await;
            db.close().await;
            match revoked? {
                Revoked::Now { id, name } => println!("Revoked token {name} (id {id})."),
                Revoked::Already { name, at, .. } => {
                    println!("Token {name} was already revoked on {}.", when(at))
                }
                Revoked::NotFound => bail!("there is no token named {name}"),
            }
        }
    }
    Ok(())
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
