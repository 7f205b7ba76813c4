//! The `calculate` evaluator as a registrable [`Tool`].

use crate::{Tool, ToolAnnotations};

use super::{CalcError, CalculateArgs, CalculateOutput, Limits, evaluate_on_own_thread, inline};

/// The `calculate` tool: exact arithmetic within [`Limits`].
///
/// ```
/// use switchboard_functions::ToolRegistry;
/// use switchboard_functions::builtin::calculate::Calculate;
///
/// let registry = ToolRegistry::new();
/// registry.register(Calculate::default()).unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct Calculate {
    limits: Limits,
}

impl Calculate {
    /// A `calculate` tool with the given limits.
    pub fn new(limits: Limits) -> Self {
        Calculate { limits }
    }
}

impl Tool for Calculate {
    type Args = CalculateArgs;
    type Output = CalculateOutput;
    type Error = CalcError;

    fn name(&self) -> &str {
        "calculate"
    }

    fn description(&self) -> &str {
        "Evaluates an arithmetic expression exactly (rational arithmetic; 0.1 + 0.2 = 0.3) and \
         returns the result as a decimal string. Supports + - * / ^ mod, postfix % and !, \
         parentheses, functions (sqrt, abs, ln, log, exp, sin, cos, tan, floor, ceil, round, \
         min, max, ...) and the constants pi and e."
    }

    fn output_schema(&self) -> Option<serde_json::Value> {
        Some(crate::schema::schema_for::<CalculateOutput>())
    }

    /// Pure arithmetic: reads nothing and changes nothing.
    fn annotations(&self) -> ToolAnnotations {
        ToolAnnotations::read_only("Calculate").closed_world()
    }

    /// Short plain arithmetic is evaluated right here (see `inline.rs` for why that is safe);
    /// everything else on the evaluator pool.
    async fn call(&self, args: CalculateArgs) -> Result<CalculateOutput, CalcError> {
        if let Some(answer) = inline::try_evaluate(&args.expression, &self.limits) {
            return answer;
        }
        evaluate_on_own_thread(args.expression, self.limits.clone()).await
    }
}
