//! An optional check of new passwords against a corpus of breached ones, by
//! range (the Pwned Passwords protocol of Have I Been Pwned, k-anonymity):
//! only the first 5 hex characters of the password's SHA-1 leave the
//! server; the service answers every suffix of that range it knows (padded
//! with decoys, so the answer's size says nothing either), and the match is
//! made here. Off unless `PWNED_PASSWORDS_URL` is set.

use crate::domain::Password;
use openidconnect::reqwest;
use sha1::{Digest, Sha1};
use std::time::Duration;

/// How long a registration or a password change waits for the service.
const TIMEOUT: Duration = Duration::from_secs(3);

pub struct BreachedPasswords {
    http: reqwest::Client,
    /// The service's base URL, without a trailing slash.
    base: String,
}

impl BreachedPasswords {
    pub fn new(base: &str) -> Result<Self, reqwest::Error> {
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// Whether `password` is in the corpus; `None` when the service did not
    /// answer in time or answered something else than a range.
    pub async fn contains(&self, password: &Password) -> Option<bool> {
        let digest: String = Sha1::digest(password.expose().as_bytes())
            .iter()
            .map(|byte| format!("{byte:02X}"))
            .collect();
        let (prefix, suffix) = digest.split_at(5);
        let answer = self
            .http
            .get(format!("{}/range/{prefix}", self.base))
            .header("Add-Padding", "true")
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        let body = match answer {
            Ok(response) => response.text().await,
            Err(err) => Err(err),
        };
        match body {
            Ok(body) => Some(listed(&body, suffix)),
            Err(err) => {
                tracing::warn!(error = %err, "the breached-password service did not answer: the password was let through");
                None
            }
        }
    }
}

/// Whether a range's body (`SUFFIX:COUNT` lines) lists `suffix` with a count
/// above 0 (padding lines have 0).
fn listed(body: &str, suffix: &str) -> bool {
    body.lines().any(|line| {
        line.trim()
            .split_once(':')
            .is_some_and(|(listed, count)| listed.eq_ignore_ascii_case(suffix) && count.trim() != "0")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_lists_a_suffix_only_with_a_count() {
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:3\r\n1E4C9B93F3F0682250B6CF8331B7EE68FD8:9545824\r\n\
                    00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0\r\n";
        assert!(listed(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"));
        assert!(listed(body, "1e4c9b93f3f0682250b6cf8331b7ee68fd8"));
        assert!(!listed(body, "00D4F6E8FA6EECAD2A3AA415EEC418D38EC"), "padding");
        assert!(!listed(body, "FFFFF6E8FA6EECAD2A3AA415EEC418D38EC"));
        assert!(!listed("", "1E4C9B93F3F0682250B6CF8331B7EE68FD8"));
    }
}
