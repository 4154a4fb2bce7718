//! Times as people read them, in GOV.UK's style: "28 November 2026 at
//! 4:43am". The server writes UTC (it knows no reader's time zone); a live
//! page says the reader's own ([`LocalTime`]).
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
    parts(rfc3339).map_or_else(|| rfc3339.to_owned(), |parts| parts.date())
}

/// "28 November 2026 at 4:43am UTC", or the text as it came if it is not an
/// RFC 3339 time.
pub fn time_in_words(rfc3339: &str) -> String {
    parts(rfc3339).map_or_else(|| rfc3339.to_owned(), |parts| format!("{} UTC", parts.words()))
}

/// A time on a page, as its reader reads it: in the reader's own time zone
/// ("28 November 2026 at 5:43am"). The server knows no reader's zone, so
/// the page it renders says the time in UTC (and so does a browser without
/// JavaScript); the browser says it in its own once the page is live.
#[leptos::component]
pub fn LocalTime(at: String) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let words = RwSignal::new(time_in_words(&at));
    #[cfg(feature = "hydrate")]
    {
        let at = at.clone();
        Effect::new(move |_| {
            if let Some(local) = local_time_in_words(&at) {
                words.set(local);
            }
        });
    }
    view! { <time datetime=at>{words}</time> }
}

/// `rfc3339` in the browser's time zone, by the browser's clock rules.
#[cfg(feature = "hydrate")]
fn local_time_in_words(rfc3339: &str) -> Option<String> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    let parts = Parts {
        year: date.get_full_year(),
        month: usize::try_from(date.get_month()).ok()?,
        day: date.get_date(),
        hour: date.get_hours(),
        minute: date.get_minutes(),
    };
    Some(parts.words())
}

/// A time's fields; `month` from 0.
struct Parts {
    year: u32,
    month: usize,
    day: u32,
    hour: u32,
    minute: u32,
}

impl Parts {
    fn date(&self) -> String {
        let month = MONTHS.get(self.month).copied().unwrap_or_default();
        format!("{} {month} {}", self.day, self.year)
    }

    /// GOV.UK's style: "5:30pm", "10am", "midday", "midnight".
    fn clock(&self) -> String {
        match (self.hour, self.minute) {
            (0, 0) => "midnight".to_owned(),
            (12, 0) => "midday".to_owned(),
            (hour, minute) => {
                let suffix = if hour < 12 { "am" } else { "pm" };
                let hour = match hour % 12 {
                    0 => 12,
                    other => other,
                };
                match minute {
                    0 => format!("{hour}{suffix}"),
                    minute => format!("{hour}:{minute:02}{suffix}"),
                }
            }
        }
    }

    fn words(&self) -> String {
        format!("{} at {}", self.date(), self.clock())
    }
}

fn parts(rfc3339: &str) -> Option<Parts> {
    let (date, clock) = rfc3339.split_once('T')?;
    let mut ymd = date.splitn(3, '-');
    let (year, month, day) = (ymd.next()?, ymd.next()?, ymd.next()?);
    let month = month
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
        .filter(|month| *month < MONTHS.len())?;
    let (hour, minute) = clock.get(..5)?.split_once(':')?;
    Some(Parts {
        year: year.parse().ok()?,
        month,
        day: day.parse().ok()?,
        hour: hour.parse().ok().filter(|hour| *hour < 24)?,
        minute: minute.parse().ok().filter(|minute| *minute < 60)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_times_read_as_words() {
        assert_eq!(time_in_words("2026-11-28T04:43:19Z"), "28 November 2026 at 4:43am UTC");
        assert_eq!(time_in_words("2026-11-28T16:05:00Z"), "28 November 2026 at 4:05pm UTC");
        assert_eq!(time_in_words("2026-11-28T10:00:00Z"), "28 November 2026 at 10am UTC");
        assert_eq!(time_in_words("2026-11-28T12:00:59Z"), "28 November 2026 at midday UTC");
        assert_eq!(
            time_in_words("2026-11-28T00:00:00Z"),
            "28 November 2026 at midnight UTC"
        );
        assert_eq!(time_in_words("2026-11-28T00:30:00Z"), "28 November 2026 at 12:30am UTC");
        assert_eq!(time_in_words("2026-11-28T12:30:00Z"), "28 November 2026 at 12:30pm UTC");
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
            "2026-11-28T24:00:00Z",
            "2026-11-28T04:60:00Z",
        ] {
            assert_eq!(time_in_words(odd), odd);
        }
    }
}
