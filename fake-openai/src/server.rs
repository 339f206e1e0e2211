//! The running fake server: [`FakeOpenAi`] starts it on 127.0.0.1, scripts and inspects it, and
//! stops it when dropped.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::reply::Reply;
use crate::request::ChatRequest;
use crate::routes::router;
use crate::state::ServerState;

/// Decides the reply to a chat request that no scripted reply answers.
pub type Answerer = Arc<dyn Fn(&ChatRequest) -> Reply + Send + Sync>;

/// How a [`FakeOpenAi`] behaves.
#[derive(Clone, Default)]
pub struct Options {
    /// Delay before every reply, scripted or answered.
    pub latency: Duration,
    /// Replaces [`default_answer`](crate::default_answer).
    pub answerer: Option<Answerer>,
}

/// A fake OpenAI chat-completions server on 127.0.0.1; it stops when dropped.
pub struct FakeOpenAi {
    address: SocketAddr,
    /// `http`, or `https` when started with TLS.
    scheme: &'static str,
    state: Arc<ServerState>,
    server: JoinHandle<()>,
}

impl FakeOpenAi {
    /// Starts on a random port with the default answerer and no latency.
    pub async fn start() -> FakeOpenAi {
        FakeOpenAi::start_with(Options::default()).await
    }

    /// Starts on a random port.
    ///
    /// # Panics
    /// If no port on 127.0.0.1 can be bound.
    pub async fn start_with(options: Options) -> FakeOpenAi {
        FakeOpenAi::start_on(0, options)
            .await
            .unwrap_or_else(|error| panic!("fake-openai cannot listen on 127.0.0.1: {error}"))
    }

    /// Starts on 127.0.0.1:`port` (0 picks a random free port).
    pub async fn start_on(port: u16, options: Options) -> io::Result<FakeOpenAi> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let address = listener.local_addr()?;
        Ok(FakeOpenAi::serve(listener, address, "http", options))
    }

    /// Starts on a random port of 127.0.0.1, speaking https with the PEM certificate chain
    /// `cert` and its private key `key` (a certificate for `127.0.0.1`).
    pub async fn start_tls(options: Options, cert: &[u8], key: &[u8]) -> io::Result<FakeOpenAi> {
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = tcp.local_addr()?;
        let listener = crate::tls::TlsListener::new(tcp, cert, key)?;
        Ok(FakeOpenAi::serve(listener, address, "https", options))
    }

    fn serve<L>(
        listener: L,
        address: SocketAddr,
        scheme: &'static str,
        options: Options,
    ) -> FakeOpenAi
    where
        L: axum::serve::Listener<Addr = SocketAddr>,
    {
        let state = Arc::new(ServerState::new(options));
        let shutdown = state.shutdown().clone().cancelled_owned();
        let app = router(Arc::clone(&state));
        let server = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(shutdown);
            if let Err(error) = serving.await {
                eprintln!("fake-openai stopped serving: {error}");
            }
        });
        FakeOpenAi {
            address,
            scheme,
            state,
            server,
        }
    }

    /// The API base URL, `http://127.0.0.1:PORT/v1` (`https` when started with TLS).
    pub fn base_url(&self) -> String {
        format!("{}://{}/v1", self.scheme, self.address)
    }

    /// The bodies of every chat request received, in arrival order.
    pub fn requests(&self) -> Vec<Value> {
        self.state.requests()
    }

    /// How many chat requests have been received.
    pub fn request_count(&self) -> usize {
        self.state.request_count()
    }

    /// Scripts the reply to a coming request: scripted replies answer requests first-in
    /// first-out, before the answerer is asked.
    pub fn push(&self, reply: Reply) {
        self.state.push(reply);
    }

    /// Replaces the answerer for the requests no scripted reply answers.
    pub fn set_answerer(&self, answerer: impl Fn(&ChatRequest) -> Reply + Send + Sync + 'static) {
        self.state.set_answerer(Arc::new(answerer));
    }
}

impl Drop for FakeOpenAi {
    /// Stops accepting connections, releases waiting and hung requests with a 503 and closes
    /// the open connections.
    fn drop(&mut self) {
        self.state.shutdown().cancel();
        self.server.abort();
    }
}
