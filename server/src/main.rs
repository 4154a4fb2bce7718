use clap::{Parser, Subcommand};
use server::{admin::AdminCommand, config::Config};

/// A quarter of a page render's time went to glibc's malloc and free (perf,
/// GET /users under load), partly waiting on its arena locks; mimalloc's
/// per-thread heaps raise the request rates by half or more. Built to commit
/// memory as it is used (`.cargo/config.toml`), it stays as small as glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// Serves the app; `server admin ...` acts on accounts instead.
#[derive(Debug, Parser)]
#[command(name = "server", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Act on accounts, on the servers' configuration and database.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// Reads the configuration before the async runtime starts any thread, then
/// serves until Ctrl-C or SIGTERM, or runs an operator's command.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // An operator's command prints its answer on stdout; the log goes beside it.
    match cli.command {
        Some(_) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        None => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let exit = match cli.command {
        Some(Command::Admin(command)) => runtime.block_on(admin(config, command)),
        None => runtime.block_on(serve(config)),
    };
    // Past the shutdown timeout a hash may still be running on a blocking
    // thread; dropping the runtime would wait for it.
    runtime.shutdown_background();
    exit
}

async fn serve(config: Config) -> ExitCode {
    let shutdown_timeout = config.http.shutdown_timeout;
    let shutdown = shutdown_signal();
    let server = match server::start(config).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("listening on http://{}", server.addr);
    shutdown.await;
    tracing::info!("shutting down: no new connections; waiting for the requests in flight");
    match tokio::time::timeout(shutdown_timeout, server.stop()).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!(
                "error: requests still in flight after SHUTDOWN_TIMEOUT ({shutdown_timeout:?}); exiting without them"
            );
            ExitCode::FAILURE
        }
    }
}

async fn admin(config: Config, command: AdminCommand) -> ExitCode {
    match server::admin::run(config, command).await {
        Ok(done) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C or SIGTERM, listened for from the call on, not from the first
/// poll: a signal that comes as the server starts (a TERM right after
/// "listening on") stops it gracefully instead of killing it outright.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT handler");
    let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler");
    async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    }
}
