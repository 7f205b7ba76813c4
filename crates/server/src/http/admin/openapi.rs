//! The admin API's OpenAPI 3.1 document: what aide derives from the routes (parameters and
//! bodies from the handlers' extractors, schemas from their types) plus, here, each
//! operation's words, its answers and the bearer security scheme.
//!
//! Served at `GET /admin/openapi.json` and checked in as `docs/admin-openapi.json`
//! (`tests/codegen.rs`).

use std::collections::BTreeMap;

use aide::openapi::{OpenApi, SecurityScheme};
use aide::transform::{TransformOpenApi, TransformOperation};
use axum::Json;
use schemars::JsonSchema;
use serde_json::Value;

use super::answers::{
    AttemptOut, DeliveryOut, EndpointList, EndpointOut, EndpointWithSecret, MessageOut, Published,
    Replayed, Requeued,
};
use crate::audit::ToolCall;
use crate::http::error::ErrorBody;
use crate::http::page::PageOut;

/// The name of the security scheme every operation requires.
const ADMIN_KEY: &str = "admin_key";

/// The document's title, version, description and security.
pub(super) fn describe(api: TransformOpenApi<'_>) -> TransformOpenApi<'_> {
    api.title("Switchboard admin API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(
            "Publish events, manage webhook endpoints, page through messages, deliveries and \
             attempts, replay and recover, and read the audit trail of tool calls. Every \
             request carries the admin key (`[webhooks] admin_key`) as a bearer token. Errors \
             answer `{\"error\": {\"kind\", \"message\"}}`.",
        )
        .security_scheme(
            ADMIN_KEY,
            SecurityScheme::Http {
                scheme: "bearer".into(),
                bearer_format: None,
                description: Some("The admin key: `Authorization: Bearer <admin_key>`.".into()),
                extensions: Default::default(),
            },
        )
        .security_requirement(ADMIN_KEY)
}

/// The finished document as JSON, without the component schemas nothing refers to (aide
/// keeps the schemas of query and path structs whose fields it spells out as parameters).
pub(super) fn to_json(api: &OpenApi) -> Value {
    let mut doc = serde_json::to_value(api).unwrap_or_else(|e| {
        // Every part is plain data built above; this cannot fail.
        unreachable!("the admin OpenAPI document did not serialize: {e}")
    });
    doc["openapi"] = Value::from("3.1.0");
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas").map(Value::take)
    else {
        return doc;
    };
    let mut kept = serde_json::Map::new();
    let mut pending = Vec::new();
    refs(&doc["paths"], &mut pending);
    while let Some(name) = pending.pop() {
        if kept.contains_key(&name) {
            continue;
        }
        if let Some(schema) = schemas.get(&name) {
            refs(schema, &mut pending);
            kept.insert(name, schema.clone());
        }
    }
    doc["components"]["schemas"] = Value::Object(kept);
    doc
}

/// The names of the component schemas `value` refers to.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && let Some(name) = target.strip_prefix("#/components/schemas/")
            {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// An error answer, status by status: the statuses each route can answer besides its own.
fn errors<'t>(mut op: TransformOperation<'t>, statuses: &[u16]) -> TransformOperation<'t> {
    for status in [401].iter().chain(statuses).chain(&[500]) {
        op = match status {
            400 => op.response_with::<400, Json<ErrorBody>, _>(|r| {
                r.description("`bad_request`: a parameter, path id or body is malformed; the message names it")
            }),
            401 => op.response_with::<401, Json<ErrorBody>, _>(|r| {
                r.description("`unauthorized`: the admin key is missing or wrong")
            }),
            404 => op.response_with::<404, Json<ErrorBody>, _>(|r| {
                r.description("`unknown_endpoint` or `unknown_message`: no such id")
            }),
            415 => op.response_with::<415, Json<ErrorBody>, _>(|r| {
                r.description("`unsupported_media_type`: a body that is not `application/json`")
            }),
            409 => op.response_with::<409, Json<ErrorBody>, _>(|r| {
                r.description("`name_taken`: another endpoint has this name")
            }),
            422 => op.response_with::<422, Json<ErrorBody>, _>(|r| {
                r.description(
                    "`invalid_endpoint`, `blocked_url` or `invalid_event`: well-formed but \
                     refused; the message says why",
                )
            }),
            503 => op.response_with::<503, Json<ErrorBody>, _>(|r| {
                r.description("`unavailable`: the webhook side (or, for tool calls, the audit trail) is not running")
            }),
            _ => op.response_with::<500, Json<ErrorBody>, _>(|r| {
                r.description("`store_error`: the store failed (logged)")
            }),
        };
    }
    op
}

/// Every operation's id, words and answers, by route; [`super::routes`] attaches each.
pub(super) mod ops {
    use super::*;

    pub(in crate::http::admin) fn publish(op: TransformOperation<'_>) -> TransformOperation<'_> {
        let op = op
            .id("publishEvent")
            .tag("messages")
            .summary("Publish an event")
            .description(
                "Stores a message and a delivery for every enabled endpoint whose event filter \
                 matches its type. With `idempotency_key`, publishing again answers the first \
                 message's id and creates nothing.",
            )
            .response_with::<202, Json<Published>, _>(|r| r.description("Accepted for delivery"));
        errors(op, &[400, 415, 422, 503])
    }

    pub(in crate::http::admin) fn list_endpoints(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("listEndpoints")
            .tag("endpoints")
            .summary("List endpoints")
            .response_with::<200, Json<EndpointList>, _>(|r| r.description("Every endpoint"));
        errors(op, &[503])
    }

    pub(in crate::http::admin) fn create_endpoint(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("createEndpoint")
            .tag("endpoints")
            .summary("Register an endpoint")
            .description(
                "The answer carries the signing secret, shown this once (generated unless \
                 `secret` is given).",
            )
            .response_with::<201, Json<EndpointWithSecret>, _>(|r| r.description("Registered"));
        errors(op, &[400, 409, 415, 422, 503])
    }

    pub(in crate::http::admin) fn get_endpoint(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("getEndpoint")
            .tag("endpoints")
            .summary("Get an endpoint")
            .response_with::<200, Json<EndpointOut>, _>(|r| r.description("The endpoint"));
        errors(op, &[400, 404, 503])
    }

    pub(in crate::http::admin) fn patch_endpoint(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("updateEndpoint")
            .tag("endpoints")
            .summary("Change an endpoint's settings")
            .description(
                "A JSON merge patch (RFC 7396): a field left out stays; `null` clears what can \
                 be cleared (description, events, channels, headers, rate_limit, metadata) and resets \
                 `max_in_flight` and `ordered`; `headers` and `metadata` merge key by key. \
                 History is kept.",
            )
            .response_with::<200, Json<EndpointOut>, _>(|r| {
                r.description("The endpoint as changed")
            });
        errors(op, &[400, 404, 415, 422, 503])
    }

    pub(in crate::http::admin) fn delete_endpoint(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("deleteEndpoint")
            .tag("endpoints")
            .summary("Delete an endpoint")
            .description("Its deliveries and attempts go with it.")
            .response_with::<204, (), _>(|r| r.description("Deleted"));
        errors(op, &[400, 404, 503])
    }

    pub(in crate::http::admin) fn enable(op: TransformOperation<'_>) -> TransformOperation<'_> {
        let op = op
            .id("enableEndpoint")
            .tag("endpoints")
            .summary("Enable an endpoint")
            .description("Its pending deliveries are attempted again.")
            .response_with::<200, Json<EndpointOut>, _>(|r| r.description("The endpoint"));
        errors(op, &[400, 404, 503])
    }

    pub(in crate::http::admin) fn disable(op: TransformOperation<'_>) -> TransformOperation<'_> {
        let op = op
            .id("disableEndpoint")
            .tag("endpoints")
            .summary("Disable an endpoint")
            .description("Deliveries to it wait until it is enabled again.")
            .response_with::<200, Json<EndpointOut>, _>(|r| r.description("The endpoint"));
        errors(op, &[400, 404, 503])
    }

    pub(in crate::http::admin) fn rotate(op: TransformOperation<'_>) -> TransformOperation<'_> {
        let op = op
            .id("rotateEndpointSecret")
            .tag("endpoints")
            .summary("Rotate an endpoint's signing secret")
            .description(
                "Signs with a new secret (the given one, or a generated one); the previous one \
                 still verifies for `overlap_secs` (default a day). The body is optional.",
            )
            .response_with::<200, Json<EndpointWithSecret>, _>(|r| {
                r.description("The endpoint with its new secret, shown this once")
            });
        errors(op, &[400, 404, 415, 422, 503])
    }

    pub(in crate::http::admin) fn recover(op: TransformOperation<'_>) -> TransformOperation<'_> {
        let op = op
            .id("recoverEndpoint")
            .tag("endpoints")
            .summary("Requeue an endpoint's failed deliveries")
            .description("Every dead-lettered delivery to it created at or after `since`.")
            .response_with::<200, Json<Requeued>, _>(|r| r.description("How many were requeued"));
        errors(op, &[400, 404, 415, 503])
    }

    pub(in crate::http::admin) fn list_messages(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("listMessages")
            .tag("messages")
            .summary("List messages")
            .response_with::<200, Json<PageOut<MessageOut>>, _>(|r| r.description("A page"));
        errors(op, &[400, 503])
    }

    pub(in crate::http::admin) fn get_message(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("getMessage")
            .tag("messages")
            .summary("Get a message")
            .response_with::<200, Json<MessageOut>, _>(|r| r.description("The message"));
        errors(op, &[400, 404, 503])
    }

    pub(in crate::http::admin) fn replay(op: TransformOperation<'_>) -> TransformOperation<'_> {
        let op = op
            .id("replayMessage")
            .tag("messages")
            .summary("Deliver a message again")
            .description(
                "To every endpoint it was delivered to, or to `endpoint` (which need not have \
                 had it). The body is optional.",
            )
            .response_with::<202, Json<Replayed>, _>(|r| r.description("The new deliveries"));
        errors(op, &[400, 404, 415, 503])
    }

    pub(in crate::http::admin) fn list_deliveries(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("listDeliveries")
            .tag("deliveries")
            .summary("List deliveries")
            .response_with::<200, Json<PageOut<DeliveryOut>>, _>(|r| r.description("A page"));
        errors(op, &[400, 503])
    }

    pub(in crate::http::admin) fn list_attempts(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("listAttempts")
            .tag("deliveries")
            .summary("List delivery attempts")
            .response_with::<200, Json<PageOut<AttemptOut>>, _>(|r| r.description("A page"));
        errors(op, &[400, 503])
    }

    pub(in crate::http::admin) fn list_tool_calls(
        op: TransformOperation<'_>,
    ) -> TransformOperation<'_> {
        let op = op
            .id("listToolCalls")
            .tag("tool calls")
            .summary("List tool calls (the audit trail)")
            .description(
                "Newest first. A filter that cannot be used is answered 400 with the parameter \
                 in `error.parameter`.",
            )
            .response_with::<200, Json<PageOut<ToolCall>>, _>(|r| r.description("A page"));
        errors(op, &[400, 503])
    }

    pub(in crate::http::admin) fn openapi(op: TransformOperation<'_>) -> TransformOperation<'_> {
        let op = op
            .id("getAdminOpenApi")
            .tag("meta")
            .summary("This document")
            .response_with::<200, Json<Value>, _>(|r| r.description("The OpenAPI 3.1 document"));
        errors(op, &[])
    }
}

/// A JSON merge patch (RFC 7396) of an endpoint's settings: a field left out stays as it is.
// Only for the document: the handler reads the patch field by field (`super::endpoint_patch`),
// which names the same fields.
#[derive(JsonSchema)]
#[schemars(rename = "EndpointPatch", deny_unknown_fields)]
#[allow(dead_code, reason = "only its schema is used")]
pub(super) struct EndpointPatch {
    /// A new URL (cannot be cleared).
    #[schemars(extend("type" = "string"))]
    url: Option<String>,
    /// A new description; `null` clears it.
    description: Option<String>,
    /// The event types to receive; `null` or `[]` for all.
    events: Option<Vec<String>>,
    /// The channels to receive; `null` or `[]` for every message whatever its channels.
    #[schemars(length(max = 10), inner(pattern(super::patterns::CHANNEL)), extend("uniqueItems" = true))]
    channels: Option<Vec<String>>,
    /// Headers to set (a string) or remove (`null`), by name; `null` removes all.
    headers: Option<BTreeMap<String, Option<String>>>,
    /// Labels to set or remove (`null`), by key; `null` removes all.
    metadata: Option<BTreeMap<String, Option<String>>>,
    /// At most this many deliveries at once; `null` resets the default.
    #[schemars(range(min = 1))]
    max_in_flight: Option<u32>,
    /// At most this many deliveries per second; `null` for no limit.
    #[schemars(range(min = 1))]
    rate_limit: Option<u32>,
    /// One delivery at a time, in publication order; `null` for concurrent. The change applies
    /// to the deliveries already queued: switched on, they go out one at a time from the oldest;
    /// switched off, the ones held behind a failing delivery go out at once. An attempt already
    /// under way finishes.
    ordered: Option<bool>,
    /// Stop (`true`) or resume (`false`) deliveries.
    #[schemars(extend("type" = "boolean"))]
    disabled: Option<bool>,
}
