//! The harness shared by the integration tests: a real server on port 0 with a
//! fresh database, and a client that keeps cookies by hand.
//!
//! The database is a SQLite file in a temporary folder, or, with
//! `TEST_DATABASE=postgres`, a PostgreSQL database of the test's own, created
//! under a random name on the server `TEST_POSTGRES_URL` names (by default the
//! machine's, `postgres://postgres@127.0.0.1:5432/postgres`) and dropped after.

use app::backend::{clock::Clock, db::Backend};
use app::domain::UserId;
use reqwest::{
    header::{ACCEPT, CONTENT_TYPE, COOKIE, REFERER, SET_COOKIE},
    redirect::Policy,
    Method, Response, StatusCode,
};
use serde_json::Value;
use server::{config::Config, RunningServer};
use std::time::Duration;

pub const SESSION_PASSWORD: &str = "integration-test-session-password-0123456789";
pub const PASSWORD_PEPPER: &str = "integration-test-password-pepper-0123456789";
pub const PASSWORD: &str = "correct horse battery";

/// The backend the suite runs against this time.
pub fn backend() -> Backend {
    match std::env::var("TEST_DATABASE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("TEST_DATABASE={other}: expected sqlite or postgres"),
    }
}

/// Fails the test at hand unless the suite runs on `needed`.
///
/// A test about one backend lives in a module named `sqlite_only` or
/// `postgres_only` (`postgres_only` tests are also `#[ignore]`d, the default
/// backend being SQLite). `scripts/test.sh` leaves each out by name on the
/// other backend (`--skip sqlite_only::`, `--skip postgres_only::`), so cargo
/// counts it as filtered out there; run there anyway, it fails here instead
/// of passing without having tested anything.
pub fn require_backend(needed: Backend) {
    let running = backend();
    let module = match needed {
        Backend::Sqlite => "sqlite_only",
        Backend::Postgres => "postgres_only",
    };
    assert!(
        running == needed,
        "this test is about {needed:?} alone, and the suite runs on {running:?} (TEST_DATABASE): \
         leave it out with --skip {module}::, as ./scripts/test.sh does, which runs it on {needed:?}"
    );
}

/// A test server's database, and the folder for anything else it keeps.
pub struct TestStore {
    pub url: String,
    _folder: tempfile::TempDir,
    /// The PostgreSQL database this store created, dropped with it.
    created: Option<(String, String)>,
}

impl TestStore {
    pub async fn new() -> Self {
        let folder = tempfile::tempdir().unwrap();
        match backend() {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}/app.db", folder.path().display()),
                _folder: folder,
                created: None,
            },
            Backend::Postgres => {
                use sqlx::{Connection, Executor};
                let admin = std::env::var("TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
                let name = format!("leptos_sessions_test_{}", app::backend::random_id());
                let mut connection = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|err| panic!("no PostgreSQL at TEST_POSTGRES_URL ({admin}): {err}"));
                connection
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap();
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    _folder: folder,
                    created: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestStore {
    /// Drops the PostgreSQL database, from a thread of its own: a `Drop` cannot
    /// wait on the test's runtime.
    fn drop(&mut self) {
        let Some((admin, name)) = self.created.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            use sqlx::{Connection, Executor};
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut connection = sqlx::PgConnection::connect(&admin).await?;
                connection
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .map(drop)
            })
        });
        if let Ok(Err(err)) = dropped.join() {
            eprintln!("could not drop a test database: {err}");
        }
    }
}

/// The configuration tests start servers with: the test key, bcrypt's
/// lowest cost, port 0, and `overrides`.
pub fn test_config(database_url: &str, overrides: &[(&str, &str)]) -> Config {
    let defaults = [
        ("SESSION_PASSWORD", SESSION_PASSWORD),
        ("PASSWORD_PEPPER", PASSWORD_PEPPER),
        ("BCRYPT_COST", "4"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", database_url),
    ];
    let vars = defaults
        .iter()
        .chain(overrides)
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    Config::from_vars(&vars).unwrap()
}

pub struct TestApp {
    pub server: Option<RunningServer>,
    pub client: reqwest::Client,
    pub base: String,
    pub database_url: String,
    /// `None` for a server on another's database.
    store: Option<TestStore>,
}

/// Where a test server keeps its data.
enum Data {
    /// A fresh store of its own.
    Fresh,
    /// A store of its own that another server used (a restart).
    Store(TestStore),
    /// A database someone else owns (another server's, or a relay to one).
    Url(String),
}

/// How a [`TestApp`] starts: `TestApp::builder()`, then any of
/// `.env(..)`, `.store(..)`, `.database_url(..)`, `.routes(..)`,
/// `.adjust(..)`, then `.start()` (or `.try_start()`).
pub struct TestAppBuilder<'a> {
    env: Vec<(String, String)>,
    data: Data,
    routes: axum::Router<app::backend::AppState>,
    adjustments: Vec<Adjustment<'a>>,
    /// A manual clock: a new one unless given.
    clock: Option<Clock>,
}

/// A change to a test server's configuration, made before it starts.
type Adjustment<'a> = Box<dyn FnOnce(&mut Config) + Send + 'a>;

impl TestApp {
    /// A server with the test configuration on a fresh database.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    pub fn builder<'a>() -> TestAppBuilder<'a> {
        TestAppBuilder {
            env: Vec::new(),
            data: Data::Fresh,
            routes: axum::Router::new(),
            adjustments: Vec::new(),
            clock: None,
        }
    }

    /// A second server on this one's database and clock, as two app servers
    /// behind one load balancer would be.
    pub fn beside<'a>(&self) -> TestAppBuilder<'a> {
        Self::builder()
            .database_url(&self.database_url)
            .clock(self.state().clock.clone())
    }

    /// A client of a server running elsewhere (a process of its own): the
    /// HTTP helpers work, nothing that needs the server's state does.
    pub fn client_of(base: String, database_url: String) -> Self {
        Self::client_through(reqwest::Client::builder(), base, database_url)
    }

    /// As [`Self::client_of`], with a client `builder` of the test's own (a
    /// certificate to trust, say).
    pub fn client_through(builder: reqwest::ClientBuilder, base: String, database_url: String) -> Self {
        Self {
            server: None,
            client: builder.redirect(Policy::none()).build().unwrap(),
            base,
            database_url,
            store: None,
        }
    }

    /// Runs `sqlite` or `postgres`, whichever is this server's database's, as
    /// another client of that database would.
    pub async fn execute_sql(&self, sqlite: &str, postgres: &str) {
        use sqlx::{Connection, Executor};
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&self.database_url).await.unwrap();
        let statement = match backend() {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        };
        connection.execute(statement).await.unwrap();
    }

    /// How many rows `table` holds, as another client of the database sees it.
    pub async fn count_rows(&self, table: &str) -> i64 {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&self.database_url).await.unwrap();
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut connection)
            .await
            .unwrap()
    }

    /// Waits until the outbox holds no message: a message leaves it once
    /// its sending is over (sent, or given up).
    pub async fn wait_for_empty_outbox(&self) {
        wait_until("the mail outbox empties", Duration::from_secs(20), async || {
            self.count_rows("mail_outbox").await == 0
        })
        .await
    }

    /// Marks the email of the account `email` verified by its owner while
    /// signed in to it (verified and claimed), as another client of the
    /// database would: for tests about what a verified account may do, not
    /// about verifying (the mail tests follow real links).
    pub async fn mark_email_verified(&self, email: &str) {
        let sql = format!(
            "UPDATE users SET email_verified_at = 0, claimed_at = 0 WHERE email = '{}'",
            email.replace('\'', "''")
        );
        self.execute_sql(&sql, &sql).await;
    }

    /// Moves the server's clock (a manual one, standing still otherwise) forward.
    pub fn advance_clock(&self, seconds: i64) {
        self.state().clock.advance(time::Duration::seconds(seconds));
    }

    /// The running server's shared state.
    pub fn state(&self) -> &app::backend::AppState {
        &self.server.as_ref().unwrap().state
    }

    /// A form post with extra request headers.
    pub async fn post_form_with(&self, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Response {
        let mut request = self.client.post(self.url(path)).form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
        let mut request = self.client.post(self.url(path)).form(form);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        self.request(Method::GET, path, cookie).await
    }

    pub async fn request(&self, method: Method, path: &str, cookie: Option<&str>) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// The status of `GET /api/users` with `cookie`: 200 while its session is
    /// valid, 401 once it is not.
    pub async fn session_status(&self, cookie: &str) -> StatusCode {
        self.get("/api/users", Some(cookie)).await.status()
    }

    /// `POST /api/account/password`: changes the session's password from
    /// `current` to `new`.
    pub async fn change_password(&self, cookie: &str, current: &str, new: &str) -> Response {
        self.post_form(
            "/api/account/password",
            &[("current_password", current), ("new_password", new)],
            Some(cookie),
        )
        .await
    }

    /// `POST /api/auth/login` as a script would send it.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_form("/api/auth/login", &[("email", email), ("password", password)], None)
            .await
    }

    /// Logs in, which must succeed, and returns the new session cookie.
    /// [`TestApp::login`] that owns its client, for a task of its own.
    pub async fn login_owned(self, email: &'static str, password: &'static str) -> reqwest::Result<Response> {
        self.client
            .post(self.url("/api/auth/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
    }

    pub async fn login_cookie(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK);
        session_cookie(&response).unwrap()
    }

    /// `POST /api/register` with `PASSWORD`, whatever the answer.
    pub async fn try_register(&self, name: &str, email: &str) -> Response {
        self.post_form(
            "/api/register",
            &[("name", name), ("email", email), ("password", PASSWORD)],
            None,
        )
        .await
    }

    /// Registers a user and returns its id and session cookie (`name=value`).
    pub async fn register(&self, name: &str, email: &str) -> (UserId, String) {
        let response = self.try_register(name, email).await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = session_cookie(&response).expect("register sets the session cookie");
        let body: Value = response.json().await.unwrap();
        (UserId::new(body["id"].as_i64().unwrap()), cookie)
    }

    pub async fn stop(mut self) {
        self.server.take().unwrap().stop().await.unwrap();
    }

    /// Stops the server and hands back its store.
    pub async fn stop_keeping_data(mut self) -> TestStore {
        self.server.take().unwrap().stop().await.unwrap();
        self.store.take().expect("a server with a store of its own")
    }
}

impl<'a> TestAppBuilder<'a> {
    /// Environment variables over the test configuration's (later ones win).
    pub fn env(mut self, vars: &[(&str, &str)]) -> Self {
        self.env
            .extend(vars.iter().map(|(name, value)| (name.to_string(), value.to_string())));
        self
    }

    /// Starts on an existing store (to restart over the same database).
    pub fn store(mut self, store: TestStore) -> Self {
        self.data = Data::Store(store);
        self
    }

    /// Starts on a database the test keeps elsewhere (another server's, or a
    /// relay to a test's store).
    pub fn database_url(mut self, url: &str) -> Self {
        self.data = Data::Url(url.to_owned());
        self
    }

    /// Routes served beside the app's own, under the same layers.
    pub fn routes(mut self, extra: axum::Router<app::backend::AppState>) -> Self {
        self.routes = extra;
        self
    }

    /// The manual clock to run on (another server's, say).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// A change to the configuration the environment cannot make (facts of
    /// the build, pauses too short to set in seconds).
    pub fn adjust(mut self, adjust: impl FnOnce(&mut Config) + Send + 'a) -> Self {
        self.adjustments.push(Box::new(adjust));
        self
    }

    pub async fn start(self) -> TestApp {
        self.try_start().await.unwrap()
    }

    /// [`TestAppBuilder::start`], or why the server did not start (a port
    /// taken by a parallel test between choosing and binding it, say).
    pub async fn try_start(self) -> Result<TestApp, server::StartError> {
        let (store, database_url) = match self.data {
            Data::Fresh => {
                let store = TestStore::new().await;
                let url = store.url.clone();
                (Some(store), url)
            }
            Data::Store(store) => {
                let url = store.url.clone();
                (Some(store), url)
            }
            Data::Url(url) => (None, url),
        };
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let mut config = test_config(&database_url, &env);
        for adjust in self.adjustments {
            adjust(&mut config);
        }
        let clock = self.clock.unwrap_or_else(new_clock);
        let server = server::start_with(config, clock, self.routes).await?;
        let base = format!("http://{}", server.addr);
        let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        Ok(TestApp {
            server: Some(server),
            client,
            base,
            database_url,
            store,
        })
    }
}

/// The session cookie's `Set-Cookie` header, in full.
/// Every test server's clock stands still from its start until the test moves it.
fn new_clock() -> Clock {
    Clock::manual(time::OffsetDateTime::now_utc())
}

/// The server's binary, which cargo builds before these tests. Its name is
/// the package's, which an app made from this template has of its own, so
/// no `env!("CARGO_BIN_EXE_<name>")` names it: it is beside the folder of
/// this test binary (`<target>/<profile>/deps/`).
pub fn server_binary() -> std::path::PathBuf {
    let test_binary = std::env::current_exe().unwrap();
    let profile = test_binary.parent().and_then(|deps| deps.parent()).unwrap();
    profile.join(format!("{}{}", env!("CARGO_PKG_NAME"), std::env::consts::EXE_SUFFIX))
}

/// The name of the app's cookie `name`: after the app's prefix
/// (`app::cookie_prefix!()`, none here, an app made from the template's own),
/// before `__Host-` over HTTPS.
pub fn cookie_name(name: &str) -> String {
    format!("{}{name}", app::cookie_prefix!())
}

pub fn set_cookie_header(response: &Response) -> Option<String> {
    set_cookie_named(response, "session")
}

/// The `Set-Cookie` of the app's cookie `name` (`__Host-` or not).
pub fn set_cookie_named(response: &Response, name: &str) -> Option<String> {
    let name = cookie_name(name);
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with(&format!("{name}=")) || value.starts_with(&format!("__Host-{name}=")))
}

/// The `name=value` pair a browser would send back.
pub fn session_cookie(response: &Response) -> Option<String> {
    set_cookie_header(response).map(|header| header.split(';').next().unwrap().to_owned())
}

/// The device cookie's `name=value` pair (set by a successful login).
pub fn device_cookie(response: &Response) -> Option<String> {
    set_cookie_named(response, "device").map(|header| header.split(';').next().unwrap().to_owned())
}

/// The flash cookie's `name=value` pair (set by a failed plain-HTML form post).
pub fn flash_cookie(response: &Response) -> Option<String> {
    set_cookie_named(response, "flash").map(|header| header.split(';').next().unwrap().to_owned())
}

/// The text of every element `selector` matches.
pub fn text_of(html: &scraper::Html, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).unwrap();
    html.select(&selector).map(|element| element.text().collect()).collect()
}

/// The attribute `name` of the first element `selector` matches.
pub fn attribute_of(html: &scraper::Html, selector: &str, name: &str) -> Option<String> {
    let selector = scraper::Selector::parse(selector).unwrap();
    html.select(&selector).next()?.attr(name).map(str::to_owned)
}

/// Every byte of `value` percent-encoded, for a query string.
pub fn percent_encode(value: &str) -> String {
    value.bytes().map(|byte| format!("%{byte:02X}")).collect()
}

pub async fn json(response: Response) -> Value {
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "status {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// What a browser without JavaScript sends: a form post that accepts HTML.
pub async fn html_form_post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    referer: &str,
    cookie: Option<&str>,
) -> Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .header(REFERER, app.url(referer))
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

/// The server binary running as a process of its own, as in production;
/// killed when dropped.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
    /// The lines it has logged so far, for tests that read them.
    pub log: std::sync::mpsc::Receiver<String>,
    _folder: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts the binary on `database_url` with the suite's session password
    /// and `env`, and waits until it listens.
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut process = Self::spawn(database_url, env);
        let mut seen = Vec::new();
        let address = loop {
            match process.log.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(line) => {
                    if let Some((_, rest)) = line.split_once("listening on http://") {
                        break rest.split_whitespace().next().unwrap().to_owned();
                    }
                    seen.push(line);
                }
                Err(_) => panic!("the server did not start: {seen:#?}"),
            }
        };
        process.base = format!("http://{address}");
        process
    }

    /// Starts the binary without waiting for anything.
    pub fn spawn(database_url: &str, env: &[(&str, &str)]) -> Self {
        use std::io::{BufRead, BufReader};
        let folder = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(server_binary())
            .current_dir(folder.path())
            .env("SESSION_PASSWORD", SESSION_PASSWORD)
            .env("PASSWORD_PEPPER", PASSWORD_PEPPER)
            .env("DATABASE_URL", database_url)
            .env("BCRYPT_COST", "4")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (said, log) = std::sync::mpsc::channel();
        for output in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let said = said.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(output).lines().map_while(Result::ok) {
                    let _ = said.send(line);
                }
            });
        }
        Self {
            child,
            base: String::new(),
            log,
            _folder: folder,
        }
    }

    /// A client speaking HTTP to it.
    pub fn client(&self, database_url: &str) -> TestApp {
        TestApp::client_of(self.base.clone(), database_url.to_owned())
    }

    /// Waits at most `limit` for the process to exit.
    pub fn exit_status(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    /// Waits at most `limit` for a line containing `needle`, passing over
    /// the lines before it; whether it came.
    pub fn wait_for_line(&self, needle: &str, limit: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    }

    /// The lines logged from now up to the first one `wanted` accepts, that
    /// one included, waiting at most `limit` for it (failing as `what`).
    pub fn lines_until(&self, what: &str, limit: Duration, wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = std::time::Instant::now() + limit;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => {
                    let done = wanted(&line);
                    lines.push(line);
                    if done {
                        return lines;
                    }
                }
                Err(_) => panic!("{what}: no such line within {limit:?}, after {lines:#?}"),
            }
        }
    }

    /// Every line not read yet, up to the process's last: waits at most
    /// `limit` for both its outputs to close (it has exited).
    pub fn output_to_the_end(&self, limit: Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + limit;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => lines.push(line),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return lines,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    panic!("its output did not close within {limit:?}, after {lines:#?}")
                }
            }
        }
    }
}

/// The `RUST_LOG` directives under which every request logs a line when it
/// starts and when it is answered, in a span naming its path (see
/// [`request_finished`]).
pub const REQUEST_TRACES: &str = "server=debug,tower_http=debug";

/// Whether `line` (logged under [`REQUEST_TRACES`]) says that a request to
/// `path` was answered: everything it logged itself comes before.
pub fn request_finished(path: &str) -> impl Fn(&str) -> bool + '_ {
    move |line| line.contains(&format!("path={path}}}")) && line.contains("finished processing request")
}

/// Whether `line` (logged under [`REQUEST_TRACES`]) says that the server
/// has a request to `path` in hand.
pub fn request_started(path: &str) -> impl Fn(&str) -> bool + '_ {
    move |line| line.contains(&format!("path={path}}}")) && line.contains("started processing request")
}

/// How often the waiting helpers below look again.
const POLL: Duration = Duration::from_millis(20);

/// Waits until `condition` holds, failing as `what` after `limit`. With
/// [`poll_for`], the one loop of short sleeps the tests wait in: a test
/// waits for a condition, never for a fixed time.
pub async fn wait_until(what: &str, limit: Duration, mut condition: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !condition().await {
        assert!(std::time::Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(POLL).await;
    }
}

/// Tries `attempt` until it gives something, failing as `what` after `limit`.
pub async fn poll_for<T>(what: &str, limit: Duration, mut attempt: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(found) = attempt().await {
            return found;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until something listens on `port` (a process the test started),
/// failing as `what` after `limit`.
pub async fn wait_until_listening(port: u16, what: &str, limit: Duration) {
    wait_until(what, limit, async || {
        tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
    })
    .await
}

/// How long a test watches for something that must not come, once a
/// positive marker has shown that the server got past the point where it
/// would have come (see [`SmtpServer::assert_nothing_more_about`]). Only
/// work the server left to a task of its own can still be running by then;
/// this window is for it, and is the only fixed wait in the tests.
pub const QUIET_WINDOW: Duration = Duration::from_millis(500);

/// A TCP relay to the database, which a test can cut (every connection
/// through it closed, new ones refused) and restore: the database becoming
/// unreachable and coming back, without touching the machine's shared server.
pub struct Relay {
    pub addr: std::net::SocketAddr,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Relay {
    /// A relay to the host and port of `database_url`.
    pub async fn to(database_url: &str) -> Self {
        use std::sync::{atomic::Ordering, Arc, Mutex};
        let target = url::Url::parse(database_url).unwrap();
        let target = format!("{}:{}", target.host_str().unwrap(), target.port().unwrap_or(5432));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let links: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let accepting = tokio::spawn({
            let (open, links) = (open.clone(), links.clone());
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if !open.load(Ordering::SeqCst) {
                        continue;
                    }
                    let target = target.clone();
                    let link = tokio::spawn(async move {
                        if let Ok(mut server) = tokio::net::TcpStream::connect(&target).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    links.lock().unwrap().push(link.abort_handle());
                }
            }
        });
        Self {
            addr,
            open,
            links,
            accepting,
        }
    }

    /// `database_url` with its host and port replaced by the relay's.
    pub fn url_through(&self, database_url: &str) -> String {
        let mut url = url::Url::parse(database_url).unwrap();
        url.set_host(Some(&self.addr.ip().to_string())).unwrap();
        url.set_port(Some(self.addr.port())).unwrap();
        url.to_string()
    }

    pub fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    pub fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accepting.abort();
        self.cut();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real SMTP server (aiosmtpd, installed by scripts/test.sh) on a port of
/// its own, keeping what it receives in a maildir; stopped when dropped.
pub struct SmtpServer {
    child: std::process::Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    pub async fn start() -> Self {
        Self::start_on(free_port()).await
    }

    pub async fn start_on(port: u16) -> Self {
        const MISSING: &str = "the aiosmtpd SMTP server (python3 -m aiosmtpd) did not start: \
                               run ./scripts/test.sh, which installs it";
        let maildir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect(MISSING);
        let mut server = Self { child, port, maildir };
        poll_for(MISSING, Duration::from_secs(15), async || {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("{MISSING} ({status})");
            }
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok().map(drop)
        })
        .await;
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages delivered so far, as sent; waits up to `within` for `count`.
    pub async fn wait_for(&self, count: usize, within: std::time::Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let delivered = self.delivered();
            if delivered.len() >= count || std::time::Instant::now() >= deadline {
                return delivered;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The delivered messages whose subject contains `subject`, once there
    /// are `count` of them or `within` has passed.
    pub async fn wait_for_about(&self, subject: &str, count: usize, within: std::time::Duration) -> Vec<Delivered> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let about: Vec<Delivered> = self
                .delivered()
                .iter()
                .map(|raw| Delivered::parse(raw))
                .filter(|mail| mail.subject.contains(subject))
                .collect();
            if about.len() >= count || std::time::Instant::now() >= deadline {
                return about;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Asserts that `expected` messages about `subject` came here, and that
    /// no more come: how a test proves that something sent nothing.
    ///
    /// First a positive marker: a message queued in `app`'s outbox now, after
    /// everything the test did before. The outbox sends in the order messages
    /// were queued, one at a time, so once the marker is here, so is every
    /// message queued before it, which includes anything a request queued
    /// before it was answered. Then the count must hold for
    /// [`QUIET_WINDOW`]: for work a request left to a task of its own (the
    /// lookup behind a reset link runs after the answer), which could still
    /// queue a message. `app` must be the only server sending here.
    pub async fn assert_nothing_more_about(&self, app: &TestApp, subject: &str, expected: usize) {
        static MARKERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let marker = format!(
            "Marker {}: everything queued before this was sent",
            MARKERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        app.state()
            .mailer
            .send(app::backend::mail::Mail {
                to: "marker@example.com".into(),
                subject: marker.clone(),
                text: "A marker of the tests.\n".into(),
                html: "<p>A marker of the tests.</p>".into(),
            })
            .await
            .unwrap();
        let markers = self.wait_for_about(&marker, 1, Duration::from_secs(10)).await;
        assert_eq!(
            markers.len(),
            1,
            "the marker mail came (does the app send its mail here?)"
        );
        let about = self.wait_for_about(subject, expected, Duration::from_secs(10)).await;
        assert_eq!(about.len(), expected, "messages about {subject:?}: {about:#?}");
        let about = self.wait_for_about(subject, expected + 1, QUIET_WINDOW).await;
        assert_eq!(about.len(), expected, "more messages about {subject:?}: {about:#?}");
    }

    /// The one message about `subject`, waiting up to 10 s for it.
    pub async fn one_about(&self, subject: &str) -> Delivered {
        let mut about = self
            .wait_for_about(subject, 1, std::time::Duration::from_secs(10))
            .await;
        assert_eq!(about.len(), 1, "one message about {subject:?}: {about:?}");
        about.remove(0)
    }

    fn delivered(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.path().join("mail/new")) else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
            .collect()
    }
}

/// A delivered message, its bodies decoded from their transfer encoding.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Delivered {
    fn parse(raw: &str) -> Self {
        use mailparse::MailHeaderMap;
        let parsed = mailparse::parse_mail(raw.as_bytes()).expect("a well-formed message");
        let part = |mime: &str| {
            parsed
                .subparts
                .iter()
                .find(|part| part.ctype.mimetype == mime)
                .map(|part| part.get_body().unwrap())
                .unwrap_or_default()
        };
        Self {
            to: parsed.headers.get_first_value("To").unwrap_or_default(),
            subject: parsed.headers.get_first_value("Subject").unwrap_or_default(),
            text: part("text/plain"),
            html: part("text/html"),
        }
    }

    /// The first link in the text body starting with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link to {prefix} in {}", self.text))
            .to_owned()
    }

    /// The token of the first link in the text body to `path`.
    pub fn token(&self, path: &str) -> String {
        let marker = format!("{path}?token=");
        let link = self
            .text
            .split_whitespace()
            .find(|word| word.contains(&marker))
            .unwrap_or_else(|| panic!("no link to {path} in {}", self.text));
        link.rsplit_once("token=").unwrap().1.to_owned()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (for the moment).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
