"""The FastAPI peer of the gateway bench (benches/tool_calls.rs): `POST /tools/calculate` with a
pydantic model and an exact `Fraction` evaluator, served by uvicorn with 2 workers, uvloop and
httptools on 127.0.0.1:$PORT.

Only what the bench's expression needs is evaluated (numbers, + - * /, parentheses, unary
signs); anything else is a 400, as the gateway would answer a bad expression.
"""

import ast
import os
from fractions import Fraction

import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict

app = FastAPI()


class CalculateArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expression: str


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def _eval(node):
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Fraction(str(node.value))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left), _eval(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _eval(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    raise ValueError(f"unsupported: {ast.dump(node)}")


def evaluate(expression: str) -> dict:
    value = _eval(ast.parse(expression, mode="eval"))
    if value.denominator == 1:
        return {"result": str(value.numerator), "exact": True}
    return {"result": str(float(value)), "exact": True, "fraction": str(value)}


@app.post("/tools/calculate")
async def calculate(args: CalculateArgs) -> dict:
    try:
        return evaluate(args.expression)
    except (ValueError, SyntaxError, ZeroDivisionError) as e:
        raise HTTPException(status_code=400, detail=str(e)) from e


if __name__ == "__main__":
    uvicorn.run(
        "fastapi_calculate:app",
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        workers=2,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
