//! One module per console section; each reads and writes through the admin API's calls.

pub(super) mod endpoint_form;
pub(super) mod endpoints;
pub(super) mod ingest;
pub(super) mod messages;
pub(super) mod overview;
pub(super) mod replays;
mod schema_form;
pub(super) mod signin;
pub(super) mod tools;
