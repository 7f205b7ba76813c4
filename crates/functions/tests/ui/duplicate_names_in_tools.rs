//! Two tools named alike in one `#[tools]` block: the error points at the second name.

use switchboard_functions::tools;

struct Service;

#[tools]
impl Service {
    /// Looks something up.
    #[tool]
    fn lookup(&self) -> String {
        String::new()
    }

    /// Looks something else up.
    #[tool(name = "lookup")]
    fn lookup_other(&self) -> String {
        String::new()
    }
}

fn main() {}
