//! Loading the demo into a database: the built-in tasks, a few hundred generated artifacts, and
//! an admin and an annotator account with fresh random passwords.

use super::generate::{generate, DemoItem};
use crate::seed::builtin_tasks::ensure_builtin_tasks;
use app::db::items::{self, NewItem};
use app::db::{audit, users};
use app::domain::{Email, Role};
use app::services::password;
use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// The demo accounts' e-mail addresses and roles.
pub const DEMO_ACCOUNTS: [(&str, Role); 2] = [
    ("admin@example.org", Role::Admin),
    ("annotator@example.org", Role::Annotator),
];

/// What loading the demo did.
#[derive(Debug, Default)]
pub struct DemoSummary {
    pub items_inserted: u64,
    pub items_present: u64,
    /// Accounts created now, with their one-time passwords.
    pub new_accounts: Vec<(String, Role, String)>,
    /// Accounts that existed already (their passwords are unchanged).
    pub existing_accounts: Vec<String>,
}

impl DemoSummary {
    /// Prints the summary, and the new passwords: this is the only time they are shown.
    pub fn print(&self) {
        println!(
            "Demo data: {} artifacts added ({} were already there).",
            self.items_inserted, self.items_present
        );
        for (email, role, password) in &self.new_accounts {
            println!("  {role:<9} account: {email}  password: {password}");
        }
        if !self.new_accounts.is_empty() {
            println!(
                "  (passwords are shown once; change them with `cojudge user passwd --email …`)"
            );
        }
        for email in &self.existing_accounts {
            println!("  account {email} exists already; its password is unchanged");
        }
    }
}

/// Loads the demo; running it again adds nothing twice.
pub async fn load(pool: &PgPool, seed: u64, per_task: usize) -> anyhow::Result<DemoSummary> {
    ensure_builtin_tasks(pool).await?;
    let mut summary = DemoSummary::default();
    let mut tx = pool.begin().await?;
    for item in generate(seed, per_task) {
        if insert_item(&mut tx, &item).await? {
            summary.items_inserted += 1;
        } else {
            summary.items_present += 1;
        }
    }
    tx.commit().await?;
    for (email, role) in DEMO_ACCOUNTS {
        let email = Email::parse(email)?;
        let secret = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
        let hash = password::hash(secret.clone()).await?;
        let display_name = format!("Demo {role}");
        let mut tx = pool.begin().await?;
        match users::insert(&mut *tx, &email, &display_name, role, &hash).await {
            Ok(id) => {
                let details = serde_json::json!({ "email": email.as_str(), "role": role.as_str(), "demo": true });
                audit::record(
                    &mut tx,
                    audit::Entry {
                        actor: audit::Actor::Other("system"),
                        action: "user.created",
                        target_type: "user",
                        target_id: id.to_string(),
                        details,
                    },
                )
                .await?;
                tx.commit().await?;
                summary.new_accounts.push((email.to_string(), role, secret));
            }
            Err(users::InsertUserError::EmailTaken(_)) => {
                summary.existing_accounts.push(email.to_string())
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(summary)
}

async fn insert_item(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    item: &DemoItem,
) -> anyhow::Result<bool> {
    let golden = item
        .golden
        .then(|| serde_json::to_value(&item.intended_labels))
        .transpose()?;
    let meta = serde_json::json!({ "demo": true, "intended_labels": item.intended_labels });
    let hash_input = serde_json::json!({
        "context": item.context, "output": item.output, "generator_model": item.generator_model,
        "generator_version": item.generator_version, "batch": item.batch, "golden": golden, "meta": meta,
    });
    let content_hash = Sha256::digest(serde_json::to_vec(&hash_input)?).to_vec();
    let row = NewItem {
        task: item.task,
        external_id: &item.external_id,
        context: &item.context,
        output: &item.output,
        generator_model: &item.generator_model,
        generator_version: &item.generator_version,
        batch: &item.batch,
        golden: golden.as_ref(),
        meta: &meta,
        content_hash: &content_hash,
    };
    Ok(items::insert_if_new(tx, &row).await?)
}
