//! The configured databases as a registrable [`Tool`].

use std::sync::Arc;

use crate::{Tool, ToolAnnotations};

use super::{Databases, QueryArgs, QueryError, QueryOutput};

/// The `query_database` tool: one read-only query against a database the operator configured.
///
/// The description given to the model lists the configured database names.
///
/// ```no_run
/// use switchboard_functions::ToolRegistry;
/// use switchboard_functions::builtin::query_database::{DatabaseConfig, Databases, QueryDatabase};
///
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let databases = Databases::new([DatabaseConfig::sqlite("shop", "/srv/shop.db")?])?;
/// let registry = ToolRegistry::new();
/// registry.register(QueryDatabase::new(databases))?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct QueryDatabase {
    databases: Arc<Databases>,
    description: String,
}

impl QueryDatabase {
    /// A `query_database` tool over `databases`.
    pub fn new(databases: Databases) -> Self {
        let description = databases.tool_description();
        QueryDatabase {
            databases: Arc::new(databases),
            description,
        }
    }
}

impl Tool for QueryDatabase {
    type Args = QueryArgs;
    type Output = QueryOutput;
    type Error = QueryError;

    fn name(&self) -> &str {
        "query_database"
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn output_schema(&self) -> Option<serde_json::Value> {
        Some(crate::schema::schema_for::<QueryOutput>())
    }

    /// Every statement runs read-only (see the module docs) against databases the operator
    /// configured, so the world is closed.
    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::read_only("Query a database").closed_world()
    }

    async fn call(&self, args: QueryArgs) -> Result<QueryOutput, QueryError> {
        self.databases.query(args).await
    }
}
