//! Flags whose values are the library's own enums: each listed by its name
//! (and help), parsed back to the enum, so no library type derives clap and
//! no list of values is written twice.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// A value parser accepting exactly `choices` by name.
pub fn choice<T: Copy + Send + Sync + 'static>(
    choices: Vec<(T, &'static str, Option<&'static str>)>,
) -> impl TypedValueParser<Value = T> {
    let possible: Vec<PossibleValue> = choices
        .iter()
        .map(|(_, name, help)| {
            let value = PossibleValue::new(*name);
            match help {
                Some(help) => value.help(*help),
                None => value,
            }
        })
        .collect();
    PossibleValuesParser::new(possible).map(move |name| {
        choices
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(value, _, _)| *value)
            .expect("clap accepted only the listed names")
    })
}
