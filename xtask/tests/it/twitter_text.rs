//! X length counting against twitter-text's own conformance suite
//! (tests/conformance/twitter-text/validate.yml, Apache-2.0).

use std::path::Path;

use serde::Deserialize;

#[derive(Deserialize)]
struct Suite {
    tests: Tests,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Tests {
    weighted_tweets_counter_test: Vec<Case>,
    weighted_tweets_with_discounted_emoji_counter_test: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    description: String,
    text: String,
    expected: Expected,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Expected {
    weighted_length: usize,
}

fn suite() -> Tests {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/conformance/twitter-text/validate.yml");
    let text = std::fs::read_to_string(path).unwrap();
    let options =
        serde_saphyr::options! { budget: serde_saphyr::budget! { max_reader_input_bytes: None } };
    let suite: Suite = serde_saphyr::from_str_with_options(&text, options).unwrap();
    suite.tests
}

fn run(cases: &[Case], emoji_parsing: bool) {
    assert!(cases.len() >= 20, "the suite should have its cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let got = onmessage_engine::measure::x_weighted_length(&case.text, emoji_parsing);
            (got != case.expected.weighted_length).then(|| {
                format!(
                    "{}: expected {}, got {got}",
                    case.description, case.expected.weighted_length
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn weighted_length_v2() {
    run(&suite().weighted_tweets_counter_test, false);
}

#[test]
fn weighted_length_v3_discounted_emoji() {
    run(
        &suite().weighted_tweets_with_discounted_emoji_counter_test,
        true,
    );
}
