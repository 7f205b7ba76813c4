//! Hostile inputs: deep nesting, exponent towers, huge literals and random token soup
//! must all return quickly with a value or an error, never crash, hang or overflow the stack.

#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failed setup step should fail the test"
)]
#![cfg(feature = "calculate")]

use std::time::{Duration, Instant};

use switchboard_functions::builtin::calculate::{CalcError, Limits, evaluate};

/// The evaluator's own thread gets `EVAL_STACK_SIZE`; the tests run the deepest accepted input
/// on an eighth of that. An evaluator that recursed without bound would abort the test process
/// here, which is the proof that the depth bound holds with a wide margin (debug builds included).
const STACK_FOR_TEST: usize = switchboard_functions::builtin::calculate::EVAL_STACK_SIZE / 8;

/// Runs `f` on a thread with `STACK_FOR_TEST` bytes of stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK_FOR_TEST)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn deepest_accepted_nesting_fits_a_small_stack() {
    let limits = Limits::default();
    // Find the deepest parenthesised input the limits accept, then show it runs on 256 KiB.
    let mut accepted = 0;
    for n in 1..400 {
        let e = format!("{}1{}", "(".repeat(n), ")".repeat(n));
        match evaluate(&e, &limits) {
            Ok(_) => accepted = n,
            Err(CalcError::TooDeep { .. }) => break,
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert!(
        accepted >= 50,
        "at least 50 levels of parentheses are accepted, got {accepted}"
    );
    let out = on_small_stack(move || {
        let mixed = format!(
            "{}1{}",
            "-(2^(".repeat(accepted / 3),
            "))".repeat(accepted / 3)
        );
        let parens = format!("{}1{}", "(".repeat(accepted), ")".repeat(accepted));
        (
            evaluate(&mixed, &Limits::default()),
            evaluate(&parens, &Limits::default()),
        )
    });
    assert!(
        out.0.is_ok() || matches!(out.0, Err(CalcError::TooDeep { .. })),
        "{:?}",
        out.0
    );
    assert_eq!(out.1.unwrap().result, "1");
}

#[test]
fn huge_nesting_is_refused_not_a_crash() {
    let e = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let limits = Limits {
        max_len: 1_000_000,
        ..Limits::default()
    };
    let err = on_small_stack(move || evaluate(&e, &limits).unwrap_err());
    assert!(matches!(err, CalcError::TooDeep { .. }), "{err}");
    let e = "-".repeat(100_000) + "1";
    let err = on_small_stack(move || {
        evaluate(
            &e,
            &Limits {
                max_len: 1_000_000,
                ..Limits::default()
            },
        )
        .unwrap_err()
    });
    assert!(matches!(err, CalcError::TooDeep { .. }), "{err}");
}

#[test]
fn towers_and_giants_are_refused_quickly() {
    for e in [
        "10^10^10",
        "9^9^9",
        "2^2^2^2^2^2",
        "(10^4000)^(10^4000)",
        "1e99999999999",
        "99999!",
        "(2^65535)*(2^65535)",
        "10^(10^5)",
        "0.5^100000",
        "exp(exp(exp(10)))",
        "2^65536",
    ] {
        let start = Instant::now();
        let res = evaluate(e, &Limits::default());
        assert!(res.is_err(), "{e} should be refused, got {res:?}");
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{e} took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn long_input_is_refused() {
    let e = "1+".repeat(600) + "1";
    assert!(matches!(
        evaluate(&e, &Limits::default()),
        Err(CalcError::TooLong { .. })
    ));
}

/// A small deterministic generator (xorshift) so the test needs no extra crate and replays exactly.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn thousands_of_generated_hostile_inputs_terminate() {
    const PIECES: &[&str] = &[
        "(",
        ")",
        "(",
        ")",
        "^",
        "^",
        "**",
        "-",
        "+",
        "*",
        "/",
        "%",
        "!",
        "mod",
        ",",
        "9",
        "99",
        "1e308",
        "1e-308",
        "0",
        "0.1",
        "7.5",
        "999999999999999999",
        "sqrt(",
        "ln(",
        "exp(",
        "max(",
        "round(",
        "pi",
        "e",
        "2",
        "10",
        "3!",
        "sin(",
        "log(",
        " ",
        "1e4000",
        "x",
        "$",
        "π",
        "÷",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let limits = Limits::default();
    let start = Instant::now();
    let (mut ok, mut err) = (0, 0);
    for _ in 0..5_000 {
        let n = 1 + rng.next() % 40;
        let e: String = (0..n).map(|_| rng.pick(PIECES)).collect();
        let t = Instant::now();
        match evaluate(&e, &limits) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
        assert!(
            t.elapsed() < limits.time + Duration::from_millis(250),
            "{e:?} took {:?}",
            t.elapsed()
        );
    }
    assert_eq!(ok + err, 5_000);
    assert!(ok > 20, "some generated inputs are valid ({ok})");
    assert!(start.elapsed() < Duration::from_secs(60));
}
