"""CODEOWNERS parsing and matching with GitHub's semantics (catalog.core.codeowners, pure)."""

from __future__ import annotations

import pytest

from catalog.core import codeowners as co

# Pattern → {path: matches?}. GitHub's documented examples plus gitignore corner cases.
PATTERNS: dict[str, dict[str, bool]] = {
    "*": {"README.md": True, "src/app.py": True, "a/b/c/d.txt": True, ".github/CODEOWNERS": True},
    "**": {"README.md": True, "a/b/c": True},
    "/**": {"README.md": True, "a/b/c": True},
    "*.js": {"index.js": True, "src/deep/app.js": True, "index.jsx": False, "js": False, "src/app.ts": False},
    "foo": {"foo": True, "foo.txt": False, "foo/bar": True, "bar/foo": True, "bar/foo/baz": True, "bar/baz": False},
    "/foo": {"foo": True, "fool.txt": False, "foo/bar/baz": True, "bar/foo": False},
    "foo/": {"foo": False, "foo/bar": True, "bar/foo/baz/qux": True, "bar/foo": False},
    "/docs/": {"docs/index.md": True, "docs/a/b.md": True, "src/docs/x.md": False, "docs": False},
    "apps/": {"apps/x": True, "deep/apps/x/y": True, "apps": False, "myapps/x": False},
    "foo/bar": {"foo/bar": True, "foo/bart": False, "foo/bar/baz": True, "baz/foo/bar": False},
    "docs/*": {"docs/getting-started.md": True, "docs/build-app/troubleshooting.md": False, "docs": False, "x/docs/a.md": False},
    "/*": {"README.md": True, "src/app.py": False},
    "/*/": {"README.md": False, "src/app.py": True, "src/a/b.py": True},
    "f*": {"foo": True, "foo/bar/baz": True, "bar/foo": True, "bar/baz": False, "xfoo": False},
    "foo/*.txt": {"foo/bar.txt": True, "foo/bar/baz.txt": False, "qux/foo/bar.txt": False},
    "foo/*/baz": {"foo/bar/baz": True, "foo/bar/baz/qux": True, "foo/baz": False},
    "f?o": {"foo": True, "fo": False, "fooo": False, "f/o": False},
    "**/logs": {"logs/a": True, "build/logs/a": True, "deeply/nested/logs/x.log": True, "logs2/a": False},
    "**/foo/bar": {"foo/bar": True, "qux/foo/bar/baz": True, "foo/baz/bar": False},
    "foo/bar/**": {"foo/bar": False, "foo/bar/baz": True, "foo/bar/baz/qux": True, "qux/foo/bar/baz": False},
    "foo/**/bar": {"foo/bar": True, "foo/qux/quux/bar/baz": True, "qux/foo/bar": False},
    "foo/**/": {"foo": False, "foo/bar": True, "foo/bar/baz": True},
    "/build/logs/": {"build/logs/a.log": True, "build/logs/x/y": True, "x/build/logs/a": False},
    "f\\*o": {"foo": False, "f*o": True},
    "f\\?o": {"foo": False, "f?o": True},
    "my\\ file.txt": {"my file.txt": True, "dir/my file.txt": True, "my": False},
    "\\#notes": {"#notes": True, "notes": False},
    "/": {"README.md": False, "a/b": False},
    "a.b": {"a.b": True, "axb": False},
    "(x)+": {"(x)+": True, "x": False},
}


CASES = [(pattern, path, expected) for pattern, paths in PATTERNS.items() for path, expected in paths.items()]


@pytest.mark.parametrize(("pattern", "path", "expected"), CASES)
def test_pattern_matching(pattern: str, path: str, expected: bool) -> None:
    assert co.matches(pattern, path) is expected


def test_patterns_are_case_sensitive_and_a_leading_slash_on_the_path_is_ignored() -> None:
    assert co.matches("/Docs/", "Docs/a.md")
    assert not co.matches("/Docs/", "docs/a.md")
    assert co.matches("*.MD", "/README.MD")


def test_the_last_matching_rule_wins_and_a_rule_without_owners_clears() -> None:
    parsed = co.parse("*  @acme/payments\n/docs/ @alice\n/docs/generated/\n*.tf @acme/platform\n")
    assert not parsed.errors
    assert [o.text for o in parsed.owners_of("src/app.py")] == ["@acme/payments"]
    assert [o.text for o in parsed.owners_of("docs/index.md")] == ["@alice"]
    assert parsed.owners_of("docs/generated/api.md") == ()
    rule = parsed.rule_for("docs/generated/main.tf")
    assert rule is not None and rule.line == 4 and [o.text for o in rule.owners] == ["@acme/platform"]


def test_no_matching_rule_means_no_owner() -> None:
    parsed = co.parse("/docs/ @alice\n")
    assert parsed.rule_for("src/app.py") is None
    assert parsed.owners_of("src/app.py") == ()


def test_owner_kinds_and_handles() -> None:
    [rule] = co.parse("* @Alice @Acme/Payments-Team ops@acme.example\n").rules
    assert [(o.kind, o.handle) for o in rule.owners] == [("user", "alice"), ("team", "acme/payments-team"), ("email", "ops@acme.example")]


def test_comments_blank_lines_and_inline_comments() -> None:
    text = "# heading\n\n   \n  # indented comment\n*.js @a @b # @c is not an owner\n/x/ # no owners: clears\n"
    parsed = co.parse(text)
    assert not parsed.errors
    assert [(r.line, r.pattern, [o.text for o in r.owners]) for r in parsed.rules] == [(5, "*.js", ["@a", "@b"]), (6, "/x/", [])]


def test_escaped_hash_is_a_pattern_not_a_comment() -> None:
    [rule] = co.parse("\\#secret.txt @alice\n").rules
    assert rule.pattern == "\\#secret.txt"
    assert rule.matches("#secret.txt") and not rule.matches("secret.txt")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("!secret.js @alice", "no negation"),
        ("[ab].css @alice", "character range"),
        ("docs/[a-z]/ @alice", "character range"),
        ("src/***/x @alice", "three consecutive asterisks"),
        ("*.js alice", "is not @user, @org/team or an email"),
        ("*.js @alice,", "is not @user, @org/team or an email"),
        ("*.js @acme/", "is not @user, @org/team or an email"),
        ("*.js @-alice", "is not @user, @org/team or an email"),
        ("*.js ops@", "is not @user, @org/team or an email"),
        ("trailing\\", "lone backslash"),
    ],
)
def test_invalid_lines_are_errors_with_their_line_number_and_are_skipped(line: str, message: str) -> None:
    parsed = co.parse(f"* @acme/payments\n{line}\n")
    assert [r.line for r in parsed.rules] == [1]
    [error] = parsed.errors
    assert error.line == 2 and message in error.message
    # The skipped line does not take ownership from the rule before it.
    assert [o.text for o in parsed.owners_of("secret.js")] == ["@acme/payments"]


def test_an_escaped_bracket_is_a_literal() -> None:
    [rule] = co.parse("\\[draft\\].md @alice\n").rules
    assert rule.matches("[draft].md") and not rule.matches("d.md")


def test_a_line_over_the_limit_is_an_error_and_skipped() -> None:
    long_line = "a" * co.MAX_LINE_CHARS + " @alice"
    parsed = co.parse(f"* @bob\n{long_line}\n/x/ @carol\n")
    assert [r.line for r in parsed.rules] == [1, 3]
    [error] = parsed.errors
    assert error.line == 2 and str(co.MAX_LINE_CHARS) in error.message


def test_a_file_at_githubs_size_limit_is_not_loaded() -> None:
    parsed = co.load(b"* @alice\n" + b"#" * co.MAX_FILE_BYTES)
    assert parsed.rules == () and parsed.file_error is not None and "3 MB" in parsed.file_error
    assert co.load(b"* @alice\n").file_error is None


def test_crlf_line_endings_and_a_byte_order_mark() -> None:
    parsed = co.load("\ufeff* @alice\r\n/docs/ @bob\r\n".encode())
    assert not parsed.errors
    assert [o.text for o in parsed.owners_of("docs/a.md")] == ["@bob"]
    assert [o.text for o in parsed.owners_of("README")] == ["@alice"]


def test_invalid_utf8_does_not_stop_the_parse() -> None:
    parsed = co.load(b"* @alice\n/caf\xe9/ @bob\n")
    assert [r.line for r in parsed.rules] == [1, 2]


def test_default_rule_is_the_last_catch_all() -> None:
    parsed = co.parse("* @a\n/docs/ @b\n** @c\n*.js @d\n")
    rule = parsed.default_rule
    assert rule is not None and rule.line == 3 and [o.text for o in rule.owners] == ["@c"]
    assert co.parse("/docs/ @b\n").default_rule is None
    cleared = co.parse("* @a\n*\n").default_rule
    assert cleared is not None and cleared.owners == ()


def test_coverage_counts_files_with_an_owner_and_the_rule_that_decides_each() -> None:
    parsed = co.parse("* @a\n/vendor/\n/docs/ @b\n/nowhere/ @c\n")
    coverage = parsed.coverage(["README.md", "src/x.py", "vendor/lib.js", "vendor/deep/x.js", "docs/a.md", "docs/b.md", "c.txt"])
    assert (coverage.files, coverage.owned) == (7, 5)
    assert coverage.share == 71  # rounded down: 100 means every file
    assert coverage.governed == {1: 3, 2: 2, 3: 2}  # line 4 decides no file
    assert co.parse("* @a\n").coverage([]).share is None
    assert co.parse("* @a\n").coverage(["a", "b"]).share == 100


def test_many_rules_over_many_paths_stay_fast() -> None:
    rules = "".join(f"/svc{i}/ @acme/team{i}\n" for i in range(300))
    parsed = co.parse("* @acme/all\n" + rules)
    paths = [f"svc{i % 400}/src/file{i}.py" for i in range(20_000)]
    coverage = parsed.coverage(paths)
    assert coverage.files == 20_000 and coverage.owned == 20_000
    assert coverage.governed[1] == sum(1 for i in range(20_000) if i % 400 >= 300)
    rule = parsed.rule_for("svc7/x")
    assert rule is not None and rule.owners[0].text == "@acme/team7"
