//! The pre-check against an independent reading of the text (`precheck_oracle`): whatever it
//! accepts contains nothing the server would run as a denied construct. A short run of the
//! `precheck` fuzz target's property, on every test run.

use proptest::collection::vec;
use proptest::prelude::*;
use switchboard_functions::builtin::query_database::Engine;
use switchboard_functions::builtin::query_database::fuzzing::precheck;

use crate::precheck_oracle::{build_query, denied_constructs};

#[test]
fn oracle_sees_the_calls_hidden_from_sqlparser() {
    let mysql =
        "SELECT a --\u{a0}, LOAD_FILE('/etc/passwd') AS leak FROM (SELECT 1 AS a, 2 AS \u{a0}) q";
    assert_eq!(
        denied_constructs(Engine::Mysql, mysql),
        ["a call of load_file"]
    );
    let pg = "SELECT * FROM ts_stat('SELECT to_tsvector(pg_advisory_lock(4242)::text)')";
    assert_eq!(
        denied_constructs(Engine::Postgres, pg),
        ["a call of ts_stat"]
    );
    // In Postgres the same `--` starts a comment, so nothing is called.
    assert!(denied_constructs(Engine::Postgres, "SELECT 1 --\u{a0}, sleep(1)").is_empty());
}

#[test]
fn generator_reaches_accepted_queries_so_the_property_is_not_vacuous() {
    // A fixed pseudo-random walk over the generator's inputs.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut accepted = 0;
    for _ in 0..2000 {
        let data: Vec<u8> = (0..12)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8 & 0x3f
            })
            .collect();
        let (engine, sql) = build_query(&data);
        accepted += usize::from(precheck(engine, &sql).is_ok());
    }
    eprintln!("accepted {accepted} of 2000 generated queries");
    assert!(
        accepted >= 20,
        "only {accepted} of 2000 generated queries were accepted"
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn accepted_queries_contain_no_denied_construct(data in vec(any::<u8>(), 0..40)) {
        let (engine, sql) = build_query(&data);
        if precheck(engine, &sql).is_ok() {
            let found = denied_constructs(engine, &sql);
            prop_assert!(found.is_empty(), "{engine} accepted {sql:?} containing {found:?}");
        }
    }
}
