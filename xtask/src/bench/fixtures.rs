//! The recorded bench outputs and criterion files the renderers are tested against
//! (`xtask/fixtures/bench`), and the expected tables beside them.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::criterion::{Estimate, criterion_results};

pub(super) const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bench");

pub(super) fn fixture(name: &str) -> String {
    fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap()
}

/// Compares with an expected-output fixture; `XTASK_BLESS=1` rewrites it instead.
pub(super) fn check(name: &str, actual: &str) {
    let path = Path::new(FIXTURES).join(name);
    if std::env::var_os("XTASK_BLESS").is_some() {
        fs::write(&path, actual).unwrap();
    }
    assert_eq!(actual, fs::read_to_string(&path).unwrap(), "{name}");
}

pub(super) fn results() -> BTreeMap<String, Estimate> {
    criterion_results(&Path::new(FIXTURES).join("criterion"), 0).unwrap()
}
