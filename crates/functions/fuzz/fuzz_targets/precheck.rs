//! Fuzzes the `query_database` pre-check against an independent reading of the text the way each
//! server reads it (`tests/query_database/precheck_oracle.rs`): inputs mix comments, quotes,
//! Unicode whitespace, control bytes and function calls, and whatever the pre-check accepts must
//! contain no call of a denied function, no `INTO`, no `FOR UPDATE`, no `:=` and no executable
//! comment. The pre-check must also never panic and answer quickly.

#![no_main]

#[path = "../../tests/query_database/precheck_oracle.rs"]
mod precheck_oracle;

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use switchboard_functions::builtin::query_database::fuzzing::precheck;

fuzz_target!(|data: &[u8]| {
    let (engine, sql) = precheck_oracle::build_query(data);
    let start = Instant::now();
    let verdict = precheck(engine, &sql);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "the pre-check took {:?}",
        start.elapsed()
    );
    if verdict.is_ok() {
        let found = precheck_oracle::denied_constructs(engine, &sql);
        assert!(
            found.is_empty(),
            "{engine} accepted {sql:?}, which the server would run with {found:?}"
        );
    }
});
