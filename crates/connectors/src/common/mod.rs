//! Helpers shared by the service modules: base URLs, response reading, tolerant models.

mod open_enum;
mod response;
mod url;

pub(crate) use open_enum::open_enum;
pub use response::InputError;
pub(crate) use response::{ApiResponse, WithRaw, decode, decode_list, read};
pub(crate) use url::{base_url, join, same_origin};
