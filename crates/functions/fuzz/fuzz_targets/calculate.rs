//! Fuzzes the `calculate` evaluator: any input must return a value or an error within the
//! limits — never panic, overflow the stack or run past the time budget.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_functions::builtin::calculate::{Limits, evaluate};

fuzz_target!(|data: &[u8]| {
    if let Ok(expression) = std::str::from_utf8(data) {
        let limits = Limits::default();
        let start = std::time::Instant::now();
        let _ = evaluate(expression, &limits);
        assert!(
            start.elapsed() < limits.time * 4,
            "evaluation overran its time budget"
        );
    }
});
