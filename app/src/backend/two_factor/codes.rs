//! The arithmetic of two-step verification: TOTP codes (RFC 6238: SHA-1, 6
//! digits, 30-second steps, one step either side, through `totp-rs`), the
//! secret sealed for the database, and recovery codes.

use crate::domain::UserId;
use aes_gcm::{aead::Aead, Aes256Gcm, KeyInit, Nonce};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use totp_rs::{Secret, Totp};

/// A TOTP secret: 160 random bits, as RFC 4226 recommends.
pub struct TotpSecret(Vec<u8>);

/// Never print a secret, not even in debug logs.
impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    pub fn generate() -> Self {
        Self(rand::random::<[u8; 20]>().to_vec())
    }

    /// The secret in base32, as a person types it into an authenticator.
    pub fn base32(&self) -> String {
        self.secret().to_base32()
    }

    fn secret(&self) -> Secret {
        Secret::new(self.0.clone().into_boxed_slice())
    }

    /// The `otpauth://totp/...` URI an authenticator reads from the QR code,
    /// naming the site and the account.
    pub fn uri(&self, site: &str, account: &str) -> String {
        // A colon in the issuer or the account would end the URI's label early.
        let label = |text: &str| text.replace(':', " ");
        totp_rs::Builder::new()
            .with_secret(self.secret())
            .with_issuer(Some(label(site)))
            .with_account_name(label(account))
            .build()
            .and_then(|totp| totp.to_url())
            .unwrap_or_default()
    }

    /// The URI of [`TotpSecret::uri`] as a QR code, an SVG image.
    pub fn qr_svg(uri: &str) -> String {
        let Ok(code) = qrcode::QrCode::new(uri.as_bytes()) else {
            return String::new();
        };
        let svg = code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build();
        // The XML declaration has no place inside an HTML page.
        match svg.find("<svg") {
            Some(start) => svg[start..].to_owned(),
            None => svg,
        }
    }

    /// The time step (Unix seconds / 30) whose code `code` is at `now`, one
    /// step either side of now's; `None` for a wrong code. Spaces in what was
    /// typed are ignored.
    pub fn step_of(&self, code: &str, now: i64) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let now = u64::try_from(now).ok()?;
        let step = self.totp(6)?.check(&code, now)?;
        i64::try_from(step).ok()
    }

    /// The code of `digits` digits at the Unix time `at`.
    #[cfg(test)]
    fn code_at(&self, digits: u8, at: u64) -> Option<String> {
        Some(self.totp(digits)?.generate(at).to_string())
    }

    fn totp(&self, digits: u8) -> Option<Totp> {
        totp_rs::Builder::new()
            .with_digits(digits)
            .with_secret(self.secret())
            .build()
            .ok()
    }
}

/// The key TOTP secrets are sealed with for the database: AES-256-GCM under
/// a key derived from `PASSWORD_PEPPER` (never rotated, kept apart from
/// the database), each secret bound to its user, so a database or a backup
/// alone reveals no secret and a secret moved to another row opens nowhere.
pub struct SecretBox(Aes256Gcm);

impl SecretBox {
    pub fn new(pepper: &SecretString) -> Self {
        let mut key = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(None, pepper.expose_secret().as_bytes())
            .expand(b"two-factor secrets", &mut key)
            .expect("32 bytes is a valid HKDF-SHA-256 length");
        Self(Aes256Gcm::new(&key.into()))
    }

    /// `secret` sealed for the row of `user`: base64 of a random nonce and
    /// the ciphertext.
    pub fn seal(&self, user: UserId, secret: &TotpSecret) -> String {
        let nonce: [u8; 12] = rand::random();
        let sealed = self
            .0
            .encrypt(
                Nonce::from_slice(&nonce),
                aes_gcm::aead::Payload {
                    msg: &secret.0,
                    aad: &user.get().to_be_bytes(),
                },
            )
            .expect("AES-GCM seals any message of this size");
        BASE64.encode([nonce.as_slice(), &sealed].concat())
    }

    /// The secret [`SecretBox::seal`] sealed for `user`; `None` for anything
    /// else (another user's row, another key, a damaged value).
    pub fn open(&self, user: UserId, sealed: &str) -> Option<TotpSecret> {
        let bytes = BASE64.decode(sealed).ok()?;
        let (nonce, ciphertext) = bytes.split_at_checked(12)?;
        self.0
            .decrypt(
                Nonce::from_slice(nonce),
                aes_gcm::aead::Payload {
                    msg: ciphertext,
                    aad: &user.get().to_be_bytes(),
                },
            )
            .ok()
            .map(TotpSecret)
    }
}

/// How many recovery codes a set has.
pub const RECOVERY_CODES: usize = 10;

/// Letters and digits that no one confuses when copying by hand (no 0/o,
/// 1/l/i): 31 of them, shown in lower case.
const RECOVERY_ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// A recovery code is this many groups of [`RECOVERY_GROUP_LENGTH`]
/// characters, joined by dashes: 25 characters, about 124 random bits, so
/// that a stolen hash cannot be reversed by trying every code (ASVS asks for
/// 112 bits before a plain hash will do).
const RECOVERY_GROUPS: usize = 5;
const RECOVERY_GROUP_LENGTH: usize = 5;

/// A new set of recovery codes, each `xxxxx-xxxxx-xxxxx-xxxxx-xxxxx`, every
/// character drawn on its own, uniformly, from `rand`'s generator (ChaCha12,
/// seeded by the operating system).
pub fn new_recovery_codes() -> Vec<String> {
    let character = || char::from(RECOVERY_ALPHABET[rand::random_range(0..RECOVERY_ALPHABET.len())]);
    let group = || (0..RECOVERY_GROUP_LENGTH).map(|_| character()).collect::<String>();
    let code = || (0..RECOVERY_GROUPS).map(|_| group()).collect::<Vec<_>>().join("-");
    (0..RECOVERY_CODES).map(|_| code()).collect()
}

/// What is stored of a recovery code, as typed (any case, with or without
/// its dashes and spaces): the SHA-256 of its letters and digits. Codes of
/// sets made before (`xxxxx-xxxxx`, 10 characters) hash as they always did.
pub fn recovery_code_hash(typed: &str) -> String {
    let code: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    super::super::sha256_hex(&code)
}

/// Whether what was typed is a TOTP code (6 digits, spaces allowed) rather
/// than a recovery code.
pub fn looks_like_totp(typed: &str) -> bool {
    let digits: Vec<char> = typed.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.iter().all(char::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 seed and its 8-digit codes.
    const RFC_SEED: &[u8; 20] = b"12345678901234567890";
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    fn rfc_secret() -> TotpSecret {
        TotpSecret(RFC_SEED.to_vec())
    }

    #[test]
    fn codes_are_rfc_6238s_own_test_vectors() {
        for (at, code) in RFC_VECTORS {
            assert_eq!(rfc_secret().code_at(8, at).as_deref(), Some(code), "T = {at}");
            // Six digits are the same number modulo 10^6.
            assert_eq!(rfc_secret().code_at(6, at).as_deref(), Some(&code[2..]), "T = {at}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_names_its_step() {
        let secret = rfc_secret();
        let at = 1_111_111_111_i64;
        let code = secret.code_at(6, at as u64).unwrap();
        let step = at / 30;
        assert_eq!(secret.step_of(&code, at), Some(step));
        assert_eq!(secret.step_of(&code, at + 30), Some(step), "one step late");
        assert_eq!(secret.step_of(&code, at - 30), Some(step), "one step early");
        assert_eq!(secret.step_of(&code, at + 60), None, "two steps late");
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.step_of(&spaced, at), Some(step));
        assert_eq!(secret.step_of("000000", at), None);
        assert_eq!(secret.step_of("", at), None);
        assert_eq!(secret.step_of("12345a", at), None);
    }

    #[test]
    fn the_uri_names_the_site_the_account_and_the_secret() {
        let secret = rfc_secret();
        let uri = secret.uri("Sessions", "ada@example.com");
        assert!(uri.starts_with("otpauth://totp/Sessions:ada%40example.com?"), "{uri}");
        assert!(uri.contains(&format!("secret={}", secret.base32())), "{uri}");
        assert!(uri.contains("issuer=Sessions"), "{uri}");
        assert_eq!(secret.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let qr = TotpSecret::qr_svg(&uri);
        assert!(qr.starts_with("<svg") && qr.ends_with("</svg>"), "{qr}");
        assert!(
            !qr.contains("ada@"),
            "the address is in the code's modules, not in text"
        );
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_user_and_key() {
        let key = SecretBox::new(&"a pepper long enough for the test!!".into());
        let secret = TotpSecret::generate();
        let sealed = key.seal(UserId::new(7), &secret);
        assert!(!sealed.contains(&secret.base32()));
        assert_eq!(key.open(UserId::new(7), &sealed).unwrap().0, secret.0);
        assert!(key.open(UserId::new(8), &sealed).is_none(), "another user's row");
        let other = SecretBox::new(&"another pepper, also long enough!!!".into());
        assert!(other.open(UserId::new(7), &sealed).is_none(), "another key");
        assert!(key.open(UserId::new(7), "not base64 at all").is_none());
        assert!(key.open(UserId::new(7), "").is_none());
        assert_ne!(sealed, key.seal(UserId::new(7), &secret), "a fresh nonce each time");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_read_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for code in &codes {
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), RECOVERY_GROUPS, "{code}");
            assert!(
                groups.iter().all(|group| group.len() == RECOVERY_GROUP_LENGTH),
                "{code}"
            );
            assert!(
                groups.concat().bytes().all(|c| RECOVERY_ALPHABET.contains(&c)),
                "{code}"
            );
            assert!(!looks_like_totp(code));
            let typed = format!(" {} ", code.replace('-', "").to_uppercase());
            assert_eq!(recovery_code_hash(&typed), recovery_code_hash(code));
            assert_eq!(recovery_code_hash(&code.replace('-', " ")), recovery_code_hash(code));
        }
        assert_ne!(recovery_code_hash(&codes[0]), recovery_code_hash(&codes[1]));
        assert!(looks_like_totp("123 456") && !looks_like_totp("12345") && !looks_like_totp("1234567"));
    }

    #[test]
    fn a_recovery_code_carries_at_least_120_bits_of_an_unambiguous_alphabet() {
        let bits = (RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH) as f64 * (RECOVERY_ALPHABET.len() as f64).log2();
        assert!(bits >= 120.0, "{bits}");
        let mut alphabet = RECOVERY_ALPHABET.to_vec();
        alphabet.sort();
        alphabet.dedup();
        assert_eq!(alphabet.len(), RECOVERY_ALPHABET.len(), "no character twice");
        for confusable in *b"0o1li" {
            assert!(!RECOVERY_ALPHABET.contains(&confusable), "{}", char::from(confusable));
        }
        // The codes use the whole alphabet: 250 characters drawn leave 8 or
        // more of the 31 out with a chance below 10^-20.
        let drawn: std::collections::BTreeSet<char> =
            new_recovery_codes().concat().chars().filter(|c| *c != '-').collect();
        assert!(drawn.len() > RECOVERY_ALPHABET.len() - 8, "{drawn:?}");
    }

    #[test]
    fn a_code_of_a_set_made_before_hashes_as_it_always_did() {
        // The SHA-256 of the 10 characters, as sets of `xxxxx-xxxxx` were stored.
        let stored = crate::backend::sha256_hex("k7m2pq9xbc");
        assert_eq!(recovery_code_hash("k7m2p-q9xbc"), stored);
        assert_eq!(recovery_code_hash("K7M2PQ9XBC"), stored);
    }
}
