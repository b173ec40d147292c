"""Generated and mutated tfvars texts for the differential runs against ``terraform``.

Generated texts come from a loose grammar of HCL's own pieces, with the places where readers
tend to differ made likely: separators, line ends and blanks, escapes, numbers, keys. Mutated
texts are real configurations with such pieces inserted, deleted or swapped.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = [*sorted((PROJECT / "examples").glob("*.tfvars")), PROJECT / "my.auto.tfvars.example"]

# The usual piece is likelier than each odd one: most texts are then wrong in one place at most,
# and some are right.
blanks = st.sampled_from([" "] * 8 + ["", "  ", "\t", "\f", "\v", "\u00a0", "\u2028", "\ufeff"])
line_ends = st.sampled_from(["\n"] * 8 + ["\r\n", "\r", "\n\n", " # note\n", " // note\n", "\x85"])
identifiers = st.sampled_from(["a", "b_2", "name-x", "_u", "é", "k8s", "9x", "a.b", "x", "ünï"])
escapes = st.sampled_from(
    ["\\n", "\\t", "\\r", '\\"', "\\\\", "\\u00e9", "\\U0001F600", "\\ud800", "\\U00110000",
     "\\x41", "\\u12", "\\a", "\\0", "$${", "%%{", "${", "%{", "$", "%", "\\$", "e\u0301"]
)  # fmt: skip
string_chars = st.text(
    st.characters(codec="utf-8", exclude_characters='"\\\n'), max_size=6
) | st.sampled_from(["\t", "\x00", "\x7f", "\f", "\r", "\ufeff", "\u200b", "\U0001f600"])
numbers = st.sampled_from(
    ["0", "-1", "42", "2.5", "1e3", "1E+3", "1.5e-2", "1.", ".5", "0x1F", "007", "- 1",
     "1_000", "99999999999999999999999999", "1e400", "-0", "+1", "1e", "0.0"]
)  # fmt: skip


@st.composite
def quoted(draw) -> str:
    parts = draw(st.lists(string_chars | escapes, max_size=4))
    return '"' + "".join(parts) + draw(st.sampled_from(['"', '"', '"', ""]))


def values(depth: int = 2):
    scalar = quoted() | numbers | st.sampled_from(["true", "false", "null", "True", "nul"])
    scalar |= st.sampled_from(
        ["1 + 2", "var.x", '"${1}"', "<<EOT\nx\nEOT\n", "(1)", "[1,,2]", "{a=1,,b=2}", "-x",
         "upper(\"a\")", "true ? 1 : 2", "[1][0]", '"a\\\n"', "-1.5e3", '"x" # c\n']
    )  # fmt: skip
    if depth == 0:
        return scalar
    inner = values(depth - 1)
    separators = st.sampled_from([", ", ",", "\n", ", ", " ", ",\n", ", ,", "\r"])
    lists = st.builds(
        lambda items, sep, trailing: "[" + sep.join(items) + trailing + "]",
        st.lists(inner, max_size=3),
        separators,
        st.sampled_from(["", ",", "\n"]),
    )
    keys = identifiers | quoted()
    element = st.builds(
        lambda k, eq, v: f"{k}{eq}{v}",
        keys,
        st.sampled_from([" = ", "=", ": ", " ", "\n= ", " =\n", "=\r\n"]),
        inner,
    )
    objects = st.builds(
        lambda items, sep, trailing: "{" + sep.join(items) + trailing + "}",
        st.lists(element, max_size=3),
        separators,
        st.sampled_from(["", ",", "\n"]),
    )
    return scalar | lists | objects


@st.composite
def generated_texts(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        key = draw(identifiers | quoted())
        equals = draw(st.sampled_from(["="] * 8 + ["\n=", "=\n", ":"]))
        lines.append(
            f"{draw(blanks)}{key}{draw(blanks)}{equals}{draw(blanks)}{draw(values())}"
            f"{draw(line_ends)}"
        )
    return "".join(lines).encode("utf-8", errors="surrogatepass")


pieces = st.sampled_from(
    ["\r", "\f", "\v", "\x00", "\t", ",", "=", ":", "{", "}", "[", "]", '"', "\\", "$", "%",
     "#", "/", "*", "\n", " ", "é", "\u2028", "\ufeff", "0x", "e", ".", "-", "+", "\\u", "\\U",
     "\\ud800", "${", "<<EOT\n", "\r\n", "//", "/*", "*/"]
)  # fmt: skip


@st.composite
def mutated_texts(draw) -> bytes:
    text = draw(st.sampled_from(SEEDS)).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(pieces)
        if edit == "insert":
            text = text[:at] + piece + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 3)) :]
        else:
            text = text[:at] + piece + text[at + 1 :]
    return text.encode("utf-8", errors="surrogatepass")


texts = generated_texts() | mutated_texts()
