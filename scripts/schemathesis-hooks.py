"""schemathesis hooks for scripts/api-check (loaded through SCHEMATHESIS_HOOKS).

`POST /api/v1/items` takes its body as text: JSON Lines (`application/x-ndjson`, which
schemathesis has no serializer for) or CSV. The spec describes it as a string.
"""

import json

import schemathesis
from schemathesis.core import NOT_SET


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """The string as UTF-8, as schemathesis sends `text/*` bodies."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode("utf-8")


@schemathesis.hook
def filter_case(ctx, case):
    """Sends `POST /api/v1/items` only bodies its text media types can carry.

    A negative case may give the body another JSON type (an object, a number, null); sent as
    `text/csv` or `application/x-ndjson` it becomes its text, which is a string and so valid,
    and the negative-data check would wrongly expect a rejection.
    """
    operation = ctx.operation
    if operation is None or (operation.method.upper(), operation.path) != ("POST", "/api/v1/items"):
        return True
    body = case.body
    return body is NOT_SET or isinstance(body, (str, bytes))
