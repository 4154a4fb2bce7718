//! The session check (the statement every request with a cookie runs) through
//! sqlx's `Any` driver against the typed driver of each backend, same pool
//! size, same concurrency: prints statements per second of each, side by side.
//!
//!     cargo bench -p server --bench db_drivers
//!
//! PostgreSQL at `TEST_POSTGRES_URL` (default: the local one) is measured
//! when it answers; a scratch database is created and dropped.

use sqlx::{any::AnyPoolOptions, postgres::PgPoolOptions, sqlite::SqlitePoolOptions, Connection, Executor, Pool};
use std::time::Instant;

const STATEMENTS: usize = 40_000;
const CONCURRENCY: usize = 16;
const USERS: i64 = 10_000;
const CHECK: &str = "SELECT security_stamp, (SELECT COUNT(*) FROM ended_sessions WHERE session_id = $2) \
                     FROM users WHERE id = $1";

/// Runs the check `STATEMENTS` times from `CONCURRENCY` tasks; statements per second.
async fn rate<DB: sqlx::Database>(pool: Pool<DB>) -> f64
where
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> <DB as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    String: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    i64: for<'r> sqlx::Decode<'r, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let started = Instant::now();
    let tasks = (0..CONCURRENCY).map(|task| {
        let pool = pool.clone();
        tokio::spawn(async move {
            for n in 0..STATEMENTS / CONCURRENCY {
                let id = ((task * 7919 + n * 104_729) as i64 % USERS) + 1;
                let _: (String, i64) = sqlx::query_as(CHECK)
                    .bind(id)
                    .bind("no-such-session")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            }
        })
    });
    futures::future::join_all(tasks).await;
    STATEMENTS as f64 / started.elapsed().as_secs_f64()
}

async fn seed(url: &str) {
    let mut connection = sqlx::AnyConnection::connect(url).await.unwrap();
    connection
        .execute(
            "CREATE TABLE users (id BIGINT PRIMARY KEY, security_stamp TEXT NOT NULL); \
             CREATE TABLE ended_sessions (session_id TEXT PRIMARY KEY)",
        )
        .await
        .unwrap();
    for chunk in (1..=USERS).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk.iter().map(|id| format!("({id}, 'stamp{id}')")).collect();
        connection
            .execute(format!("INSERT INTO users VALUES {}", values.join(",")).as_str())
            .await
            .unwrap();
    }
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let folder = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", folder.path().display());
    seed(&sqlite).await;
    let any = rate(AnyPoolOptions::new().max_connections(8).connect(&sqlite).await.unwrap()).await;
    let typed = rate(
        SqlitePoolOptions::new()
            .max_connections(8)
            .connect(&sqlite)
            .await
            .unwrap(),
    )
    .await;
    println!(
        "SQLite:     Any {any:>8.0}/s   typed {typed:>8.0}/s   typed/Any {:.2}",
        typed / any
    );

    let admin =
        std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let Ok(mut server) = sqlx::PgConnection::connect(&admin).await else {
        println!("PostgreSQL: skipped, nothing answers at {admin}");
        return;
    };
    let name = "leptos_sessions_bench_drivers";
    server
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
    server
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(name);
    let postgres = url.to_string();
    seed(&postgres).await;
    let any = rate(
        AnyPoolOptions::new()
            .max_connections(8)
            .connect(&postgres)
            .await
            .unwrap(),
    )
    .await;
    let typed = rate(
        PgPoolOptions::new()
            .max_connections(8)
            .connect(&postgres)
            .await
            .unwrap(),
    )
    .await;
    println!(
        "PostgreSQL: Any {any:>8.0}/s   typed {typed:>8.0}/s   typed/Any {:.2}",
        typed / any
    );
    server
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
}
