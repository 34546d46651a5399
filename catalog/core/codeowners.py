"""CODEOWNERS with GitHub's semantics: text in, rules and line errors out; paths in, owners out.

Pure: no I/O. The rules, as GitHub documents them:

- GitHub looks for the file in ``.github/``, the repository root and ``docs/``, in that
  order, and uses the first one it finds (``LOCATIONS``). A file of 3 MB or more is not
  loaded at all (``MAX_FILE_BYTES``).
- Each line is a pattern followed by owners, separated by whitespace. Blank lines and lines
  starting with ``#`` are skipped; ``\\#`` at the start of a pattern is a literal ``#``; a
  token starting with ``#`` after the pattern starts a comment that ends the owner list.
  ``\\`` escapes the next character of a pattern (``\\ `` is a space inside a pattern).
- Owners are ``@user``, ``@org/team-slug`` or an email address. A line with an owner of any
  other shape is invalid.
- Patterns follow gitignore with GitHub's differences: ``*`` matches within one path segment,
  ``**`` across segments, ``?`` one character; a leading ``/`` anchors the pattern to the
  root; a pattern with a ``/`` anywhere but at its end is anchored too; a pattern without one
  matches at any depth; a trailing ``/`` matches only what is below a directory. A pattern
  that names a directory owns everything below it, except that a final lone ``*`` (``docs/*``)
  matches only the directory's direct children. ``!`` negation and ``[ ]`` ranges are not
  supported: such lines are invalid. ``/`` alone matches nothing.
- Invalid lines are skipped, as GitHub skips them, and reported with their line number.
- The last rule that matches a path wins; a rule without owners leaves the path unowned.

Matching is a translation of each pattern to a regular expression (``pathspec`` implements
gitignore, which differs on ``docs/*``, and is not a runtime dependency). For speed on large
trees all rules are compiled into one alternation, last rule first, so one ``fullmatch``
per path finds the rule that wins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

LOCATIONS: tuple[str, ...] = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
"""Where GitHub looks, in order; the first file found is the one used."""
MAX_FILE_BYTES = 3 * 1024 * 1024
"""GitHub does not load a CODEOWNERS file this large or larger."""
MAX_LINE_CHARS = 4096
"""A longer line is reported and skipped: no real rule is that long, and it keeps matching cheap."""
MAX_RULES = 5_000
"""A file with more rules is not evaluated: every path is matched against every rule, so a file of
20,000 rules took a minute for 100 paths (measured), and a bomb of 200,000 rules minutes per path."""
CATCH_ALL_PATTERNS = frozenset({"*", "**", "/**", "**/*", "/**/*"})
"""Patterns that match every file: the owners of the last such rule are the repository's default owners."""

OwnerKind = Literal["user", "team", "email"]

_USER = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?")
_TEAM = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9][A-Za-z0-9_.-]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


class PatternError(ValueError):
    """A pattern GitHub does not accept."""


@dataclass(frozen=True)
class Owner:
    text: str
    """As written: ``@alice``, ``@acme/payments``, ``alice@acme.example``."""
    kind: OwnerKind

    @property
    def handle(self) -> str:
        """``alice``, ``acme/payments`` or the email, lower-cased (GitHub handles are case-insensitive)."""
        return (self.text[1:] if self.kind != "email" else self.text).lower()


@dataclass(frozen=True)
class Rule:
    line: int
    pattern: str
    """As written, escapes included."""
    owners: tuple[Owner, ...]
    regex: str = field(repr=False)
    """The pattern as a regular expression over repository paths (no leading ``/``), without groups."""

    def matches(self, path: str) -> bool:
        return re.fullmatch(self.regex, path) is not None


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


@dataclass(frozen=True)
class Coverage:
    """How much of a tree of files the rules give an owner."""

    files: int
    owned: int
    governed: dict[int, int]
    """Line of a rule → the number of files it is the last match for."""

    @property
    def share(self) -> int | None:
        """Percent of files with an owner, rounded down (100 means every file); ``None`` for no files."""
        return self.owned * 100 // self.files if self.files else None


@dataclass(frozen=True)
class Codeowners:
    rules: tuple[Rule, ...] = ()
    errors: tuple[LineError, ...] = ()
    file_error: str | None = None
    kept_back: bool = False
    """``file_error`` is a bound of the catalog's, not GitHub's: GitHub still applies the file, so what it said before is kept."""
    """Set when the file as a whole is not used (too large): then there are no rules."""

    @cached_property
    def _combined(self) -> re.Pattern[str] | None:
        if not self.rules:
            return None
        # Last rule first: the first alternative that matches the whole path is the rule that wins.
        return re.compile("|".join(f"({rule.regex})" for rule in reversed(self.rules)))

    def rule_for(self, path: str) -> Rule | None:
        """The rule that decides ``path``'s owners (the last that matches), or ``None``."""
        combined = self._combined
        match = combined.fullmatch(path.lstrip("/")) if combined is not None else None
        if match is None or match.lastindex is None:
            return None
        return self.rules[len(self.rules) - match.lastindex]

    def owners_of(self, path: str) -> tuple[Owner, ...]:
        rule = self.rule_for(path)
        return rule.owners if rule is not None else ()

    @property
    def default_rule(self) -> Rule | None:
        """The last rule whose pattern matches every file (``*``, ``**``, ``/**``, ``**/*``, ``/**/*``)."""
        for rule in reversed(self.rules):
            if rule.pattern in CATCH_ALL_PATTERNS:
                return rule
        return None

    def coverage(self, paths: Iterable[str]) -> Coverage:
        files = owned = 0
        governed: Counter[int] = Counter()
        for path in paths:
            files += 1
            rule = self.rule_for(path)
            if rule is None:
                continue
            governed[rule.line] += 1
            if rule.owners:
                owned += 1
        return Coverage(files, owned, dict(governed))


def size_error(size: int) -> str | None:
    """Why GitHub does not load a CODEOWNERS file of ``size`` bytes, or ``None`` when it does."""
    if size < MAX_FILE_BYTES:
        return None
    return (
        f"the file is {size} bytes, not under GitHub's limit of {MAX_FILE_BYTES} bytes (3 MB), "
        "so GitHub does not load it and no path has a code owner"
    )


def load(data: bytes) -> Codeowners:
    """Parse a CODEOWNERS file as fetched; a file GitHub would not load, or one past the catalog's bounds, yields only ``file_error``."""
    error = size_error(len(data))
    if error is not None:
        return Codeowners(file_error=error)
    parsed = parse(data.decode("utf-8", errors="replace"), max_rules=MAX_RULES)
    if len(parsed.rules) > MAX_RULES:
        return Codeowners(
            file_error=f"the file has more than the {MAX_RULES:,} rules the catalog evaluates "
            "(catalog.core.codeowners.MAX_RULES); what it said before is kept; merge rules into broader patterns",
            kept_back=True,
        )
    return parsed


def parse(text: str, *, max_rules: int | None = None) -> Codeowners:
    """Every rule and invalid line; with ``max_rules``, parsing stops at the first rule past it."""
    rules: list[Rule] = []
    errors: list[LineError] = []
    text = text.removeprefix("\ufeff")
    for number, raw in enumerate(text.split("\n"), start=1):
        try:
            rule = parse_line(raw, number)
        except PatternError as exc:
            errors.append(LineError(number, str(exc)))
            continue
        if rule is not None:
            rules.append(rule)
            if max_rules is not None and len(rules) > max_rules:
                break
    return Codeowners(tuple(rules), tuple(errors))


def parse_line(raw: str, number: int = 1) -> Rule | None:
    """One line: a rule, ``None`` for a blank or comment line; raises ``PatternError`` for an invalid line."""
    line = raw.rstrip("\r")
    if len(line) > MAX_LINE_CHARS:
        raise PatternError(f"the line is {len(line)} characters long, more than the {MAX_LINE_CHARS} allowed; it is skipped")
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    pattern, rest = _split_pattern(line)
    owners: list[Owner] = []
    for token in rest.split():
        if token.startswith("#"):
            break
        owners.append(_owner(token))
    return Rule(number, pattern, tuple(owners), translate(pattern))


def matches(pattern: str, path: str) -> bool:
    """Whether a CODEOWNERS pattern matches a repository path (for tests and one-off checks)."""
    return re.fullmatch(translate(pattern), path.lstrip("/")) is not None


def _split_pattern(line: str) -> tuple[str, str]:
    """The pattern token (escapes kept, so ``\\ `` stays in it) and the rest of the line."""
    index = 0
    while index < len(line) and not line[index].isspace():
        if line[index] == "\\":
            if index + 1 == len(line):
                raise PatternError(f"the pattern {line!r} ends with a lone backslash")
            index += 2
        else:
            index += 1
    return line[:index], line[index:]


def _owner(token: str) -> Owner:
    if _TEAM.fullmatch(token):
        return Owner(token, "team")
    if _USER.fullmatch(token):
        return Owner(token, "user")
    if _EMAIL.fullmatch(token):
        return Owner(token, "email")
    raise PatternError(f"owner {token!r} is not @user, @org/team or an email address; the line is skipped")


# -- pattern translation -------------------------------------------------------------------

_STAR = object()
_QMARK = object()
_SLASH = object()
Token = str | object
"""A literal character (escaped or not), or one of the wildcard markers above."""


def _tokens(pattern: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index + 1 == len(pattern):
                raise PatternError(f"the pattern {pattern!r} ends with a lone backslash")
            tokens.append(pattern[index + 1])
            index += 2
            continue
        if char in "[]":
            raise PatternError(f"the pattern {pattern!r} uses a [ ] character range, which CODEOWNERS does not support")
        tokens.append({"*": _STAR, "?": _QMARK, "/": _SLASH}.get(char, char))
        index += 1
    return tokens


def translate(pattern: str) -> str:
    """The regular expression (group-free, for ``fullmatch``) of one CODEOWNERS pattern."""
    if pattern.startswith("!"):
        raise PatternError(f"the pattern {pattern!r} starts with '!': CODEOWNERS has no negation")
    if "***" in pattern:
        raise PatternError(f"the pattern {pattern!r} has three consecutive asterisks")
    tokens = _tokens(pattern)
    anchored = bool(tokens) and tokens[0] is _SLASH
    directory = bool(tokens) and tokens[-1] is _SLASH
    segments: list[list[Token]] = [[]]
    for token in tokens:
        if token is _SLASH:
            segments.append([])
        else:
            segments[-1].append(token)
    # Leading and trailing slashes leave empty segments, and so do doubled ones: drop them.
    parts = [s for s in segments if s]
    if not parts:
        return "(?!)"  # `/` names no file
    if not anchored and len(parts) == 1 and not _is_globstar(parts[0]):
        parts.insert(0, [_STAR, _STAR])
    if directory:
        parts.append([_STAR, _STAR])
    collapsed: list[list[Token]] = []
    for part in parts:
        if not (collapsed and _is_globstar(part) and _is_globstar(collapsed[-1])):
            collapsed.append(part)
    return _regex(collapsed)


def _is_globstar(segment: list[Token]) -> bool:
    return len(segment) == 2 and segment[0] is _STAR and segment[1] is _STAR


def _regex(parts: list[list[Token]]) -> str:
    out: list[str] = []
    need_slash = False
    last = len(parts) - 1
    for index, segment in enumerate(parts):
        if _is_globstar(segment):
            if index == 0 and index == last:
                out.append(".+")
            elif index == 0:
                out.append("(?:.+/)?")  # any leading directories, or none
                need_slash = False
            elif index == last:
                out.append("/.*")  # anything below
            else:
                out.append("(?:/.+)?")  # any directories in between, or none
                need_slash = True
            continue
        if need_slash:
            out.append("/")
        if len(segment) == 1 and segment[0] is _STAR:
            # A lone `*` is one segment; as the last one it does not reach into subdirectories.
            out.append("[^/]+")
        else:
            out.append("".join(_char(t) for t in segment))
            if index == last:
                out.append("(?:/.*)?")  # the file itself, or everything below the directory
        need_slash = True
    return "".join(out)


def _char(token: Token) -> str:
    if token is _STAR:
        return "[^/]*"
    if token is _QMARK:
        return "[^/]"
    assert isinstance(token, str)
    return re.escape(token)


__all__ = [
    "CATCH_ALL_PATTERNS",
    "LOCATIONS",
    "MAX_FILE_BYTES",
    "MAX_LINE_CHARS",
    "Codeowners",
    "Coverage",
    "LineError",
    "Owner",
    "PatternError",
    "Rule",
    "load",
    "matches",
    "parse",
    "parse_line",
    "size_error",
    "translate",
]
