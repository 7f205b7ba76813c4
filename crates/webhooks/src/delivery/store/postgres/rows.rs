//! Postgres rows as [`Columns`], for the shared mapping in `store::sql`.

use sqlx::postgres::PgRow;
use sqlx::{Column, Row, TypeInfo};

use crate::delivery::store::StoreError;
use crate::delivery::store::sql::Columns;

pub(super) fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

fn get<'r, T>(row: &'r PgRow, i: usize) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(i).map_err(db)
}

/// Whether column `i` is a 4-byte integer (`attempts.status`), read as `i32`.
fn is_int4(row: &PgRow, i: usize) -> bool {
    row.columns()
        .get(i)
        .is_some_and(|c| c.type_info().name() == "INT4")
}

impl Columns for PgRow {
    fn text(&self, i: usize) -> Result<String, StoreError> {
        get(self, i)
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        get(self, i)
    }

    fn int(&self, i: usize) -> Result<i64, StoreError> {
        if is_int4(self, i) {
            return get::<i32>(self, i).map(i64::from);
        }
        get(self, i)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        if is_int4(self, i) {
            return get::<Option<i32>>(self, i).map(|v| v.map(i64::from));
        }
        get(self, i)
    }

    fn flag(&self, i: usize) -> Result<bool, StoreError> {
        get(self, i)
    }

    fn bytes(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        get(self, i)
    }
}
