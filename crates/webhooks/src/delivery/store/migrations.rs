//! Versioned schema migrations, the runner every table set in a store's database uses: the
//! delivery store's own tables, and those of other components that keep their rows in the same
//! SQLite file or Postgres database (the gateway's audit trail).
//!
//! Each set records the versions it applied in its own ledger table, so sets evolve
//! independently. A database written by a newer build (a ledger version above the newest step)
//! is refused rather than guessed at.

/// The advisory lock key of the delivery store's own set.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const LOCK_KEY: i64 = 7_264_318_846_120;

/// One set of migrations: `(version, change)` steps, applied in order, each version once.
///
/// Append new versions; never edit an applied one. A SQLite change is one SQL text (several
/// statements allowed); a Postgres change is a list of statements.
#[derive(Debug, Clone, Copy)]
pub struct Migrations<S: 'static> {
    /// The table recording which versions were applied (an SQL identifier).
    pub ledger: &'static str,
    /// The Postgres advisory lock held while migrating, so processes starting at once migrate
    /// once; unique per set (unused by SQLite, whose `BEGIN IMMEDIATE` serialises writers).
    pub lock_key: i64,
    /// The steps, in ascending version order.
    pub steps: &'static [(i64, S)],
}

impl<S> Migrations<S> {
    /// The newest version this build knows.
    pub fn latest(&self) -> i64 {
        self.steps.iter().map(|(v, _)| *v).max().unwrap_or(0)
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    fn too_new(&self, current: i64) -> Option<String> {
        (current > self.latest()).then(|| {
            format!(
                "database schema version {current} ({}) is newer than this build supports ({})",
                self.ledger,
                self.latest()
            )
        })
    }
}

/// Applies every step of `set` newer than the database's version in one `BEGIN IMMEDIATE`
/// transaction.
///
/// # Errors
/// What failed and at which version, or that the database is newer than this build.
#[cfg(feature = "sqlite")]
pub fn apply_sqlite(
    conn: &mut rusqlite::Connection,
    set: &Migrations<&'static str>,
) -> Result<(), String> {
    let ledger = set.ledger;
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {ledger} (
            version INTEGER PRIMARY KEY,
            applied_at INTEGER NOT NULL
        )"
    ))
    .map_err(|e| format!("creating {ledger}: {e}"))?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| format!("begin migration: {e}"))?;
    let current: i64 = tx
        .query_row(
            &format!("SELECT COALESCE(MAX(version), 0) FROM {ledger}"),
            [],
            |r| r.get(0),
        )
        .map_err(|e| format!("reading the version in {ledger}: {e}"))?;
    if let Some(problem) = set.too_new(current) {
        return Err(problem);
    }
    for (version, sql) in set.steps.iter().filter(|(v, _)| *v > current) {
        tx.execute_batch(sql)
            .map_err(|e| format!("{ledger} migration {version}: {e}"))?;
        tx.execute(
            &format!("INSERT INTO {ledger} (version, applied_at) VALUES (?1, unixepoch())"),
            [version],
        )
        .map_err(|e| format!("recording {ledger} migration {version}: {e}"))?;
    }
    tx.commit().map_err(|e| format!("commit migration: {e}"))
}

/// Applies every step of `set` newer than the database's version in one transaction, holding
/// the set's advisory lock.
///
/// # Errors
/// The database failed, or it is newer than this build ([`sqlx::Error::Protocol`]).
#[cfg(feature = "postgres")]
pub async fn apply_postgres(
    conn: &mut sqlx::PgConnection,
    set: &Migrations<&'static [&'static str]>,
) -> Result<(), sqlx::Error> {
    use sqlx::AssertSqlSafe;
    let ledger = set.ledger;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(set.lock_key)
        .execute(&mut *tx)
        .await?;
    sqlx::query(AssertSqlSafe(format!(
        "CREATE TABLE IF NOT EXISTS {ledger} (
            version BIGINT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )"
    )))
    .execute(&mut *tx)
    .await?;
    let current: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT COALESCE(MAX(version), 0) FROM {ledger}"
    )))
    .fetch_one(&mut *tx)
    .await?;
    if let Some(problem) = set.too_new(current) {
        return Err(sqlx::Error::Protocol(problem));
    }
    for (version, statements) in set.steps.iter().filter(|(v, _)| *v > current) {
        for sql in *statements {
            sqlx::query(AssertSqlSafe(*sql)).execute(&mut *tx).await?;
        }
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {ledger} (version) VALUES ($1)"
        )))
        .bind(version)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
