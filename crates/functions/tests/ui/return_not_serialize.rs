//! A return type that is not `Serialize`: the error points at the return type.

use switchboard_functions::tool;

struct Opaque;

/// Makes something that cannot be sent back.
#[tool]
async fn make() -> Result<Opaque, String> {
    Ok(Opaque)
}

fn main() {}
