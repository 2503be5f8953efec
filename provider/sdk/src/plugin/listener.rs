//! Where the plugin listens, and the stream of (TLS-wrapped) connections tonic serves.
//!
//! A unix socket in a fresh 0700 directory is preferred: only this user can reach it and
//! there is no Nagle delay to think about. When no unix socket can be made, the plugin falls
//! back to loopback TCP within Terraform's port range, with TCP_NODELAY on every connection —
//! without it every small gRPC response waits for a delayed ACK, which is what makes some
//! providers 7–9× slower than Terraform's built-ins. TLS handshakes run in their own tasks so a
//! slow client never blocks the accept loop; each must finish within [`HANDSHAKE_TIMEOUT`] and at
//! most [`MAX_HANDSHAKES`] run at once, so a client that connects and never finishes its
//! handshake costs one slot for a bounded time instead of a task and a socket forever.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

use super::handshake::Address;

/// How long an accepted connection may take to complete its TLS handshake. Terraform's own
/// takes milliseconds; a slow machine under load still finishes well within this.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many TLS handshakes may be in progress at once; further connections wait in the
/// listen backlog until one finishes. Terraform opens one connection per plugin process.
pub const MAX_HANDSHAKES: usize = 16;

/// A bound listener plus the private directory holding its socket (removed on drop).
pub struct PluginListener {
    kind: ListenerKind,
    /// Where Terraform should connect.
    pub address: Address,
    socket_dir: Option<tempfile::TempDir>,
}

enum ListenerKind {
    Unix(UnixListener),
    Tcp(TcpListener),
}

impl PluginListener {
    /// Binds a unix socket in a private directory (under `PLUGIN_UNIX_SOCKET_DIR` or `TMPDIR`
    /// when set), or loopback TCP if that fails or `GLOBALDEPLOY_PLUGIN_NETWORK=tcp` asks for it.
    pub async fn bind() -> io::Result<Self> {
        if std::env::var("GLOBALDEPLOY_PLUGIN_NETWORK").is_ok_and(|n| n == "tcp") {
            return Self::bind_tcp().await;
        }
        match Self::bind_unix() {
            Ok(listener) => Ok(listener),
            Err(error) => {
                tracing::debug!(%error, "unix socket unavailable; falling back to TCP");
                Self::bind_tcp().await
            }
        }
    }

    fn bind_unix() -> io::Result<Self> {
        let dir = tempfile::Builder::new().prefix("plugin").tempdir_in(socket_parent())?;
        // Only this user may reach the socket, whatever the umask.
        std::fs::set_permissions(
            dir.path(),
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o700),
        )?;
        let path = dir.path().join("provider.sock");
        let listener = UnixListener::bind(&path)?;
        Ok(Self {
            kind: ListenerKind::Unix(listener),
            address: Address::Unix(path),
            socket_dir: Some(dir),
        })
    }

    async fn bind_tcp() -> io::Result<Self> {
        let port = |name: &str, default: u16| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
        let (min, max) = (port("PLUGIN_MIN_PORT", 10000), port("PLUGIN_MAX_PORT", 25000));
        let mut last_error = io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!("no free port in {min}..={max}"),
        );
        for candidate in min..=max {
            match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, candidate))).await {
                Ok(listener) => {
                    let address = Address::Tcp(listener.local_addr()?);
                    return Ok(Self {
                        kind: ListenerKind::Tcp(listener),
                        address,
                        socket_dir: None,
                    });
                }
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    /// Accepts connections forever, completing TLS (if any) off the accept loop, and yields
    /// them for tonic.
    pub fn incoming(
        self,
        tls: Option<TlsAcceptor>,
    ) -> (ReceiverStream<io::Result<PluginConn>>, Option<tempfile::TempDir>) {
        let (sender, receiver) = mpsc::channel(16);
        let tls = tls.map(Arc::new);
        let Self { kind, socket_dir, .. } = self;
        let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let Ok(permit) = Arc::clone(&handshakes).acquire_owned().await else {
                    return;
                };
                let accepted = match &kind {
                    ListenerKind::Unix(listener) => listener.accept().await.map(|(s, _)| Stream::Unix(s)),
                    ListenerKind::Tcp(listener) => listener.accept().await.and_then(|(s, _)| {
                        s.set_nodelay(true)?;
                        Ok(Stream::Tcp(s))
                    }),
                };
                let stream = match accepted {
                    Ok(stream) => stream,
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        continue;
                    }
                };
                let sender = sender.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let conn = match tls {
                        None => Ok(PluginConn(Box::pin(stream))),
                        Some(acceptor) => {
                            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                                Ok(handshake) => handshake.map(|s| PluginConn(Box::pin(s))),
                                Err(_) => Err(io::Error::new(
                                    io::ErrorKind::TimedOut,
                                    format!("no TLS handshake within {HANDSHAKE_TIMEOUT:?}"),
                                )),
                            }
                        }
                    };
                    // The slot is free once the handshake is over, whatever its result.
                    drop(permit);
                    match conn {
                        Ok(conn) => {
                            let _ = sender.send(Ok(conn)).await;
                        }
                        Err(error) => tracing::warn!(%error, "TLS handshake with a client failed"),
                    }
                });
            }
        });
        (ReceiverStream::new(receiver), socket_dir)
    }
}

fn socket_parent() -> std::path::PathBuf {
    std::env::var_os("PLUGIN_UNIX_SOCKET_DIR").map_or_else(std::env::temp_dir, Into::into)
}

/// A raw accepted stream.
enum Stream {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

macro_rules! delegate_io {
    ($self:ident, $inner:ident => $call:expr) => {
        match $self.get_mut() {
            Stream::Unix($inner) => {
                let $inner = Pin::new($inner);
                $call
            }
            Stream::Tcp($inner) => {
                let $inner = Pin::new($inner);
                $call
            }
        }
    };
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        delegate_io!(self, s => s.poll_read(cx, buf))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        delegate_io!(self, s => s.poll_write(cx, buf))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate_io!(self, s => s.poll_flush(cx))
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        delegate_io!(self, s => s.poll_shutdown(cx))
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        delegate_io!(self, s => s.poll_write_vectored(cx, bufs))
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
}

/// Anything a connection can be: plain or TLS over unix or TCP.
trait Io: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> Io for T {}

/// One accepted connection, ready for HTTP/2.
pub struct PluginConn(Pin<Box<dyn Io>>);

impl Connected for PluginConn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for PluginConn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for PluginConn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().0.as_mut().poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.as_mut().poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.as_mut().poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.as_mut().poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;
    use tokio::time::Instant;

    use super::*;
    use crate::plugin::tls::PluginTls;

    fn acceptor() -> TlsAcceptor {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let client = rcgen::CertificateParams::new(vec!["client".to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("certificate");
        TlsAcceptor::from(PluginTls::new(&client.pem()).expect("tls").config)
    }

    /// Connects a client that never says a word and returns when the plugin hung up on it.
    async fn silent_client(path: std::path::PathBuf) -> Instant {
        let mut stream = tokio::net::UnixStream::connect(path).await.expect("connects");
        let mut buf = [0u8; 64];
        // Whatever the server sends before closing, the stream must end.
        while stream.read(&mut buf).await.expect("reads") > 0 {}
        Instant::now()
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_never_finishes_its_handshake_is_dropped_and_handshakes_are_bounded() {
        let listener = PluginListener::bind_unix().expect("binds");
        let Address::Unix(path) = listener.address.clone() else {
            unreachable!("bound a unix socket")
        };
        let (_incoming, _dir) = listener.incoming(Some(acceptor()));
        let start = Instant::now();
        let clients: Vec<_> = (0..=MAX_HANDSHAKES)
            .map(|_| tokio::spawn(silent_client(path.clone())))
            .collect();
        let mut hung_up = Vec::new();
        for client in clients {
            // Today's code never hangs up: the virtual clock reaches this bound instead.
            let at = tokio::time::timeout(Duration::from_secs(3600), client)
                .await
                .expect("the plugin hangs up on a silent client")
                .expect("client task");
            hung_up.push(at - start);
        }
        hung_up.sort();
        // The first MAX_HANDSHAKES are dropped at the timeout; the one that waited for a slot
        // gets its own full timeout after that.
        assert!(
            hung_up[..MAX_HANDSHAKES].iter().all(|d| *d == HANDSHAKE_TIMEOUT),
            "{hung_up:?}"
        );
        assert_eq!(hung_up[MAX_HANDSHAKES], 2 * HANDSHAKE_TIMEOUT, "{hung_up:?}");
    }
}
