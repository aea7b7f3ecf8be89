"""
Log lines that say what happened and cannot be forged.

Whatever a request carries (a path, a username, a title someone typed) can hold a line
break. Written to the log as it is, it starts a line of its own: a forged entry that
reads like one the server wrote. So every message is escaped before it is written:
line breaks and other control characters become visible escapes (\\r, \\n, \\x1b).

A refused request (a 4xx: a guessed address, a permission refused, a bad request) is
not an error of the service: it is logged on one line, without the traceback Django
attaches, whose last line would repeat the exception's message (a title, as it was
typed). A 5xx keeps its traceback, for whoever fixes it, with the message of each
exception in it escaped too.
"""

import logging
import re
import traceback
import unicodedata

# Control characters (Cc), format characters such as right-to-left overrides (Cf), and
# the Unicode line and paragraph separators some log viewers break lines at (Zl, Zp).
ESCAPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
SHORT_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
_MAYBE_UNSAFE = re.compile(r"[^\x20-\x7e]")


def _escape_character(match) -> str:
    character = match.group(0)
    if character in SHORT_ESCAPES:
        return SHORT_ESCAPES[character]
    if unicodedata.category(character) not in ESCAPED_CATEGORIES:
        return character
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """`text` on one line: control characters and line breaks as visible escapes."""
    return _MAYBE_UNSAFE.sub(_escape_character, text)


def is_refusal(record: logging.LogRecord) -> bool:
    """A 4xx answer: Django's loggers say so with `status_code`; django.security's are 400s."""
    status = getattr(record, "status_code", None)
    if isinstance(status, int):
        return 400 <= status < 500
    return record.name.startswith("django.security")


def escaped_traceback(exc_info) -> str:
    """The traceback as logging writes it, each exception's own message escaped: the code
    lines are the service's, the messages may carry what a request sent."""
    formatted = traceback.TracebackException(*exc_info)
    waiting, seen = [formatted], set()
    while waiting:
        exception = waiting.pop()
        if id(exception) in seen:
            continue
        seen.add(id(exception))
        if isinstance(getattr(exception, "_str", None), str):
            exception._str = escape(exception._str)
        waiting += [e for e in (exception.__cause__, exception.__context__) if e is not None]
        waiting += getattr(exception, "exceptions", None) or []
    return "".join(formatted.format()).rstrip("\n")


class OneLineFilter(logging.Filter):
    """Every record escaped; a refusal without its traceback.

    Put on the handlers (sscp.settings LOGGING), not on loggers: a logger's filters
    never see its children's records (django.security.csrf, django.security.<error>).
    A record with nothing to escape is left as it was logged, message and arguments.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = escape(message)
        if escaped != message:
            record.msg, record.args = escaped, None
        if is_refusal(record):
            record.exc_info = record.exc_text = record.stack_info = None
        elif record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = escaped_traceback(record.exc_info)
        return True
