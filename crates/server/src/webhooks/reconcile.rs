//! `[[endpoints]]` reconciled with the store at start, by name.
//!
//! - an entry with no stored endpoint of its name: the endpoint is created, owned by the config
//!   (origin `config`);
//! - a config-owned endpoint whose settings differ from its entry: it is updated in place (its
//!   id, secret and history kept) and the changed settings are logged by name;
//! - an endpoint of that name created through the admin API: left alone, said once;
//! - a config-owned endpoint whose entry was removed: left alone (its history may matter), said
//!   once; delete it through the admin API.
//!
//! The enabled state is not a config setting: an endpoint disabled by an operator or by the
//! gateway stays so. A changed `secret` is not applied either (changing it at once would make
//! receivers reject deliveries); it is reported, for a rotation with overlap through the API.

use std::collections::BTreeMap;

use switchboard::core::redact_url;
use switchboard::webhooks::delivery::{
    DEFAULT_MAX_IN_FLIGHT, Endpoint, EndpointOrigin, EndpointSpec, EndpointUpdate, EventFilter,
    WebhookManager,
};

use crate::config::{EndpointConfig, Settings};

/// Applies `settings.endpoints` to the stored endpoints, as the module explains.
///
/// # Errors
/// The store fails, or an entry's settings are refused (named in the error).
pub(super) async fn reconcile_endpoints(
    settings: &Settings,
    manager: &WebhookManager,
) -> anyhow::Result<()> {
    let existing = manager.list().await?;
    for entry in &settings.endpoints {
        let name = entry.name.get_ref();
        let result = match existing.iter().find(|e| &e.name == name) {
            None => create(manager, entry).await,
            Some(current) if current.origin != EndpointOrigin::Config => {
                tracing::warn!(
                    endpoint = %name,
                    id = %current.id,
                    "an endpoint of this name was created through the admin API; its \
                     [[endpoints]] entry is not applied (rename the entry, or delete the \
                     endpoint to let the config own it)"
                );
                Ok(())
            }
            Some(current) => update(manager, current, entry).await,
        };
        result.map_err(|e| anyhow::anyhow!("endpoints {name:?}: {e}"))?;
    }
    for orphan in existing.iter().filter(|e| {
        e.origin == EndpointOrigin::Config
            && !settings
                .endpoints
                .iter()
                .any(|c| c.name.get_ref() == &e.name)
    }) {
        tracing::warn!(
            endpoint = %orphan.name,
            id = %orphan.id,
            "endpoint no longer in the config; left as it is with its history (delete it \
             with DELETE /admin/endpoints/{{id}} if it is not wanted)"
        );
    }
    Ok(())
}

async fn create(manager: &WebhookManager, entry: &EndpointConfig) -> anyhow::Result<()> {
    let name = entry.name.get_ref();
    let mut spec =
        EndpointSpec::new(name.clone(), entry.url.get_ref().clone()).origin(EndpointOrigin::Config);
    if !entry.events.is_empty() {
        spec = spec.events(entry.events.clone());
    }
    spec = spec.channels(entry.channels());
    if let Some(secret) = &entry.secret {
        spec = spec.secret(secret.expose());
    }
    for (k, v) in &entry.headers {
        spec = spec.header(k.clone(), v.expose());
    }
    if let Some(text) = &entry.description {
        spec = spec.description(text.clone());
    }
    for (k, v) in &entry.metadata {
        spec = spec.metadata(k.clone(), v.clone());
    }
    if let Some(n) = &entry.max_in_flight {
        spec = spec.max_in_flight(*n.get_ref());
    }
    if let Some(n) = &entry.rate_limit {
        spec = spec.rate_limit(*n.get_ref());
    }
    spec = spec.ordered(entry.ordered);
    let created = manager.register(spec).await?;
    tracing::info!(endpoint = %name, id = %created.id, "endpoint created from the config");
    Ok(())
}

async fn update(
    manager: &WebhookManager,
    current: &Endpoint,
    entry: &EndpointConfig,
) -> anyhow::Result<()> {
    let name = entry.name.get_ref();
    if let Some(secret) = &entry.secret
        && current
            .keys
            .first()
            .is_none_or(|k| k.secret.expose() != secret.expose())
    {
        tracing::warn!(
            endpoint = %name,
            "the config's secret differs from the endpoint's current key and is not applied; \
             rotate it with POST /admin/endpoints/{{id}}/rotate-secret (old and new key sign \
             side by side for a while)"
        );
    }
    let (changes, changed) = differences(current, entry);
    if changed.is_empty() {
        tracing::debug!(endpoint = %name, "endpoint matches the config");
        return Ok(());
    }
    let updated = manager.update(&current.id, changes).await?;
    tracing::info!(
        endpoint = %name,
        id = %updated.id,
        changed = %changed.join(", "),
        url = %redact_url(&updated.url),
        "endpoint updated from the config; its history is kept"
    );
    Ok(())
}

/// The update that makes `current` match `entry`, and the names of the settings it changes
/// (names only: header values and URLs may carry credentials).
fn differences(current: &Endpoint, entry: &EndpointConfig) -> (EndpointUpdate, Vec<&'static str>) {
    let mut update = EndpointUpdate::new();
    let mut changed = Vec::new();
    let url = normalised(entry.url.get_ref());
    if current.url != url {
        update = update.url(url);
        changed.push("url");
    }
    let events = if entry.events.is_empty() {
        EventFilter::All
    } else {
        EventFilter::Only(entry.events.clone())
    };
    if current.events != events {
        update = update.events(events);
        changed.push("events");
    }
    if current.channels != entry.channels() {
        update = update.channels(entry.channels());
        changed.push("channels");
    }
    let headers: BTreeMap<String, String> = entry
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_owned()))
        .collect();
    let stored: BTreeMap<String, String> = current.headers.iter().cloned().collect();
    if stored != headers {
        update = update.headers(headers.into_iter().collect());
        changed.push("headers");
    }
    if current.description != entry.description {
        update = update.description(entry.description.clone());
        changed.push("description");
    }
    if current.metadata != entry.metadata {
        update = update.metadata(entry.metadata.clone());
        changed.push("metadata");
    }
    let max_in_flight = entry
        .max_in_flight
        .as_ref()
        .map_or(DEFAULT_MAX_IN_FLIGHT, |n| *n.get_ref());
    if current.max_in_flight != max_in_flight {
        update = update.max_in_flight(max_in_flight);
        changed.push("max_in_flight");
    }
    let rate_limit = entry.rate_limit.as_ref().map(|n| *n.get_ref());
    if current.rate_limit != rate_limit {
        update = update.rate_limit(rate_limit);
        changed.push("rate_limit");
    }
    if current.ordered != entry.ordered {
        update = update.ordered(entry.ordered);
        changed.push("ordered");
    }
    (update, changed)
}

/// The URL in the form the manager stores it (parsed and written back), so an entry that
/// differs only in spelling (`http://h` against `http://h/`) is not a change.
fn normalised(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_owned(), |u| u.to_string())
}
