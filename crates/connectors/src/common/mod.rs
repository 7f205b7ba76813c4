//! Helpers shared by the service modules: base URLs, response reading, tolerant models.
// Each helper serves a subset of the services; with only some features on, some are unused.
#![cfg_attr(
    not(all(
        feature = "github",
        feature = "slack",
        feature = "notion",
        feature = "jira",
        feature = "google_calendar",
        feature = "openweathermap",
        feature = "web_search",
        feature = "zapier",
        feature = "ifttt"
    )),
    allow(dead_code, unused_imports, unused_macros)
)]

mod attribution;
mod error_kind;
mod open_enum;
mod response;
mod time;
mod url;

pub use attribution::ToolOptions;
pub(crate) use attribution::{Act, credit_line};
pub use error_kind::ErrorKind;
pub(crate) use open_enum::open_enum;
pub use response::InputError;
pub(crate) use response::{ApiResponse, WithRaw, decode, decode_list, read};
pub(crate) use time::{civil_from_days, format_rfc3339, parse_iso8601};
pub(crate) use url::{base_url, join, same_origin};
