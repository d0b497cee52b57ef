"""The check-in page an affected person opens from their link: small, plain, no scripts,
nothing loaded from elsewhere. `GET /v1/check-ins/{token}` serves it; the answer is posted
to the same address (entrypoints/http_check_ins.py), whose form answers are pages too.
"""

from __future__ import annotations

from html import escape
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from bridgework.common.errors import DomainError
from bridgework.common.http_errors import problem_status
from bridgework.followup.domain.check_ins import is_expired
from bridgework.followup.entrypoints.dependencies import CheckInLinkDep, ClockDep, PoolDep
from bridgework.followup.schemas import ErrorBody
from bridgework.followup.use_cases.change_check_ins import change_check_in_of
from bridgework.followup.use_cases.check_ins import check_in_of

router = APIRouter(prefix="/v1/check-ins", tags=["check-in"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "Not a link follow-up signed."},
    404: {"model": ErrorBody, "description": "The check-in no longer exists."},
    409: {"model": ErrorBody, "description": "Answered already."},
    410: {"model": ErrorBody, "description": "The link expired, or the repair was closed."},
    422: {"description": "Invalid answer: the failing fields and why."},
}

# The token in the address is the person's key: keep it out of caches, referrers and frames.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1d2733; }
fieldset { border: 1px solid #c9d1db; border-radius: .5rem; padding: 1rem; }
label { display: block; margin: .4rem 0; }
textarea { width: 100%; min-height: 6rem; }
button { margin-top: 1rem; padding: .5rem 1.2rem; font-size: 1rem; }
.note { color: #4a5868; }
"""


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


REPAIR_QUESTION = (
    "Were things made right?",
    "Everything agreed to put things right has been done or settled. "
    "Were things made right for you?",
    "Your answer goes to the people looking after this repair.",
)
# A change check-in (use_cases/change_check_ins.py) asks its department's lead instead.
CHANGE_QUESTION = (
    "Is it working for you?",
    "A change that affects your department went live a while ago. Is it working for you?",
    "Your answer goes to the people behind the change, once for your department.",
)


def form_page(
    *,
    error: str | None = None,
    status_code: int = 200,
    question: tuple[str, str, str] = REPAIR_QUESTION,
) -> HTMLResponse:
    """The question, yes / partly / no, and room for a comment."""
    title, ask, note = question
    problem = f'<p role="alert"><strong>{escape(error)}</strong></p>' if error else ""
    choices = "".join(
        f'<label><input type="radio" name="outcome" value="{value}" required> {text}</label>'
        for value, text in (("yes", "Yes"), ("partly", "Partly"), ("no", "No"))
    )
    body = (
        f"<p>{escape(ask)}</p>"
        f"{problem}"
        '<form method="post">'
        f"<fieldset><legend>{escape(title)}</legend>{choices}</fieldset>"
        '<p><label for="comment">Anything you would like to add (optional)</label>'
        '<textarea id="comment" name="comment" maxlength="8000"></textarea></p>'
        '<button type="submit">Send my answer</button></form>'
        f'<p class="note">{escape(note)}</p>'
    )
    return _page(title, body, status_code)


def thanks_page() -> HTMLResponse:
    """The answer was recorded."""
    return _page(
        "Thank you",
        "<p>Your answer has been recorded. Thank you for taking the time to tell us.</p>",
    )


def notice_page(title: str, text: str, status_code: int) -> HTMLResponse:
    """A page that says one thing: why the link does not work, or that all is done."""
    return _page(title, f"<p>{escape(text)}</p>", status_code)


@router.get("/{token}", response_class=Response, responses=ERRORS)
async def check_in_form(link: CheckInLinkDep, pool: PoolDep, clock: ClockDep) -> Response:
    """The check-in page: were things made right? (yes / partly / no, and a comment)."""
    if isinstance(link, DomainError):
        return notice_page("This link does not work", link.detail, problem_status(link))
    check_in = await check_in_of(pool=pool, check_in_id=link)
    if check_in is None:
        return await _change_form(pool, clock, link)
    if check_in.status == "answered":
        return notice_page("Thank you", "Your answer was recorded already.", 200)
    if check_in.status == "withdrawn":
        return notice_page("Nothing to answer", "This repair has been closed since.", 410)
    if is_expired(check_in, clock.now()):
        return notice_page("This link does not work", "This check-in link has expired.", 410)
    return form_page()


async def _change_form(pool: PoolDep, clock: ClockDep, check_in_id: UUID) -> Response:
    """A change's check-in shares the links and the page (its id is drawn at random too)."""
    check_in = await change_check_in_of(pool=pool, check_in_id=check_in_id)
    if check_in is None:
        return notice_page("This link does not work", "This check-in no longer exists.", 404)
    if check_in.status == "answered":
        return notice_page("Thank you", "Your answer was recorded already.", 200)
    if clock.now() >= check_in.expires_at:
        return notice_page("This link does not work", "This check-in link has expired.", 410)
    return form_page(question=CHANGE_QUESTION)
