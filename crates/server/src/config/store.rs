//! `[admin]` and `[store]`: the admin key and where the webhook store lives.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use switchboard::core::Secret;
use toml::Spanned;

use super::{MIN_SECRET_LEN, Problem, problem};

/// `[admin]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// The admin API key (use `${VAR}`); when absent a key is generated on first start, printed
    /// once, and only its hash is stored in `key_file`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub key: Option<Spanned<Secret>>,
    /// Where the generated key's hash lives (default: next to the SQLite file,
    /// `switchboard.admin-key`).
    #[serde(default)]
    pub key_file: Option<PathBuf>,
}

/// `[store]`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// SQLite file (default `./switchboard.db`), created and migrated on start.
    #[serde(default)]
    pub sqlite: Option<PathBuf>,
    /// Postgres URL for several gateway nodes sharing one store (instead of `sqlite`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub postgres: Option<Spanned<Secret>>,
}

/// `[admin]` and `[store]` after validation.
#[derive(Debug)]
pub(super) struct StoreSettings {
    pub(super) admin_key: Option<Secret>,
    pub(super) admin_key_file: PathBuf,
    pub(super) sqlite: PathBuf,
    pub(super) postgres: Option<Secret>,
}

/// Checks the admin key and the store URL, and places the key file next to the SQLite file.
pub(super) fn validate(admin: AdminConfig, store: StoreConfig) -> Result<StoreSettings, Problem> {
    let admin_key = match admin.key {
        Some(k) if k.get_ref().expose().len() < MIN_SECRET_LEN => {
            return Err(problem(
                "admin.key",
                k.span(),
                "must be at least 16 characters".into(),
            ));
        }
        k => k.map(Spanned::into_inner),
    };
    let sqlite = store
        .sqlite
        .unwrap_or_else(|| PathBuf::from("switchboard.db"));
    let admin_key_file = admin.key_file.unwrap_or_else(|| {
        sqlite
            .parent()
            .unwrap_or(Path::new(""))
            .join("switchboard.admin-key")
    });
    let postgres = match store.postgres {
        Some(url)
            if !url.get_ref().expose().starts_with("postgres://")
                && !url.get_ref().expose().starts_with("postgresql://") =>
        {
            return Err(problem(
                "store.postgres",
                url.span(),
                "must be a postgres:// or postgresql:// URL".into(),
            ));
        }
        url => url.map(Spanned::into_inner),
    };
    Ok(StoreSettings {
        admin_key,
        admin_key_file,
        sqlite,
        postgres,
    })
}
