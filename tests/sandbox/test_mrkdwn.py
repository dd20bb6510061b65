"""mrkdwn and plain_text to HTML: formatting, mentions, dates, links, and escaping of user text."""

from __future__ import annotations

import pytest

from slackemu.mrkdwn import Names, mrkdwn_html, plain_html, text_html, unescape
from tests.sandbox.support import assert_inert, parse, text

NAMES = Names(users={"U0BOB": "Bob Brandt"}, channels={"C0KAM": "kam-team"})


def render(source: str) -> str:
    html = mrkdwn_html(source, NAMES)
    assert_inert(html)
    return html


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*bold*", "<b>bold</b>"),
        ("_italics_", "<i>italics</i>"),
        ("~strike~", "<s>strike</s>"),
        ("`code`", "<code>code</code>"),
        ("~*TSK-1* title~ done", "<s><b>TSK-1</b> title</s> done"),
        ("a*b*c and 2 * 3 * 4", "a*b*c and 2 * 3 * 4"),
        ("snake_case_name", "snake_case_name"),
        ("line one\nline two", "line one<br>line two"),
    ],
)
def test_inline_formatting(source: str, expected: str) -> None:
    assert render(source) == expected


def test_code_spans_are_not_formatted_and_show_tokens_as_text() -> None:
    assert render("`*not bold* <@U0BOB>`") == "<code>*not bold* @Bob Brandt</code>"
    assert render("```\nfirst *x*\n  second\n```") == '<pre class="mrk-pre">first *x*\n  second</pre>'


def test_user_and_channel_mentions_show_names() -> None:
    html = render("<@U0BOB> in <#C0KAM> and <@U0NOBODY|nobody>")
    assert '<span class="mrk-mention">@Bob Brandt</span>' in html
    assert '<span class="mrk-channel">#kam-team</span>' in html
    assert "@nobody" in html


def test_broadcasts_and_dates() -> None:
    assert "mrk-broadcast" in render("<!here>")
    assert text(render("<!channel> <!everyone>")) == "@channel @everyone"
    assert text(render("due <!date^1797249600^{date_short}|18 Dec 2026>")) == "due 18 Dec 2026"
    assert text(render("<!date^1797249600^{date}^https://x.test|Fri &lt;18&gt;>")) == "Fri <18>"


def test_links_with_labels_and_unsafe_schemes() -> None:
    html = render("<https://example.com/a?b=1&amp;c=2|the *plan*> <mailto:a@b.test>")
    link = next(attrs for tag, attrs in parse(html).tags if tag == "a")
    assert link["href"] == "https://example.com/a?b=1&c=2"
    assert link["rel"] == "noopener noreferrer" and link["target"] == "_blank"
    assert "the <b>plan</b>" in html and "mailto:a@b.test" in html
    for bad in ("<javascript:alert(1)|click>", "<data:text/html,x|click>", "<vbscript:x|click>"):
        assert "<a" not in render(bad) and text(render(bad)) == "click"


def test_quotes_and_lists() -> None:
    html = render("> quoted\n> more\n• one\n• two\n- three\n1. first\n2. second\nafter")
    assert "<blockquote>quoted<br>more</blockquote>" in html
    assert '<ul class="mrk-list"><li>one</li><li>two</li><li>three</li></ul>' in html
    assert '<ol class="mrk-list"><li>first</li><li>second</li></ol>after' in html


def test_an_escaped_quote_marker_is_text() -> None:
    assert render("&gt; not a quote") == "&gt; not a quote"


def test_emoji_shortcodes() -> None:
    assert render(":white_check_mark: done :no_such_emoji:") == "✅ done :no_such_emoji:"


# --- escaping: what users typed is shown, never interpreted ------------------------------------


def test_escaped_user_text_reads_literally() -> None:
    html = render("&lt;!channel&gt; &lt;@U0BOB&gt; &amp;lt; &lt;script&gt;alert(1)&lt;/script&gt;")
    assert text(html) == "<!channel> <@U0BOB> &lt; <script>alert(1)</script>"
    assert "mrk-mention" not in html and "mrk-broadcast" not in html


def test_unescaped_markup_is_never_injected() -> None:
    for hostile in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '" onmouseover="alert(1)" x="',
        '<https://ok.test" onmouseover="alert(1)|x>',
        '<@U0BOB|"><script>alert(1)</script>>',
        "*<b onclick=alert(1)>bold</b>*",
        "\ue0000\ue001 placeholders",
    ):
        html = render(hostile)
        assert "<script" not in html and "<img" not in html and "<b " not in html
        assert_inert(html)  # no script tag, no on* attribute, no unsafe URL


def test_attribute_breakout_in_a_link_is_escaped() -> None:
    html = render('<https://ok.test/"onmouseover="alert(1)|x>')
    link = next(attrs for tag, attrs in parse(html).tags if tag == "a")
    assert set(link) == {"href", "target", "rel"}


def test_entities_are_decoded_once() -> None:
    assert unescape("&amp;lt; &lt; &gt; &amp; &quot;") == "&lt; < > & &quot;"
    assert text(render("&amp;amp;")) == "&amp;"


def test_plain_text_is_escaped_and_keeps_line_breaks() -> None:
    assert plain_html("a <b> & *c*\nd") == "a &lt;b&gt; &amp; *c*<br>d"
    assert plain_html("&lt;tag&gt; :warning:") == "&lt;tag&gt; ⚠️"
    assert plain_html(":warning:", emojis=False) == ":warning:"


def test_text_objects() -> None:
    assert text_html({"type": "plain_text", "text": "*x*"}) == "*x*"
    assert text_html({"type": "mrkdwn", "text": "*x*"}) == "<b>x</b>"
    assert text_html({"type": "plain_text", "text": ":x:", "emoji": False}) == ":x:"
    assert text_html(None) == "" and text_html({"type": "mrkdwn"}) == ""
