//! Integration tests of the `query_database` tool against real SQLite, Postgres and MySQL/MariaDB databases.
//!
//! Postgres and MySQL tests run when `SWITCHBOARD_TEST_POSTGRES_URL` / `SWITCHBOARD_TEST_MYSQL_URL` are
//! set and print a `skipped` line otherwise. Test tables are created through a separate writable
//! connection; the tool only ever reads.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod api;
mod common;
mod mysql;
mod mysql_bypass;
mod postgres;
mod postgres_bypass;
mod precheck_oracle;
mod precheck_property;
mod sqlite;
