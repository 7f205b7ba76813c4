//! The per-request work around the handlers, as plain tower layers: counting every request
//! ([`CountLayer`]) and screening it before its handler ([`ScreenLayer`]: the browser guard,
//! and on the tool routes the caller's identification).
//!
//! axum's `middleware::from_fn` is the short way to write these, and costly per request: axum
//! clones a route's whole service stack on every call, a `from_fn` layer adds one boxed level
//! to that stack, and each call clones its inner service again and boxes it and its future.
//! Three of them took about a fifth of the instructions of a `POST /tools/calculate`
//! (callgrind). These call their inner service in place, allocate nothing, and are stacked as
//! tuples (`(A, B)` is a layer) so that a router gets one level for all of them. The decisions
//! stay where they are: [`guard::screen`](super::guard::screen),
//! [`caller::screen`](super::caller::screen), [`Metrics::request`].

use std::convert::Infallible;
use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use futures_util::future::Either;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::metrics::Metrics;

/// Counts every request by its route template and answer status ([`Metrics::request`]).
#[derive(Debug, Clone)]
pub(super) struct CountLayer {
    metrics: Arc<Metrics>,
}

impl CountLayer {
    pub(super) fn new(metrics: Arc<Metrics>) -> Self {
        CountLayer { metrics }
    }
}

impl<S> Layer<S> for CountLayer {
    type Service = Count<S>;

    fn layer(&self, inner: S) -> Count<S> {
        Count {
            metrics: Arc::clone(&self.metrics),
            inner,
        }
    }
}

/// The service of [`CountLayer`].
#[derive(Debug, Clone)]
pub(super) struct Count<S> {
    metrics: Arc<Metrics>,
    inner: S,
}

impl<S> Service<Request> for Count<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Counted<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // MatchedPath is a shared string: cloning it does not copy the route.
        let route = req.extensions().get::<MatchedPath>().cloned();
        Counted {
            inner: self.inner.call(req),
            metrics: Arc::clone(&self.metrics),
            route,
        }
    }
}

pin_project! {
    /// The answer of [`Count`], counted when it is ready.
    pub(super) struct Counted<F> {
        #[pin]
        inner: F,
        metrics: Arc<Metrics>,
        route: Option<MatchedPath>,
    }
}

impl<F> Future for Counted<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(response) = ready!(this.inner.poll(cx));
        let route = this
            .route
            .as_ref()
            .map_or("(unmatched)", MatchedPath::as_str);
        this.metrics.request(route, response.status().as_u16());
        Poll::Ready(Ok(response))
    }
}

/// A check run on each request before its handler: `Some` is the answer instead (a refusal),
/// `None` passes the request on, possibly with something added to its extensions.
pub(super) type Check<T> = fn(&T, &mut Request) -> Option<Response>;

/// Runs a [`Check`] with its policy `T` before the inner service.
pub(super) struct ScreenLayer<T> {
    policy: Arc<T>,
    check: Check<T>,
}

impl<T> ScreenLayer<T> {
    pub(super) fn new(policy: Arc<T>, check: Check<T>) -> Self {
        ScreenLayer { policy, check }
    }
}

impl<T> Clone for ScreenLayer<T> {
    fn clone(&self) -> Self {
        ScreenLayer {
            policy: Arc::clone(&self.policy),
            check: self.check,
        }
    }
}

impl<T> fmt::Debug for ScreenLayer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScreenLayer").finish_non_exhaustive()
    }
}

impl<T, S> Layer<S> for ScreenLayer<T> {
    type Service = Screen<T, S>;

    fn layer(&self, inner: S) -> Screen<T, S> {
        Screen {
            policy: Arc::clone(&self.policy),
            check: self.check,
            inner,
        }
    }
}

/// The service of [`ScreenLayer`].
pub(super) struct Screen<T, S> {
    policy: Arc<T>,
    check: Check<T>,
    inner: S,
}

impl<T, S: Clone> Clone for Screen<T, S> {
    fn clone(&self) -> Self {
        Screen {
            policy: Arc::clone(&self.policy),
            check: self.check,
            inner: self.inner.clone(),
        }
    }
}

impl<T, S> Service<Request> for Screen<T, S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, Ready<Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        match (self.check)(&self.policy, &mut req) {
            None => Either::Left(self.inner.call(req)),
            Some(refusal) => Either::Right(ready(Ok(refusal))),
        }
    }
}
