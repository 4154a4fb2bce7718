//! Login timing, wrong password against unknown email: prints the median and
//! spread of each, side by side. Both should cost one bcrypt verification at the
//! default cost, so the medians should match to within noise.
//!
//!     cargo bench -p server --bench login_timing

use server::config::Config;
use std::time::{Duration, Instant};

const SAMPLES: usize = 25;
const PASSWORD: &str = "correct horse battery";

#[tokio::main]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bench.db", data.path().display());
    let config = Config::from_vars(|name| match name {
        "SESSION_PASSWORD" => Some("benchmark-session-password-0123456789abcdef".into()),
        "LEPTOS_SITE_ADDR" => Some("127.0.0.1:0".into()),
        "DATABASE_URL" => Some(url.clone()),
        // The limits would stop the benchmark long before it has its samples.
        "LOGIN_MAX_FAILURES_PER_EMAIL" | "LOGIN_MAX_FAILURES_PER_ADDRESS" => Some("1000000".into()),
        _ => None,
    })
    .unwrap();
    let cost = config.bcrypt_cost;
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

    let mut wrong_password = Vec::new();
    let mut unknown_email = Vec::new();
    // Interleaved, so drift in machine load hits both alike.
    for _ in 0..SAMPLES {
        wrong_password.push(time_login(&client, &base, "bench@example.com", "not the password").await);
        unknown_email.push(time_login(&client, &base, "nobody@example.com", "not the password").await);
    }
    println!("login timing, bcrypt cost {cost}, {SAMPLES} samples each (ms)");
    println!("{:<16} {:>8} {:>8} {:>8}", "case", "median", "p10", "p90");
    for (case, samples) in [
        ("wrong password", &mut wrong_password),
        ("unknown email", &mut unknown_email),
    ] {
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{case:<16} {:>8.1} {:>8.1} {:>8.1}",
            ms(samples[SAMPLES / 2]),
            ms(samples[SAMPLES / 10]),
            ms(samples[SAMPLES * 9 / 10])
        );
    }
    let ratio = unknown_email[SAMPLES / 2].as_secs_f64() / wrong_password[SAMPLES / 2].as_secs_f64();
    println!("median ratio unknown/wrong: {ratio:.3}");
    server.stop().await.unwrap();
}

async fn time_login(client: &reqwest::Client, base: &str, email: &str, password: &str) -> Duration {
    let start = Instant::now();
    let response = client
        .post(format!("{base}/api/auth/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    start.elapsed()
}
