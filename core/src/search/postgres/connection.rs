//! One session with the server, kept alive: every operation runs through
//! [`Connection::run`], which reconnects with exponential backoff when the
//! connection is lost (a restarted server, a network fault) and runs the
//! operation again. Operations are written to be safe to run again: each
//! is one statement or one transaction, and their writes are idempotent
//! (`ON CONFLICT DO NOTHING` on the keys of trials and records).

use std::str::FromStr;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use crate::search::error::SearchError;
use crate::search::events::{EventSink, SearchEvent};
use crate::search::store::without_password;

use super::schema;

/// The first wait before reconnecting; doubled after each failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A store URL split into what the client connects with and the search's name.
#[derive(Clone, Debug)]
pub(crate) struct StoreUrl {
    config: postgres::Config,
    /// The URL as given, password hidden: for messages.
    pub(crate) shown: String,
    /// The search's name (`?search=NAME`, default `default`).
    pub(crate) search: String,
}

/// The search a store URL names when it names none.
pub const DEFAULT_SEARCH: &str = "default";

impl StoreUrl {
    pub(crate) fn parse(url: &str) -> Result<Self, SearchError> {
        let shown = without_password(url);
        let invalid = |reason: String| SearchError::Store {
            store: shown.clone(),
            action: "not a PostgreSQL URL".to_owned(),
            reason,
        };
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut search = DEFAULT_SEARCH.to_owned();
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("search", name)) => search = name.to_owned(),
                _ => rest.push(pair),
            }
        }
        if search.is_empty() || search.len() > 200 || search.chars().any(char::is_control) {
            return Err(invalid(format!("`search={search}`: a search's name has 1 to 200 printable characters")));
        }
        let connect = if rest.is_empty() { base.to_owned() } else { format!("{base}?{}", rest.join("&")) };
        let mut config = postgres::Config::from_str(&connect).map_err(|e| invalid(e.to_string()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // A connection cut without a word (a machine gone) is noticed in
        // about 30 s rather than the system's default two hours.
        config.keepalives(true).keepalives_idle(Duration::from_secs(15)).keepalives_interval(Duration::from_secs(5));
        config.keepalives_retries(3);
        if config.get_application_name().is_none() {
            config.application_name("archspace");
        }
        Ok(StoreUrl { config, shown, search })
    }
}

/// Settings of a connection's reconnects.
#[derive(Clone, Debug)]
pub(crate) struct Reconnect {
    /// How long to keep trying before giving up with an error.
    pub(crate) give_up_after: Duration,
    /// Where lost and restored connections are reported.
    pub(crate) events: EventSink,
}

/// A session that comes back after a lost connection.
pub(crate) struct Connection {
    url: StoreUrl,
    reconnect: Reconnect,
    client: Option<Client>,
    /// Channels to `LISTEN` on, again after each reconnect.
    channels: Vec<&'static str>,
    /// Advisory lock held by the session, taken again after a reconnect.
    lock: Option<i64>,
    /// Counts the reconnects, so callers can redo what a new session lacks.
    pub(crate) generation: u64,
}

/// Whether `error` means the session is gone (rather than a statement failed).
fn is_connection_loss(error: &postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    if let Some(code) = error.code() {
        // 08: connection exceptions; 57P: the server shutting down or starting.
        return code.code().starts_with("08") || code.code().starts_with("57P");
    }
    std::error::Error::source(error).is_some_and(|source| source.is::<std::io::Error>())
}

/// What the server or client said, in one line.
pub(crate) fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{}: {}", db.severity().to_lowercase(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            text
        }
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

impl Connection {
    /// Connects (trying again with backoff while the server cannot be
    /// reached) and checks the schema, creating or migrating it.
    pub(crate) fn open(url: StoreUrl, reconnect: Reconnect, channels: Vec<&'static str>) -> Result<Self, SearchError> {
        let mut connection = Connection { url, reconnect, client: None, channels, lock: None, generation: 0 };
        let checked = connection.run("cannot check the schema", schema::migrate)?;
        checked.map_err(|reason| connection.error("cannot use the schema", reason))?;
        Ok(connection)
    }

    /// The URL, password hidden.
    pub(crate) fn shown(&self) -> &str {
        &self.url.shown
    }

    /// The search's name.
    pub(crate) fn search_name(&self) -> &str {
        &self.url.search
    }

    /// An error of this store while doing `action`.
    pub(crate) fn error(&self, action: &str, reason: impl Into<String>) -> SearchError {
        SearchError::Store { store: self.url.shown.clone(), action: action.to_owned(), reason: reason.into() }
    }

    /// Runs `operation`, reconnecting and running it again as long as the
    /// connection is lost, for at most the configured time.
    pub(crate) fn run<T>(
        &mut self,
        action: &str,
        mut operation: impl FnMut(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, SearchError> {
        let mut outage: Option<(Instant, Duration)> = None;
        loop {
            let result = match self.client.as_mut() {
                Some(client) => operation(client),
                None => self.connect().and_then(|()| match self.client.as_mut() {
                    Some(client) => operation(client),
                    None => unreachable!("internal invariant: connect() leaves a client"),
                }),
            };
            match result {
                Ok(value) => {
                    if let Some((since, _)) = outage {
                        let event =
                            SearchEvent::StoreReconnected { store: self.url.shown.clone(), after: since.elapsed() };
                        self.reconnect.events.emit_plain(event);
                    }
                    return Ok(value);
                }
                Err(error) if is_connection_loss(&error) => {
                    self.client = None;
                    let (since, backoff) = *outage.get_or_insert_with(|| {
                        let event =
                            SearchEvent::StoreConnectionLost { store: self.url.shown.clone(), error: describe(&error) };
                        self.reconnect.events.emit_plain(event);
                        (Instant::now(), FIRST_BACKOFF)
                    });
                    if since.elapsed() >= self.reconnect.give_up_after {
                        let reason = format!(
                            "the connection was lost and did not come back in {:.0} s: {}",
                            self.reconnect.give_up_after.as_secs_f64(),
                            describe(&error)
                        );
                        return Err(self.error(action, reason));
                    }
                    std::thread::sleep(backoff);
                    outage = Some((since, (backoff * 2).min(MAX_BACKOFF)));
                }
                Err(error) => return Err(self.error(action, describe(&error))),
            }
        }
    }

    /// Opens a new session: listens, and takes the advisory lock again.
    fn connect(&mut self) -> Result<(), postgres::Error> {
        let mut client = self.url.config.connect(NoTls)?;
        for channel in &self.channels {
            client.batch_execute(&format!("LISTEN {channel}"))?;
        }
        if let Some(key) = self.lock {
            // A lock lost with the old session; another process may hold it now.
            let held: bool = client.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?.get(0);
            if !held {
                self.lock = None;
            }
        }
        self.client = Some(client);
        self.generation += 1;
        Ok(())
    }

    /// Takes the session-level advisory lock `key` without waiting; true
    /// when this session holds it (then it is taken again after reconnects,
    /// and released when the session ends, a killed process's included).
    pub(crate) fn try_lock(&mut self, key: i64) -> Result<bool, SearchError> {
        let held = self.run("cannot lock the search", |c| {
            c.query_one("SELECT pg_try_advisory_lock($1)", &[&key]).map(|row| row.get::<_, bool>(0))
        })?;
        if held {
            self.lock = Some(key);
        }
        Ok(held)
    }

    /// Whether the advisory lock is still held (false after a reconnect
    /// found another process holding it).
    pub(crate) fn holds_lock(&self) -> bool {
        self.lock.is_some()
    }

    /// Waits up to `timeout` for a notification on a channel listened to;
    /// true when one came (all that came are consumed).
    pub(crate) fn wait_for_notification(&mut self, timeout: Duration) -> Result<bool, SearchError> {
        self.run("cannot wait for notifications", |client| {
            let mut notifications = client.notifications();
            let mut came = notifications.timeout_iter(timeout).next()?.is_some();
            // Take the rest without waiting, so they do not wake the next wait.
            let mut rest = notifications.iter();
            while rest.next()?.is_some() {
                came = true;
            }
            Ok(came)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_name_comes_out_of_the_url_and_the_rest_goes_to_the_client() {
        let url = StoreUrl::parse("postgres://nas:pw@db:5433/runs?search=cifar&connect_timeout=3").expect("a URL");
        assert_eq!(url.search, "cifar");
        assert_eq!(url.shown, "postgres://nas:***@db:5433/runs?search=cifar&connect_timeout=3");
        assert_eq!(url.config.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(url.config.get_dbname(), Some("runs"));
        assert_eq!(StoreUrl::parse("postgres://db/runs").expect("a URL").search, DEFAULT_SEARCH);
        let err = StoreUrl::parse("postgres://db/runs?search=").expect_err("an empty name");
        assert!(err.to_string().contains("1 to 200 printable characters"), "{err}");
        let err = StoreUrl::parse("postgres://db/runs?colour=red").expect_err("an unknown option");
        assert!(err.to_string().contains("not a PostgreSQL URL"), "{err}");
    }
}
