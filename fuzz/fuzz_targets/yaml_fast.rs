//! The fast YAML reader against serde-saphyr: whenever the fast path
//! accepts a text, both parsers give the same value and the same position
//! for every node. (Declining is always allowed: serde-saphyr reads it.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use onmessage_engine::yaml::{FastPath, compare_fast_path};

fuzz_target!(|text: &str| {
    if let FastPath::Differs(what) = compare_fast_path(text) {
        panic!("the fast reader differs from serde-saphyr on {text:?}: {what}");
    }
});
