//! Where the plugin listens, and the stream of (TLS-wrapped) connections tonic serves.
//!
//! A unix socket in a fresh 0700 directory is preferred: only this user can reach it and
//! there is no Nagle delay to think about. When no unix socket can be made, the plugin falls
//! back to loopback TCP within Terraform's port range, with TCP_NODELAY on every connection —
//! without it every small gRPC response waits for a delayed ACK, which is what makes some
//! providers 7–9× slower than Terraform's built-ins. TLS handshakes run in their own tasks so a
//! slow or hostile client never blocks the accept loop.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

use super::handshake::Address;

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
        tokio::spawn(async move {
            loop {
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
                        Some(acceptor) => acceptor.accept(stream).await.map(|s| PluginConn(Box::pin(s))),
                    };
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
