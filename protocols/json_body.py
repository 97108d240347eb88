"""Reading a JSON request body that anyone may post (the engine's API, the CDS Hooks service):
refused plainly when too large, not JSON, or nested beyond reason."""

import json

# A facts document is a few kilobytes and five levels deep; a CDS Hooks request with its prefetched
# resources a few tens of kilobytes and about ten. Anything far beyond is refused.
API_MAX_BYTES = 64 * 1024
API_MAX_DEPTH = 20


class BodyError(ValueError):
    """Why a body was refused, in a sentence for the client."""


def nested_deeper_than(value, limit: int) -> bool:
    """Whether JSON arrays and objects nest more than `limit` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def json_body(body: bytes, *, max_bytes: int = API_MAX_BYTES, max_depth: int = API_MAX_DEPTH):
    """The parsed body, or BodyError saying why not."""
    if len(body) > max_bytes:
        raise BodyError(f"The body is larger than {max_bytes} bytes.")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BodyError(f"The body is not valid JSON: {error}") from None
    except RecursionError:
        value = None
    if value is None or nested_deeper_than(value, max_depth):
        raise BodyError(f"The JSON is nested more than {max_depth} levels deep.")
    return value
