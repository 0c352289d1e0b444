use std::time::Duration;

use crate::auth::ConnectionTLSConfig;
use crate::{
    config::Config,
    connection::{Connection, ConnectionInfo},
    errors::{Error, Result},
};
use backon::ExponentialBuilder;
use deadpool::managed::{Manager, Metrics, Object, Pool, RecycleResult};
use log::{info, trace, warn};

/// How long to wait before each new HELLO after a refused one ([family-card patch]).
const HELLO_RETRIES: [Duration; 2] = [Duration::from_millis(50), Duration::from_millis(250)];

pub type ConnectionPool = Pool<ConnectionManager>;
pub type ManagedConnection = Object<ConnectionManager>;

pub struct ConnectionManager {
    info: ConnectionInfo,
    backoff: ExponentialBuilder,
}

impl ConnectionManager {
    pub fn new(
        uri: &str,
        user: &str,
        password: &str,
        tls_config: &ConnectionTLSConfig,
        connection_timeout: Duration,
        tcp_keepalive: Option<Duration>,
    ) -> Result<Self> {
        let info = ConnectionInfo::new(
            uri,
            user,
            password,
            tls_config,
            connection_timeout,
            tcp_keepalive,
        )?;
        let backoff = backoff();
        Ok(ConnectionManager { info, backoff })
    }

    pub fn backoff(&self) -> ExponentialBuilder {
        self.backoff
    }
}

pub(crate) fn backoff() -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_jitter()
        .with_factor(2.0)
        .without_max_times()
        .with_min_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_secs(10))
        .with_total_delay(Some(Duration::from_secs(60)))
}

impl Manager for ConnectionManager {
    type Type = Connection;
    type Error = Error;

    async fn create(&self) -> Result<Self::Type, Self::Error> {
        trace!("creating new connection");
        // [family-card patch] A HELLO refused with the right credentials is tried again, twice
        // at most: ArcadeDB's Bolt server has refused one (CI of 2026-12-05, mid-suite, after
        // thousands of accepted ones), and a refused HELLO failed the whole statement. Wrong
        // credentials still fail, ~0.3 s later, after three refusals: fewer than the five in
        // 30 s after which ArcadeDB locks the user out.
        let mut refused = 0;
        loop {
            match Connection::new(&self.info).await {
                Err(Error::AuthenticationError(message)) if refused < HELLO_RETRIES.len() => {
                    warn!(
                        "the server refused HELLO ({message}); trying again in {:?}",
                        HELLO_RETRIES[refused]
                    );
                    tokio::time::sleep(HELLO_RETRIES[refused]).await;
                    refused += 1;
                }
                other => return other,
            }
        }
    }

    async fn recycle(&self, obj: &mut Self::Type, _: &Metrics) -> RecycleResult<Self::Error> {
        trace!("recycling connection");
        // [family-card patch] A connection whose last exchange ended READY (every response
        // received, no FAILURE, no open stream or transaction) is reused as is: no RESET round
        // trip per checkout. A broken socket then fails the next request, which is retried.
        if obj.is_clean() {
            return Ok(());
        }
        // A stream dropped before it was consumed leaves its pipelined PULL in flight.
        // Its responses are drained here, so the connection can be reset and reused.
        // A connection with an interrupted read fails the drain and is discarded.
        let health_check = async {
            obj.drain_pending_responses().await?;
            obj.reset().await
        };
        match tokio::time::timeout(Duration::from_secs(5), health_check).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(deadpool::managed::RecycleError::Backend(e)),
            Err(_) => Err(deadpool::managed::RecycleError::message(
                "Connection health check timed out",
            )),
        }
    }
}

pub fn create_pool(config: &Config) -> Result<ConnectionPool> {
    let mgr = ConnectionManager::new(
        &config.uri,
        &config.user,
        &config.password,
        &config.tls_config,
        config.connection_timeout,
        config.tcp_keepalive,
    )?;
    // Log the parsed host and port, not the URI: a URI can carry credentials.
    info!(
        "creating connection pool for node {}:{} with max size {}",
        mgr.info.prepare.host, mgr.info.prepare.port, config.max_connections
    );
    let mut builder = ConnectionPool::builder(mgr).max_size(config.max_connections);

    // Wire idle_timeout as the recycle timeout — connections idle longer than this
    // will fail the recycle check, causing deadpool to discard and recreate them.
    if let Some(idle_timeout) = config.idle_timeout {
        builder = builder
            .recycle_timeout(Some(idle_timeout))
            .runtime(deadpool::Runtime::Tokio1);
    }

    // Wire max_lifetime as the wait timeout — puts an upper bound on how long
    // a caller will wait for a connection from the pool.
    if let Some(max_lifetime) = config.max_lifetime {
        builder = builder
            .wait_timeout(Some(max_lifetime))
            .runtime(deadpool::Runtime::Tokio1);
    }

    Ok(builder.build().expect("Pool build failed"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigBuilder;
    use std::time::Duration;

    #[test]
    fn should_create_pool_with_default_config() {
        let config = ConfigBuilder::default()
            .uri("bolt://127.0.0.1:7687")
            .user("neo4j")
            .password("test")
            .build()
            .unwrap();
        let pool = create_pool(&config);
        assert!(pool.is_ok());
    }

    #[test]
    fn should_create_pool_with_idle_and_max_lifetime() {
        let config = ConfigBuilder::default()
            .uri("bolt://127.0.0.1:7687")
            .user("neo4j")
            .password("test")
            .idle_timeout(Some(Duration::from_secs(300)))
            .max_lifetime(Some(Duration::from_secs(3600)))
            .build()
            .unwrap();
        let pool = create_pool(&config);
        assert!(pool.is_ok());
    }

    /// A Bolt 4.4 server on 127.0.0.1 that refuses the first `refusals` HELLOs and accepts the
    /// rest; the count of HELLOs it received so far.
    async fn server_refusing(
        refusals: usize,
    ) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hellos = std::sync::Arc::new(AtomicUsize::new(0));
        let seen = hellos.clone();
        tokio::spawn(async move {
            loop {
                let (mut peer, _) = listener.accept().await.unwrap();
                let mut handshake = [0u8; 20];
                peer.read_exact(&mut handshake).await.unwrap();
                peer.write_all(&[0, 0, 4, 4]).await.unwrap();
                // One HELLO: chunks until the empty one.
                loop {
                    let n = peer.read_u16().await.unwrap() as usize;
                    if n == 0 {
                        break;
                    }
                    let mut chunk = vec![0u8; n];
                    peer.read_exact(&mut chunk).await.unwrap();
                }
                let answer: Vec<u8> = if seen.fetch_add(1, Ordering::SeqCst) < refusals {
                    let mut m = vec![0xb1, 0x7f, 0xa2, 0x84];
                    m.extend_from_slice(b"code");
                    m.extend_from_slice(&[0xd0, 37]);
                    m.extend_from_slice(b"Neo.ClientError.Security.Unauthorized");
                    m.push(0x87);
                    m.extend_from_slice(b"message");
                    m.extend_from_slice(&[0xd0, 21]);
                    m.extend_from_slice(b"Authentication failed");
                    m
                } else {
                    vec![0xb1, 0x70, 0xa0]
                };
                peer.write_u16(answer.len() as u16).await.unwrap();
                peer.write_all(&answer).await.unwrap();
                peer.write_u16(0).await.unwrap();
                // Keep the connection open while the client holds it.
                tokio::spawn(async move {
                    let mut sink = [0u8; 64];
                    while matches!(peer.read(&mut sink).await, Ok(n) if n > 0) {}
                });
            }
        });
        (port, hellos)
    }

    fn manager(port: u16) -> ConnectionManager {
        ConnectionManager::new(
            &format!("bolt://127.0.0.1:{port}"),
            "root",
            "secret",
            &ConnectionTLSConfig::None,
            Duration::from_secs(5),
            None,
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_refused_hello_is_tried_again() {
        use std::sync::atomic::Ordering;
        let (port, hellos) = server_refusing(2).await;
        let connection = manager(port).create().await;
        assert!(connection.is_ok(), "{:?}", connection.err());
        assert_eq!(hellos.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn wrong_credentials_fail_after_three_refusals() {
        use std::sync::atomic::Ordering;
        let (port, hellos) = server_refusing(usize::MAX).await;
        let connection = manager(port).create().await;
        assert!(
            matches!(&connection, Err(Error::AuthenticationError(m)) if m == "Authentication failed"),
            "{:?}",
            connection.err()
        );
        assert_eq!(hellos.load(Ordering::SeqCst), 3, "fewer than ArcadeDB's lockout of 5");
    }
}
