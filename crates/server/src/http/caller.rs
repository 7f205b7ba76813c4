//! Who is calling: one [`Caller`] per request on `/tools/*`, `/openapi.json` and `/mcp`,
//! resolved once by [`Identity::resolve`] and stored in the request's extensions by [`screen`]
//! (or its middleware form [`identify`]); handlers read it from there, and `crate::policy`
//! decides what it may do.
//!
//! - The token: `Authorization: Bearer …` must match one of the configured tokens (when any is
//!   configured); its name and limits come with it.
//! - The user: from Open WebUI's signed user token (`X-OpenWebUI-User-Jwt`, HS256 with the
//!   shared secret; a present but invalid one is refused, never ignored), or else from the plain
//!   `X-OpenWebUI-User-*` headers, which anyone can forge and so count only under a token with
//!   `assert_users = true`.
//! - The chat and message ids: reported by the caller, not verified; they name, they grant
//!   nothing.

use std::sync::Arc;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, StatusCode};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use switchboard::functions::{Context, User};

use super::auth::{TokenHash, bearer};
use super::error::ApiError;
use super::limits::Limiter;
use crate::config::{OpenWebUiSettings, Settings};
use crate::policy::Principal;

/// The issuer Open WebUI puts in its user tokens.
const OPEN_WEBUI_ISSUER: &str = "open-webui";

/// Clock skew tolerated on `exp`, in seconds.
const JWT_LEEWAY_SECONDS: u64 = 30;

/// Longest user field or chat/message id taken from a header; longer values are ignored.
const MAX_CLAIM_LEN: usize = 256;

/// What a token brings to every request made with it.
#[derive(Debug)]
pub struct Scope {
    token: Option<Arc<str>>,
    assert_users: bool,
    /// The token's rate and concurrency limits (`None`: unlimited).
    limiter: Option<Limiter>,
}

/// Who is calling: the token (by name), the user when known, and the chat and message ids.
#[derive(Debug, Clone)]
pub struct Caller {
    scope: Arc<Scope>,
    /// The user, from a verified user token or trusted plain headers.
    pub user: Option<User>,
    /// `X-OpenWebUI-Chat-Id`, as reported.
    pub chat_id: Option<String>,
    /// `X-OpenWebUI-Message-Id`, as reported.
    pub message_id: Option<String>,
    /// The same, as tools receive it (built with the caller, shared by its calls).
    context: Context,
}

impl Caller {
    fn new(
        scope: Arc<Scope>,
        user: Option<User>,
        chat_id: Option<String>,
        message_id: Option<String>,
    ) -> Self {
        let mut context = Context::default();
        if let Some(token) = &scope.token {
            context = context.with_token(token.as_ref());
        }
        if let Some(user) = &user {
            context = context.with_user(user.clone());
        }
        if let Some(id) = &chat_id {
            context = context.with_chat_id(id.as_str());
        }
        if let Some(id) = &message_id {
            context = context.with_message_id(id.as_str());
        }
        Caller {
            scope,
            user,
            chat_id,
            message_id,
            context,
        }
    }

    /// Who is calling, for the tools (`ToolCall::with_context`): a shared handle, not a copy.
    pub fn context(&self) -> Context {
        self.context.clone()
    }

    /// The name of the token the request carried (`None` when the gateway has no tokens).
    pub fn token_name(&self) -> Option<&str> {
        self.scope.token.as_deref()
    }

    /// The user id, when known.
    pub fn user_id(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.id.as_str())
    }

    /// Who is calling, as the policy sees it.
    pub fn principal(&self) -> Principal<'_> {
        let user = self.user.as_ref();
        Principal {
            token: self.token_name(),
            user_id: user.map(|u| u.id.as_str()),
            email: user.and_then(|u| u.email.as_deref()),
            role: user.and_then(|u| u.role.as_deref()),
        }
    }

    /// The token's limits (`None`: unlimited).
    pub fn token_limiter(&self) -> Option<&Limiter> {
        self.scope.limiter.as_ref()
    }
}

/// The verifier of Open WebUI's signed user token.
struct UserToken {
    header: HeaderName,
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserToken")
            .field("header", &self.header)
            .field("key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// The claims Open WebUI signs (`utils/headers.py`); `iss` and `exp` are checked by
/// [`Validation`].
#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

/// Everything needed to resolve callers; built once at start.
#[derive(Debug)]
pub struct Identity {
    /// Each token with its caller before any user is known (shared, so a plain token call
    /// allocates nothing).
    tokens: Vec<(TokenHash, Arc<Caller>)>,
    /// The caller when no token is configured.
    anonymous: Option<Arc<Caller>>,
    user_token: Option<UserToken>,
    headers: OpenWebUiSettings,
}

impl Identity {
    /// The callers `settings` allows.
    pub fn new(settings: &Settings) -> Self {
        let bearer_auth = !settings.tokens.is_empty();
        let scope = |token: Option<&str>, assert_users, limiter: Option<Limiter>| {
            let scope = Scope {
                token: token.map(Arc::from),
                assert_users,
                limiter,
            };
            Arc::new(Caller::new(Arc::new(scope), None, None, None))
        };
        let tokens = settings
            .tokens
            .iter()
            .map(|rule| {
                let limiter = Limiter::new(rule.rate_per_minute, rule.max_concurrent);
                let caller = scope(Some(&rule.name), rule.assert_users, limiter);
                (rule.hash.clone(), caller)
            })
            .collect();
        let anonymous = (!bearer_auth).then(|| scope(None, false, None));
        let user_token = settings.open_webui.jwt_secret.as_ref().map(|secret| {
            let mut validation = Validation::new(Algorithm::HS256);
            validation.set_issuer(&[OPEN_WEBUI_ISSUER]);
            validation.set_required_spec_claims(&["exp", "iss", "sub"]);
            validation.leeway = JWT_LEEWAY_SECONDS;
            UserToken {
                header: settings.open_webui.jwt_header.clone(),
                key: DecodingKey::from_secret(secret.expose().as_bytes()),
                validation,
            }
        });
        Identity {
            tokens,
            anonymous,
            user_token,
            headers: settings.open_webui.clone(),
        }
    }

    /// The callers a request can be before any user is known: the anonymous one when no token
    /// is configured, else each token's (the console's Tools page calls as one of them).
    pub fn base_callers(&self) -> Vec<Arc<Caller>> {
        self.anonymous
            .iter()
            .chain(self.tokens.iter().map(|(_, caller)| caller))
            .cloned()
            .collect()
    }

    /// The caller of a request with `headers`, or the answer that refuses it: 401 for a missing
    /// or unknown token, 401 for a user token that is present but not valid.
    ///
    /// # Errors
    /// The refusal, ready to send.
    pub fn resolve(&self, headers: &HeaderMap) -> Result<Arc<Caller>, ApiError> {
        let base = match &self.anonymous {
            Some(anonymous) => anonymous,
            None => {
                let presented = bearer(headers).map(TokenHash::of);
                presented
                    .and_then(|p| {
                        self.tokens
                            .iter()
                            .find(|(hash, _)| hash.same_as(&p))
                            .map(|(_, caller)| caller)
                    })
                    .ok_or_else(ApiError::unauthorized)?
            }
        };
        let user = match self.verified_user(headers)? {
            Some(user) => Some(user),
            None if base.scope.assert_users => self.asserted_user(headers),
            None => None,
        };
        let chat_id = header_text(headers, &self.headers.chat_id_header);
        let message_id = header_text(headers, &self.headers.message_id_header);
        if user.is_none() && chat_id.is_none() && message_id.is_none() {
            return Ok(base.clone());
        }
        Ok(Arc::new(Caller::new(
            base.scope.clone(),
            user,
            chat_id,
            message_id,
        )))
    }

    /// The user of a valid signed user token; `None` when there is none (or no secret to check
    /// one with).
    fn verified_user(&self, headers: &HeaderMap) -> Result<Option<User>, ApiError> {
        let Some(verifier) = &self.user_token else {
            return Ok(None);
        };
        let Some(value) = headers.get(&verifier.header) else {
            return Ok(None);
        };
        let invalid = |why: &str| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_user_token",
                format!(
                    "the {} header is not a valid Open WebUI user token: {why}",
                    verifier.header
                ),
            )
        };
        let token = value.to_str().map_err(|_| invalid("not ASCII text"))?;
        let data = jsonwebtoken::decode::<Claims>(token, &verifier.key, &verifier.validation)
            .map_err(|e| invalid(&jwt_problem(e.kind())))?;
        let claims = data.claims;
        Ok(Some(User {
            id: claims.sub,
            email: claims.email,
            name: claims.name,
            role: claims.role,
        }))
    }

    /// The user named by the plain headers (only asked under a token that may assert users).
    fn asserted_user(&self, headers: &HeaderMap) -> Option<User> {
        let id = header_text(headers, &self.headers.user_id_header)?;
        let name = header_text(headers, &self.headers.user_name_header).map(|n| {
            percent_encoding::percent_decode_str(&n)
                .decode_utf8_lossy()
                .into_owned()
        });
        Some(User {
            id,
            email: header_text(headers, &self.headers.user_email_header),
            name,
            role: header_text(headers, &self.headers.user_role_header),
        })
    }
}

/// Why a user token was refused, in words an operator can act on (never the token itself).
fn jwt_problem(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "it has expired".to_owned(),
        ErrorKind::InvalidSignature => {
            "its signature does not match `tools.open_webui.jwt_secret`".to_owned()
        }
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "it is not signed with HS256".to_owned()
        }
        ErrorKind::InvalidIssuer => format!("its issuer is not {OPEN_WEBUI_ISSUER:?}"),
        ErrorKind::MissingRequiredClaim(claim) => format!("it has no `{claim}` claim"),
        _ => "it is not a well-formed HS256 JWT with Open WebUI's claims".to_owned(),
    }
}

/// A header's value as text, when present, visible ASCII, non-empty and not too long.
fn header_text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    (!text.is_empty() && text.len() <= MAX_CLAIM_LEN).then(|| text.to_owned())
}

/// Resolves the caller of `req` once and stores it in the request's extensions (as
/// `Arc<Caller>`); else the refusal to answer instead (a
/// [`ScreenLayer`](super::layers::ScreenLayer) check).
pub(super) fn screen(identity: &Identity, req: &mut Request) -> Option<Response> {
    match identity.resolve(req.headers()) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            None
        }
        Err(refusal) => Some(refusal.into_response()),
    }
}
