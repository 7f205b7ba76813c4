//! A parameter whose type is not `JsonSchema`: the error points at the type.

use switchboard_functions::tool;

#[derive(serde::Deserialize)]
struct Point {
    x: f64,
}

/// Moves to a point.
#[tool]
async fn go_to(point: Point) -> Result<(), String> {
    let _ = point.x;
    Ok(())
}

fn main() {}
