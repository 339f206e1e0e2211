//! The state shared by the server's handlers and its [`FakeOpenAi`](crate::FakeOpenAi) handle:
//! the request journal, the scripted replies, the answerer and the shutdown signal.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::answerer::default_answer;
use crate::reply::Reply;
use crate::request::ChatRequest;
use crate::server::{Answerer, Options};

pub(crate) struct ServerState {
    latency: Duration,
    journal: Mutex<Journal>,
    answerer: RwLock<Answerer>,
    shutdown: CancellationToken,
}

/// What arrived and what is scripted to answer it.
#[derive(Default)]
struct Journal {
    requests: Vec<Value>,
    scripted: VecDeque<Reply>,
}

impl ServerState {
    pub(crate) fn new(options: Options) -> ServerState {
        ServerState {
            latency: options.latency,
            journal: Mutex::default(),
            answerer: RwLock::new(options.answerer.unwrap_or_else(|| Arc::new(default_answer))),
            shutdown: CancellationToken::new(),
        }
    }

    /// Records a chat request and decides its reply: the oldest scripted one, else the
    /// answerer's.
    pub(crate) fn receive(&self, body: Value) -> (ChatRequest, Reply) {
        let (request, scripted) = {
            let mut journal = self.journal();
            let request = ChatRequest {
                body: body.clone(),
                index: journal.requests.len(),
            };
            journal.requests.push(body);
            (request, journal.scripted.pop_front())
        };
        let reply = scripted.unwrap_or_else(|| {
            let answerer = self
                .answerer
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            answerer(&request)
        });
        (request, reply)
    }

    pub(crate) fn requests(&self) -> Vec<Value> {
        self.journal().requests.clone()
    }

    pub(crate) fn request_count(&self) -> usize {
        self.journal().requests.len()
    }

    pub(crate) fn push(&self, reply: Reply) {
        self.journal().scripted.push_back(reply);
    }

    pub(crate) fn set_answerer(&self, answerer: Answerer) {
        *self
            .answerer
            .write()
            .unwrap_or_else(PoisonError::into_inner) = answerer;
    }

    pub(crate) fn shutdown(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Waits `delay`; `false` if the server shut down first.
    pub(crate) async fn wait(&self, delay: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(delay) => true,
            () = self.shutdown.cancelled() => false,
        }
    }

    pub(crate) fn latency(&self) -> Duration {
        self.latency
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
