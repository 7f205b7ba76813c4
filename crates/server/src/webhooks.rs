//! Webhook side of the gateway: the delivery store and manager, endpoints from the config,
//! ingest sources, and the admin key.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use switchboard::core::NetPolicy;
use switchboard::core::net::Cidr;
use switchboard::webhooks::delivery::store::{
    PostgresOptions, PostgresStore, SqliteOptions, SqliteStore, Store,
};
use switchboard::webhooks::delivery::{DeliveryObserver, WebhookManager, WebhookManagerBuilder};
use switchboard::webhooks::sign::Verifier;

use crate::config::{IngestKind, Settings};
use crate::http::auth::TokenHash;
use crate::verifiers::verifier_for;

mod reconcile;

/// One configured ingest source, ready to verify requests.
pub struct Source {
    /// The verifier kind.
    pub kind: IngestKind,
    /// The signature verifier (`None` for token kinds).
    pub verifier: Option<Box<dyn Verifier>>,
    /// The shared token's hash (token kinds).
    pub token: Option<TokenHash>,
    /// Event type published.
    pub event_type: String,
    /// Largest body accepted.
    pub max_body: usize,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("kind", &self.kind)
            .field("event_type", &self.event_type)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// The running webhook side.
#[derive(Debug)]
pub struct Webhooks {
    /// The durable manager.
    pub manager: WebhookManager,
    /// The manager's store, for ingest replay records (shared by every node on that store).
    pub store: Arc<dyn Store>,
    /// The admin key's hash.
    pub admin: TokenHash,
    /// Ingest sources by name.
    pub sources: HashMap<String, Source>,
}

/// Opens the store (SQLite by default, created and migrated; Postgres when configured), builds
/// and starts the manager, reconciles the config's endpoints with the store, and loads or
/// creates the admin key. A generated admin key is returned so the caller can print it once.
///
/// # Errors
/// The store cannot be opened, a secret does not parse, the key file cannot be written.
pub async fn start(
    settings: &Settings,
    observer: Arc<dyn DeliveryObserver>,
) -> anyhow::Result<(Webhooks, Option<String>)> {
    let store = open_store(settings).await?;
    let manager = manager_builder(settings, store.clone())?
        .observer(observer)
        .build()?;
    manager.start()?;
    reconcile::reconcile_endpoints(settings, &manager).await?;
    crate::notify::subscribe_targets(&manager, &settings.notify)?;
    let sources = ingest_sources(settings)?;
    let (admin, generated) = admin_key(settings)?;
    Ok((
        Webhooks {
            manager,
            store,
            admin,
            sources,
        },
        generated,
    ))
}

/// Opens the configured store and builds a manager over it, without starting delivery workers
/// (what the `deliveries` commands use next to a running gateway).
///
/// # Errors
/// The store cannot be opened or migrated, or a `[delivery]` CIDR does not parse.
pub async fn open_manager(settings: &Settings) -> anyhow::Result<WebhookManager> {
    let store = open_store(settings).await?;
    Ok(manager_builder(settings, store)?.build()?)
}

/// The configured store, opened (and migrated).
async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match &settings.postgres {
        Some(url) => Arc::new(
            PostgresStore::connect(url.expose(), PostgresOptions::default())
                .await
                .map_err(|e| anyhow::anyhow!("store.postgres: {e}"))?,
        ),
        None => {
            let path = settings.sqlite.clone();
            let store = tokio::task::spawn_blocking(move || {
                SqliteStore::open(&path, SqliteOptions::default())
            })
            .await?
            .map_err(|e| anyhow::anyhow!("store.sqlite {}: {e}", settings.sqlite.display()))?;
            Arc::new(store)
        }
    })
}

/// A manager over `store` configured from `settings`, publishing operational events.
fn manager_builder(
    settings: &Settings,
    store: Arc<dyn Store>,
) -> anyhow::Result<WebhookManagerBuilder> {
    let mut policy = NetPolicy::public_only();
    for cidr in &settings.delivery_allow_cidrs {
        let parsed: Cidr = cidr
            .parse()
            .map_err(|e| anyhow::anyhow!("delivery.allow_cidrs {cidr:?}: {e}"))?;
        policy = policy.allow_cidr(parsed);
    }
    for host in &settings.delivery_allow_hosts {
        policy = policy.allow_host(host);
    }
    Ok(WebhookManager::builder(store)
        .config(settings.delivery.clone())
        .net_policy(policy)
        .publish_operational_events(true))
}

fn ingest_sources(settings: &Settings) -> anyhow::Result<HashMap<String, Source>> {
    let mut sources = HashMap::new();
    for s in &settings.ingest {
        let name = s.name.get_ref().clone();
        let secret = s.secret.get_ref().expose();
        let verifier = verifier_for(s.kind, secret)
            .map_err(|e| anyhow::anyhow!("ingest {name:?} secret: {e}"))?;
        let token = verifier.is_none().then(|| TokenHash::of(secret));
        sources.insert(
            name.clone(),
            Source {
                kind: s.kind,
                verifier,
                token,
                event_type: s.event_type.clone().unwrap_or_else(|| name.clone()),
                max_body: s.max_body_bytes.unwrap_or(1024 * 1024),
            },
        );
    }
    Ok(sources)
}

/// The admin key hash: from the config, else from the key file, else a new key whose hash is
/// written to the key file (the key itself is returned once and never stored).
fn admin_key(settings: &Settings) -> anyhow::Result<(TokenHash, Option<String>)> {
    if let Some(key) = &settings.admin_key {
        return Ok((TokenHash::of(key.expose()), None));
    }
    let path: &Path = &settings.admin_key_file;
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let hash = TokenHash::from_hex(&text).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: not a SHA-256 hex digest; delete it to generate a new admin key",
                    path.display()
                )
            })?;
            Ok((hash, None))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
                .map_err(|_| anyhow::anyhow!("no system randomness for the admin key"))?;
            let key = format!(
                "sbk_{}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            let hash = TokenHash::of(&key);
            write_private(path, &hash.to_hex())?;
            Ok((hash, Some(key)))
        }
        Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
    }
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(())
}
