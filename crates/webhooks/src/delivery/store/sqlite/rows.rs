//! SQLite rows as [`Columns`], for the shared mapping in `store::sql`.

use rusqlite::Row;
use rusqlite::types::FromSql;

use crate::delivery::ids::EndpointId;
use crate::delivery::model::{Attempt, Delivery, Endpoint, EventFilter, Message};
use crate::delivery::store::StoreError;
use crate::delivery::store::sql::codec::{decode_channels, decode_events};
use crate::delivery::store::sql::{self, Columns, corrupt};

pub(super) fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

fn get<T: FromSql>(row: &Row<'_>, i: usize) -> Result<T, StoreError> {
    row.get(i).map_err(db)
}

impl Columns for Row<'_> {
    fn text(&self, i: usize) -> Result<String, StoreError> {
        get(self, i)
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        get(self, i)
    }

    fn int(&self, i: usize) -> Result<i64, StoreError> {
        get(self, i)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        get(self, i)
    }

    fn flag(&self, i: usize) -> Result<bool, StoreError> {
        Ok(get::<i64>(self, i)? != 0)
    }

    fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        get(self, i)
    }
}

/// `id, events, channels, ordered` of an endpoint: what matching a new message and storing its
/// delivery need.
pub(super) fn endpoint_filter(
    row: &Row<'_>,
) -> Result<(EndpointId, EventFilter, Vec<String>, bool), StoreError> {
    let id = EndpointId::try_from(row.text(0)?)
        .map_err(|_| corrupt("endpoints", "column 0 is not a valid id"))?;
    Ok((
        id,
        decode_events(&row.text(1)?)?,
        decode_channels("endpoints", row.opt_text(2)?)?,
        row.flag(3)?,
    ))
}

// The shared mappings, for the `fn(&Row<'_>)` pointers `query_all` takes.

pub(super) fn endpoint(row: &Row<'_>) -> Result<Endpoint, StoreError> {
    sql::endpoint(row)
}

pub(super) fn message(row: &Row<'_>) -> Result<Message, StoreError> {
    sql::message(row)
}

pub(super) fn delivery(row: &Row<'_>) -> Result<Delivery, StoreError> {
    sql::delivery(row)
}

pub(super) fn attempt(row: &Row<'_>) -> Result<Attempt, StoreError> {
    sql::attempt(row)
}
