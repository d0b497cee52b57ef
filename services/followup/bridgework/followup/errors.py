"""Client errors as every Bridgework service answers them: `{"error": code, "detail": ...}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class ErrorBody(BaseModel):
    error: str
    detail: str


class ClientError(Exception):
    """A request follow-up cannot honour: HTTP status, a stable code and a sentence."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def install_problem_handler(app: FastAPI) -> None:
    async def on_problem(_: Request, problem: Exception) -> JSONResponse:
        assert isinstance(problem, ClientError)
        headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
        return JSONResponse(
            status_code=problem.status,
            content={"error": problem.code, "detail": problem.detail},
            headers=headers,
        )

    app.add_exception_handler(ClientError, on_problem)
