"""Custom schemathesis checks for govledger, loaded by tests/schemathesis.rs through the
SCHEMATHESIS_HOOKS environment variable.

The API's contract (README, "HTTP API"): every error response is an RFC 9457 problem document,
`application/problem+json`, whose `status` member is the response's status. schemathesis's own
checks see whether a media type was *documented*; these check what we promise for every error,
documented or not.
"""

import json

import schemathesis

PROBLEM_JSON = "application/problem+json"


@schemathesis.check
def error_is_problem_json(ctx, response, case):
    """Every 4xx and 5xx is application/problem+json with type, title and the same status."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type") or response.headers.get("Content-Type")
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else None
    media = (content_type or "").split(";")[0].strip().lower()
    if media != PROBLEM_JSON:
        raise AssertionError(
            f"{response.status_code} answered with Content-Type {content_type!r}, "
            f"not {PROBLEM_JSON}"
        )
    try:
        problem = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"{response.status_code}: the problem body is not JSON: {e}") from e
    if not isinstance(problem, dict):
        raise AssertionError(f"{response.status_code}: the problem body is not a JSON object")
    for member in ("type", "title"):
        if not isinstance(problem.get(member), str) or not problem[member]:
            raise AssertionError(f"{response.status_code}: the problem has no {member!r} string")
    if problem.get("status") != response.status_code:
        raise AssertionError(
            f"the problem's status {problem.get('status')!r} is not the response's "
            f"{response.status_code}"
        )
    return None


@schemathesis.check
def not_rate_limited(ctx, response, case):
    """The failed-authentication limiter never fired.

    schemathesis sends one fixed token (or none); a 429 means it sent failing tokens often
    enough to lock this client out, after which every answer would be the same 429 and the rest
    of the run would test nothing. Fail loudly instead of passing vacuously.
    """
    if response.status_code == 429:
        raise AssertionError(
            "429 from the failed-authentication limiter: the run sent failing tokens, so the "
            "remaining requests would test nothing"
        )
    return None
