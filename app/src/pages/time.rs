//! Times as people read them: "28 November 2026, 04:43 UTC". The same words on
//! the server and in the browser, so hydration finds what the server wrote.
//! Written here rather than with the `time` crate, which the wasm does not
//! carry: the API's times are always RFC 3339 in UTC (`2026-11-28T04:43:19Z`).

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "28 November 2026", or the text as it came if it is not an RFC 3339 time.
pub fn date_in_words(rfc3339: &str) -> String {
    parts(rfc3339).map_or_else(|| rfc3339.to_owned(), |(date, _)| date)
}

/// "28 November 2026, 04:43 UTC", or the text as it came if it is not an
/// RFC 3339 time.
pub fn time_in_words(rfc3339: &str) -> String {
    parts(rfc3339).map_or_else(|| rfc3339.to_owned(), |(date, clock)| format!("{date}, {clock} UTC"))
}

fn parts(rfc3339: &str) -> Option<(String, &str)> {
    let (date, clock) = rfc3339.split_once('T')?;
    let mut ymd = date.splitn(3, '-');
    let (year, month, day) = (ymd.next()?, ymd.next()?, ymd.next()?);
    let month = MONTHS.get(month.parse::<usize>().ok()?.checked_sub(1)?)?;
    let day: u8 = day.parse().ok()?;
    let clock = clock.get(..5).filter(|hh_mm| hh_mm.as_bytes().get(2) == Some(&b':'))?;
    Some((format!("{day} {month} {year}"), clock))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_times_read_as_words() {
        assert_eq!(time_in_words("2026-11-28T04:43:19Z"), "28 November 2026, 04:43 UTC");
        assert_eq!(date_in_words("2026-01-05T23:59:00Z"), "5 January 2026");
    }

    #[test]
    fn anything_else_is_shown_as_it_came() {
        for odd in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-11-28",
            "2026-11-28T4",
        ] {
            assert_eq!(time_in_words(odd), odd);
        }
    }
}
