//! A DNS resolver for the connector that checks every address against the [`NetPolicy`].

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use hyper_util::client::legacy::connect::dns::Name;

use super::NetPolicy;
use crate::error::BoxError;

/// Resolves with the system resolver, then refuses the whole answer if any address is denied.
///
/// The connector connects to exactly the addresses returned here, so a host cannot resolve to a
/// public address for the check and to a private one for the connection.
#[derive(Clone, Debug)]
pub(crate) struct GuardedResolver {
    policy: Arc<NetPolicy>,
}

impl GuardedResolver {
    pub(crate) fn new(policy: Arc<NetPolicy>) -> Self {
        Self { policy }
    }
}

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let host = name.as_str();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
            if addrs.is_empty() {
                return Err(format!("host {host:?} resolved to no addresses").into());
            }
            if policy.checks_anything() {
                for addr in &addrs {
                    policy.check_ip(host, addr.ip())?;
                }
            }
            Ok(addrs.into_iter())
        })
    }
}
