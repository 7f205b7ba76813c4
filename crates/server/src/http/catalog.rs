//! The tool listings each caller is shown: `/openapi.json` and MCP `tools/list` hold exactly the
//! tools [`policy::visible`] lets the caller call.
//!
//! A listing depends only on which tools are visible, so each distinct visible set is rendered
//! once (lazily, per format) and shared by every caller that sees the same set. The number of
//! distinct sets is bounded by the config (by which rules a caller can match), not by callers: a
//! caller naming a user can only pick among the users, groups and roles the rules name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use rmcp::model::Tool;
use switchboard::functions::ToolDefinition;
use switchboard::functions::providers::mcp;

use crate::policy::{self, Policy, Principal};

/// Which of the catalog's tools a caller sees: bit `i` is tool `i` (in name order).
type Visible = Box<[u64]>;

/// One visible set's listings, each rendered on first use.
#[derive(Debug, Default)]
struct Listing {
    openapi: OnceLock<Bytes>,
    mcp: OnceLock<Result<Vec<Tool>, String>>,
}

/// The offered tools and the listings rendered so far.
#[derive(Debug)]
pub struct Catalog {
    /// Sorted by name.
    defs: Vec<ToolDefinition>,
    /// Whether the OpenAPI document declares bearer authentication.
    bearer_auth: bool,
    listings: Mutex<HashMap<Visible, Arc<Listing>>>,
}

impl Catalog {
    /// A catalog of `defs` (sorted by name, as the registry lists them).
    pub fn new(defs: Vec<ToolDefinition>, bearer_auth: bool) -> Self {
        Catalog {
            defs,
            bearer_auth,
            listings: Mutex::new(HashMap::new()),
        }
    }

    /// The names of the offered tools, in name order.
    pub fn names(&self) -> Vec<&str> {
        self.defs.iter().map(ToolDefinition::name).collect()
    }

    /// `tool` when it is offered, else `(unknown)`: a metrics label from a bounded set.
    pub fn label<'a>(&self, tool: &'a str) -> &'a str {
        match self.defs.binary_search_by(|d| d.name().cmp(tool)) {
            Ok(_) => tool,
            Err(_) => "(unknown)",
        }
    }

    /// The OpenAPI document (serialized JSON) of the tools `who` may call.
    pub fn openapi(&self, policy: &Policy, who: &Principal<'_>) -> Bytes {
        let (visible, listing) = self.listing(policy, who);
        listing
            .openapi
            .get_or_init(|| {
                let defs: Vec<ToolDefinition> = self.pick(&visible).cloned().collect();
                let doc = super::openapi::document(&defs, self.bearer_auth);
                Bytes::from(serde_json::to_vec(&doc).unwrap_or_default())
            })
            .clone()
    }

    /// The MCP `tools/list` entries of the tools `who` may call.
    ///
    /// # Errors
    /// A definition rmcp cannot take (a bug, reported as an internal error).
    pub fn mcp_tools(&self, policy: &Policy, who: &Principal<'_>) -> Result<Vec<Tool>, String> {
        let (visible, listing) = self.listing(policy, who);
        listing
            .mcp
            .get_or_init(|| {
                let defs: Vec<ToolDefinition> = self.pick(&visible).cloned().collect();
                let mut list = mcp::tools_list(&defs);
                serde_json::from_value(list["tools"].take()).map_err(|e| format!("tool list: {e}"))
            })
            .clone()
    }

    /// The visible set of `who` and its (possibly not yet rendered) listings.
    fn listing(&self, policy: &Policy, who: &Principal<'_>) -> (Visible, Arc<Listing>) {
        let mut visible = vec![0u64; self.defs.len().div_ceil(64)].into_boxed_slice();
        for (i, def) in self.defs.iter().enumerate() {
            if policy::visible(policy, who, def.name()) {
                visible[i / 64] |= 1 << (i % 64);
            }
        }
        let mut listings = self.listings.lock().unwrap_or_else(PoisonError::into_inner);
        let listing = listings.entry(visible.clone()).or_default().clone();
        (visible, listing)
    }

    fn pick<'a>(&'a self, visible: &'a [u64]) -> impl Iterator<Item = &'a ToolDefinition> + 'a {
        self.defs
            .iter()
            .enumerate()
            .filter(|(i, _)| visible[i / 64] & (1 << (i % 64)) != 0)
            .map(|(_, def)| def)
    }
}
