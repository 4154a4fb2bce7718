//! Whether an answer's timing tells if an account exists: a wrong password
//! against an unknown email at login, and a known against an unknown email
//! at "forgot password". Prints the median and spread of each, side by side;
//! each pair should match to within noise.
//!
//!     cargo bench -p server --bench enumeration_timing

use server::config::Config;
use std::time::{Duration, Instant};

const SAMPLES: usize = 40;
const PASSWORD: &str = "correct horse battery";

#[tokio::main]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bench.db", data.path().display());
    // Mail is queued for an SMTP server that is not there: the outbox write
    // happens as it would in production, and nothing is sent.
    let smtp = format!("smtp://127.0.0.1:{}", unused_port());
    let vars = [
        ("SESSION_PASSWORD", "benchmark-session-password-0123456789abcdef"),
        ("PASSWORD_PEPPER", "benchmark-password-pepper-0123456789abcdef"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", &url),
        ("SMTP_URL", &smtp),
        ("MAIL_FROM", "Bench <bench@example.com>"),
        // The limits would stop the benchmark long before it has its samples.
        ("LOGIN_MAX_FAILURES_PER_EMAIL", "1000000"),
        ("LOGIN_MAX_FAILURES_PER_ADDRESS", "1000000"),
    ]
    .map(|(name, value)| (name.to_owned(), value.to_owned()));
    let config = Config::from_vars(&vars.into_iter().collect()).unwrap();
    let cost = config.accounts.bcrypt_cost;
    let server = server::start(config).await.unwrap();
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::new();
    let register = client
        .post(format!("{base}/api/register"))
        .form(&[
            ("name", "Bench"),
            ("email", "bench@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(register.status().is_success());

    let login = |email: &'static str| [("email", email), ("password", "not the password")];
    let forgot = |email: &'static str| [("email", email)];
    let (mut wrong_password, mut unknown_login) = (Vec::new(), Vec::new());
    let (mut known_forgot, mut unknown_forgot) = (Vec::new(), Vec::new());
    // Interleaved, so drift in machine load hits both of a pair alike.
    for sample in 0..SAMPLES {
        wrong_password.push(time_post(&client, &base, "/api/auth/login", &login("bench@example.com"), 401).await);
        unknown_login.push(time_post(&client, &base, "/api/auth/login", &login("nobody@example.com"), 401).await);
        // The mail work of a known email runs after its answer: let it end
        // before the next request is timed, so that it does not slow that one.
        // Which goes first alternates: the second of a pair was measured a
        // little slower (0.1 ms) whichever it was.
        let mut pair = [
            ("bench@example.com", &mut known_forgot),
            ("nobody@example.com", &mut unknown_forgot),
        ];
        if sample % 2 == 1 {
            pair.reverse();
        }
        for (email, samples) in pair {
            samples.push(time_post(&client, &base, "/api/auth/forgot-password", &forgot(email), 200).await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    report(
        &format!("login, bcrypt cost {cost}"),
        [
            ("wrong password", &mut wrong_password),
            ("unknown email", &mut unknown_login),
        ],
    );
    report(
        "forgot password",
        [
            ("known email", &mut known_forgot),
            ("unknown email", &mut unknown_forgot),
        ],
    );
    server.stop().await.unwrap();
}

/// Prints the median, p10 and p90 of both cases, and the ratio of their medians.
fn report(title: &str, cases: [(&str, &mut Vec<Duration>); 2]) {
    println!("{title}: {SAMPLES} samples each (ms)");
    println!("{:<16} {:>8} {:>8} {:>8}", "case", "median", "p10", "p90");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut medians = Vec::new();
    for (case, samples) in cases {
        samples.sort();
        medians.push(samples[SAMPLES / 2]);
        println!(
            "{case:<16} {:>8.2} {:>8.2} {:>8.2}",
            ms(samples[SAMPLES / 2]),
            ms(samples[SAMPLES / 10]),
            ms(samples[SAMPLES * 9 / 10])
        );
    }
    println!(
        "median ratio second/first: {:.3}\n",
        medians[1].as_secs_f64() / medians[0].as_secs_f64()
    );
}

async fn time_post(client: &reqwest::Client, base: &str, path: &str, form: &[(&str, &str)], status: u16) -> Duration {
    let start = Instant::now();
    let response = client.post(format!("{base}{path}")).form(form).send().await.unwrap();
    assert_eq!(response.status(), status);
    start.elapsed()
}

fn unused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
